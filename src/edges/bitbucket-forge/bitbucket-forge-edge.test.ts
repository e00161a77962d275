import { afterEach, describe, expect, it } from 'vitest';
import { controlDialects } from '../../tenants/control-db-test-kit.js';
import { generateWorkspace } from '../../../simulator/bitbucket/generate-workspace.js';
import type { BitbucketTimeService, PullRequestPanel } from '../../bitbucket/bitbucket-time-ports.js';
import { startBitbucketForgeTestbed, type BitbucketForgeTestbed, type BitbucketForgeTestbedOptions } from './bitbucket-forge-test-kit.js';

/*
 * The Bitbucket Forge edge end to end over loopback HTTP: the simulated Bitbucket's Forge platform
 * (`bb.forge`) installs, ticks, uninstalls and makes the pages' invokeRemote calls; Tally answers
 * on a real control database with the real installations registry and Bitbucket client.
 */

const PR_PANEL = 'bitbucket:repoPullRequestOverviewPanel';
const REPO_PAGE = 'bitbucket:repoMainMenuPage';
const SETTINGS = 'bitbucket:workspaceSettingsMenuPage';
const HOUR_MS = 3_600_000;

let testbed: BitbucketForgeTestbed | undefined;
afterEach(async () => {
  await testbed?.close();
  testbed = undefined;
});

async function startWith(options: BitbucketForgeTestbedOptions = {}): Promise<BitbucketForgeTestbed> {
  testbed = await startBitbucketForgeTestbed(options);
  // A second workspace, for the tests that need another one.
  generateWorkspace(testbed.bb.model, { workspaceSlug: 'second-workspace', seed: 'second' });
  return testbed;
}

const start = (options: BitbucketForgeTestbedOptions = {}) => startWith(options);

/** The simulator's own view of a user, fetched raw from its REST API (the truth the installer is compared with). */
async function bitbucketUser(tb: BitbucketForgeTestbed, accountId: string): Promise<{ uuid: string; nickname: string; avatar: string }> {
  const user = tb.bb.model.findUserByRef(accountId);
  if (!user) throw new Error(`no simulated user ${accountId}`);
  const response = await tb.bb.fetch(`/2.0/users/${encodeURIComponent(user.uuid)}`, { headers: { authorization: `Bearer ${tb.bb.forge.systemToken()}` } });
  const body = (await response.json()) as { uuid: string; nickname: string; links: { avatar: { href: string } } };
  return { uuid: body.uuid, nickname: body.nickname, avatar: body.links.avatar.href };
}

function firstPullRequest(tb: BitbucketForgeTestbed, workspaceUuid: string) {
  for (const repository of tb.bb.model.listRepositories(workspaceUuid)) {
    const pullRequest = tb.bb.model.listPullRequests(repository.uuid)[0];
    if (pullRequest) return { repository, pullRequest };
  }
  throw new Error('the simulated workspace has no pull request');
}

/** A Jira tenant in the registry and a pairing code for it, as the Jira admin page makes one. */
async function pairingCode(tb: BitbucketForgeTestbed, siteUrl = 'https://acme.atlassian.net') {
  const tenant = await tb.registry.transaction((tx) => tx.createTenant({ platform: 'site', product: 'jira', baseUrl: siteUrl }));
  return { tenant, code: (await tb.installations.createPairingCode(tenant.id)).code };
}

// The edge's table and the core's on both control-database dialects.
describe.each(controlDialects)('Bitbucket Forge edge: lifecycle (%s)', (dialect) => {
  const start = (options: BitbucketForgeTestbedOptions = {}) => startWith({ dialect, ...options });

  it('holds an installation active and unlinked, with the installer as Bitbucket names them, and stores no token', async () => {
    const tb = await start();
    const workspace = tb.bb.model.listWorkspaces()[0]!;
    const result = await tb.bb.forge.install({ workspace: workspace.uuid });
    expect(result).toMatchObject({ ok: true, status: 204 });
    const installation = tb.bb.forge.findInstallation(workspace.uuid)!;
    const truth = await bitbucketUser(tb, installation.installerAccountId);
    const { installations, forge } = await tb.bitbucketRows();
    expect(installations).toEqual([
      expect.objectContaining({ edge: 'bitbucket-forge', state: 'active', installer_uuid: truth.uuid, installer_username: truth.nickname, installer_avatar_url: truth.avatar, jira_tenant_id: null }),
    ]);
    expect(forge).toEqual([
      { installation_id: installations[0]!.id, forge_installation_id: installation.ari, workspace_id: workspace.uuid.replace(/[{}]/g, ''), last_tick_at_ms: expect.anything() },
    ]);
    // The system token served the installer lookup and went: no byte of it in the control database.
    const token = tb.bb.forge.systemToken();
    expect(await tb.dumpControl()).not.toContain(token);
    expect(await tb.dumpControl()).not.toContain(token.split('.')[1]);
  });

  it('changes nothing when the install is delivered again or the app upgraded', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const before = await tb.bitbucketRows();
    expect((await tb.bb.forge.upgrade()).status).toBe(204);
    const delivery = tb.bb.forge.deliveries.find((d) => d.path?.endsWith('/lifecycle')) as { path: string } | undefined;
    expect(delivery).toBeDefined();
    expect((await tb.bitbucketRows()).installations).toEqual(before.installations);
  });

  it('records ticks, and a tick of an installation Tally lost re-creates it unlinked', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const [{ id }] = (await tb.bitbucketRows()).installations as [{ id: string }];
    tb.clock.advanceMs(1_000);
    expect((await tb.bb.forge.tick()).map((r) => r.status)).toEqual([204]);
    const ticked = (await tb.bitbucketRows()).forge[0] as { last_tick_at_ms: number };
    await tb.installations.remove(id as never);
    expect((await tb.bb.forge.tick()).map((r) => r.status)).toEqual([204]);
    const { installations, forge } = await tb.bitbucketRows();
    expect(installations).toEqual([expect.objectContaining({ state: 'active', installer_uuid: '', jira_tenant_id: null })]);
    expect(installations[0]!.id).not.toBe(id);
    expect(Number((forge[0] as { last_tick_at_ms: number }).last_tick_at_ms)).toBeGreaterThanOrEqual(Number(ticked.last_tick_at_ms));
  });

  it('deletes the installation, its link and its row at the pre-uninstall call', async () => {
    const tb = await start();
    const empty = await tb.dumpControl();
    await tb.bb.forge.install();
    const { code } = await pairingCode(tb);
    expect((await tb.bb.forge.invokeRemote({ path: 'pair', viewer: tb.bb.forge.findInstallation(tb.bb.model.listWorkspaces()[0]!.uuid)!.installerAccountId, extension: { type: SETTINGS }, body: { code } })).status).toBe(200);
    const result = await tb.bb.forge.uninstall();
    expect(result?.status).toBe(204);
    expect(await tb.bitbucketRows()).toEqual({ installations: [], forge: [] });
    // Everything but the Jira tenant the test made (and its audit trail) is as before the install.
    const after = JSON.parse(await tb.dumpControl()) as [string, string[]][];
    const expected = JSON.parse(empty) as [string, string[]][];
    for (const [table, rows] of after) {
      if (table.startsWith('bitbucket_')) expect(rows, table).toEqual(expected.find(([name]) => name === table)?.[1]);
    }
  });

  it('deletes an installation silent past the grace period, and keeps one that ticks', async () => {
    const tb = await start({ graceHours: 3 });
    const [first, second] = tb.bb.model.listWorkspaces();
    await tb.bb.forge.install({ workspace: first!.uuid });
    await tb.bb.forge.install({ workspace: second!.uuid });
    tb.clock.advanceMs(2 * HOUR_MS);
    await tb.runMissingTickCheck();
    expect((await tb.bitbucketRows()).forge).toHaveLength(2);
    // Only the second workspace's tick arrives (Forge stopped calling the first: uninstalled without pre-uninstall).
    const secondInstallation = tb.bb.forge.findInstallation(second!.uuid)!;
    // Signed for Tally's clock, two hours on from the simulator's.
    const at = Math.floor((Date.now() + 2 * HOUR_MS) / 1000);
    const token = await tb.bb.forge.signFit({ iat: at, nbf: at, exp: at + 25 }, { installation: secondInstallation.ari });
    const tick = await fetch(`${tb.tallyUrl}/bitbucket/forge/tick`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(tick.status).toBe(204);
    tb.clock.advanceMs(1.5 * HOUR_MS);
    await tb.runMissingTickCheck();
    const { forge } = await tb.bitbucketRows();
    expect(forge.map((row) => row.workspace_id)).toEqual([second!.uuid.replace(/[{}]/g, '')]);
    expect((await tb.bitbucketRows()).installations).toHaveLength(1);
  });
});

describe('Bitbucket Forge edge: pages', () => {
  it('pairs from the settings page, answers the panel with the pull request Bitbucket has, and unlinks', async () => {
    const seen: Parameters<BitbucketTimeService['pullRequestPanel']>[0][] = [];
    // The time service's own logic is tested in src/bitbucket; here it reads the pull request
    // through the API the edge built, so the answer shows what Bitbucket gave that API.
    const time: BitbucketTimeService = {
      async pullRequestPanel(request) {
        seen.push(request);
        const pr = await request.api.getPullRequest(request.repository, request.pullRequestId);
        return { pullRequest: { id: pr.id, title: pr.title, state: pr.state, openedAtMs: pr.createdOnMs, closedAtMs: pr.closedOnMs ?? null } } as PullRequestPanel;
      },
      repositoryPage: () => Promise.reject(new Error('not used')),
    };
    const tb = await start({ time: () => time });
    const workspace = tb.bb.model.listWorkspaces()[0]!;
    await tb.bb.forge.install({ workspace: workspace.uuid });
    const viewer = tb.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const { tenant, code } = await pairingCode(tb, 'https://acme.atlassian.net');

    const settings = (path: string, body: unknown = {}) => tb.bb.forge.invokeRemote({ path, viewer, extension: { type: SETTINGS }, body });
    expect(await settings('settings')).toMatchObject({ status: 200, body: { linked: false, siteUrl: null } });
    expect(await settings('pair', { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' })).toMatchObject({ status: 400, body: { error: { code: 'BITBUCKET_PAIRING_CODE_INVALID' } } });
    const paired = await settings('pair', { code: code.toLowerCase() });
    expect(paired).toMatchObject({ status: 200, body: { linked: true, siteUrl: 'https://acme.atlassian.net' } });
    expect((await tb.bitbucketRows()).installations[0]).toMatchObject({ jira_tenant_id: tenant.id });

    const { repository, pullRequest } = firstPullRequest(tb, workspace.uuid);
    const panel = await tb.bb.forge.invokeRemote({ path: 'pull-request-time', viewer, extension: { type: PR_PANEL, repository: { uuid: repository.uuid }, pullRequest: { id: pullRequest.id } }, body: {} });
    expect(panel).toMatchObject({ status: 200, body: { pullRequest: { id: pullRequest.id, title: pullRequest.title } } });
    expect(seen[0]).toMatchObject({ viewerAccountId: viewer, repository: { workspace: workspace.uuid, repository: repository.uuid }, pullRequestId: pullRequest.id, installation: { jiraTenantId: tenant.id } });

    expect(await settings('unlink')).toMatchObject({ status: 200, body: { linked: false, siteUrl: null } });
    expect((await tb.bitbucketRows()).installations[0]).toMatchObject({ jira_tenant_id: null });
  });

  it('answers settings, pairing and unlinking to the workspace settings page only, changing nothing otherwise', async () => {
    const tb = await start();
    const workspace = tb.bb.model.listWorkspaces()[0]!;
    await tb.bb.forge.install({ workspace: workspace.uuid });
    const viewer = tb.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const { code } = await pairingCode(tb);
    const before = await tb.dumpControl();
    const { repository, pullRequest } = firstPullRequest(tb, workspace.uuid);
    for (const type of [PR_PANEL, REPO_PAGE, 'bitbucket:repoCodeOverviewPanel']) {
      for (const path of ['settings', 'pair', 'unlink']) {
        const answer = await tb.bb.forge.invokeRemote({ path, viewer, extension: { type, repository: { uuid: repository.uuid }, pullRequest: { id: pullRequest.id } }, body: { code } });
        expect(answer.status, `${type} ${path}`).toBe(403);
      }
    }
    expect(await tb.dumpControl()).toBe(before);
  });

  it('validates the repository page period', async () => {
    const tb = await start();
    const workspace = tb.bb.model.listWorkspaces()[0]!;
    await tb.bb.forge.install({ workspace: workspace.uuid });
    const viewer = tb.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const { repository } = firstPullRequest(tb, workspace.uuid);
    const ask = (body: unknown) => tb.bb.forge.invokeRemote({ path: 'repository-time', viewer, extension: { type: REPO_PAGE, repository: { uuid: repository.uuid } }, body });
    for (const body of [{}, { from: '2026-03-01' }, { from: '2026-03-10', to: '2026-03-01' }, { from: '2026-02-30', to: '2026-03-02' }, { from: '2024-01-01', to: '2026-01-01' }, { from: '2026-03-01', to: '2026-03-02', extra: 1 }]) {
      expect(await ask(body), JSON.stringify(body)).toMatchObject({ status: 400, body: { error: { code: 'REQUEST_INVALID' } } });
    }
  });
});

describe('Bitbucket Forge edge: forged requests', () => {
  const routes = ['/bitbucket/forge/lifecycle', '/bitbucket/forge/tick', '/bitbucket/forge/pre-uninstall', '/bitbucket/forge/ui/settings', '/bitbucket/forge/ui/pull-request-time'];

  it('refuses every route without a token, with an expired one, another app\'s, one of a foreign key, or a Jira token; nothing changes', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const before = await tb.dumpControl();
    const nowS = Math.floor(Date.now() / 1000);
    const forged: [string, string | undefined, number][] = [
      ['no token', undefined, 401],
      ['expired', await tb.bb.forge.signFit({ iat: nowS - 600, nbf: nowS - 600, exp: nowS - 300 }), 401],
      ['wrong aud', await tb.bb.forge.signFit({ aud: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-00000000000f' }), 401],
      ['wrong key', await tb.bb.forge.signFit({}, { key: 'unknown' }), 401],
      ['a Jira token', await tb.bb.forge.signFit({ app: { apiBaseUrl: 'https://api.atlassian.com/ex/jira/11111111-aaaa-4aaa-8aaa-111111111111', installation: { contexts: [{ name: 'jira', cloudId: '11111111-aaaa-4aaa-8aaa-111111111111', apiBaseUrl: 'https://api.atlassian.com/ex/jira/11111111-aaaa-4aaa-8aaa-111111111111' }] } }, context: undefined }), 401],
      ['a foreign API host', await tb.bb.forge.signFit({ app: { apiBaseUrl: 'https://api.bitbucket.evil.example', installation: { contexts: [{ name: 'bitbucket', apiBaseUrl: 'https://api.bitbucket.evil.example', workspaceId: tb.bb.forge.listInstallations()[0]!.workspaceUuid.replace(/[{}]/g, '') }] } } }), 403],
    ];
    for (const route of routes) {
      for (const [name, token, status] of forged) {
        const response = await fetch(`${tb.tallyUrl}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ eventType: 'avi:forge:installed:app' }),
        });
        expect(response.status, `${route}: ${name}`).toBe(status);
        expect(((await response.json()) as { error: { code: string } }).error.code, `${route}: ${name}`).toMatch(/^AUTH_/);
      }
    }
    expect(await tb.dumpControl()).toBe(before);
  });

  it('refuses the simulator\'s tampered deliveries and page calls', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const before = await tb.dumpControl();
    const viewer = tb.bb.forge.listInstallations()[0]!.installerAccountId;
    for (const tamper of ['expired-fit', 'wrong-aud', 'wrong-key', 'missing-fit'] as const) {
      expect((await tb.bb.forge.tick({ tamper })).map((r) => r.status), tamper).toEqual([401]);
      expect((await tb.bb.forge.invokeRemote({ path: 'settings', viewer, extension: { type: SETTINGS }, body: {}, tamper })).status, tamper).toBe(401);
    }
    expect(await tb.dumpControl()).toBe(before);
  });

  it('refuses a delivery whose body names another installation or workspace, and a page call without the system token', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const before = await tb.dumpControl();
    const token = await tb.bb.forge.signFit();
    const post = (path: string, body: unknown) =>
      fetch(`${tb.tallyUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const other = 'c0ffee00-1111-4aaa-8aaa-000000000000';
    expect((await post('/bitbucket/forge/pre-uninstall', { context: { workspaceId: `{${other}}` } })).status).toBe(401);
    expect((await post('/bitbucket/forge/lifecycle', { eventType: 'avi:forge:installed:app', id: other, context: `ari:cloud:bitbucket::workspace/${other}` })).status).toBe(401);
    expect(await tb.dumpControl()).toBe(before);
    const workspace = tb.bb.model.listWorkspaces()[0]!;
    const viewer = tb.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const { repository, pullRequest } = firstPullRequest(tb, workspace.uuid);
    const answer = await tb.bb.forge.invokeRemote({ path: 'pull-request-time', viewer, extension: { type: PR_PANEL, repository: { uuid: repository.uuid }, pullRequest: { id: pullRequest.id } }, body: {}, tamper: 'missing-token' });
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
  });

  it('refuses trigger routes called from a page (a user can make Forge call any path)', async () => {
    const tb = await start();
    await tb.bb.forge.install();
    const before = await tb.dumpControl();
    const viewer = tb.bb.forge.listInstallations()[0]!.installerAccountId;
    for (const path of ['/bitbucket/forge/pre-uninstall', '/bitbucket/forge/tick', '/bitbucket/forge/lifecycle']) {
      expect((await tb.bb.forge.invokeRemote({ path, viewer, extension: { type: SETTINGS }, body: {} })).status, path).toBe(403);
    }
    expect(await tb.dumpControl()).toBe(before);
  });

  it('reads only the token\'s own workspace: another workspace\'s repository is not found', async () => {
    const time: BitbucketTimeService = {
      async pullRequestPanel(request) {
        const pr = await request.api.getPullRequest(request.repository, request.pullRequestId);
        return { pullRequest: { id: pr.id, title: pr.title } } as PullRequestPanel;
      },
      repositoryPage: () => Promise.reject(new Error('not used')),
    };
    const tb = await start({ time: () => time });
    const [first, second] = tb.bb.model.listWorkspaces();
    await tb.bb.forge.install({ workspace: first!.uuid });
    const viewer = tb.bb.forge.findInstallation(first!.uuid)!.installerAccountId;
    const { repository, pullRequest } = firstPullRequest(tb, second!.uuid);
    const answer = await tb.bb.forge.invokeRemote({ installation: first!.uuid, path: 'pull-request-time', viewer, extension: { type: PR_PANEL, repository: { uuid: repository.uuid }, pullRequest: { id: pullRequest.id } }, body: {} });
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'BITBUCKET_NOT_FOUND' } } });
    expect(JSON.stringify(answer.body)).not.toContain(pullRequest.title);
  });
});
