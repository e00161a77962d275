import { afterEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createForgeTestbed } from '../../forge/testing/forge-testbed.js';
import { createBitbucketForgeTestbed, type BitbucketForgeTestbed } from '../testing/bitbucket-forge-testbed.js';
import { createBitbucketResponseCheck } from '../../../test/support/bitbucket-openapi-validator.js';
import { generateWorkspace } from '../generate-workspace.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

const PR_PANEL = 'bitbucket:repoPullRequestOverviewPanel';

function testbed(options: Parameters<typeof createBitbucketForgeTestbed>[0] = {}): BitbucketForgeTestbed {
  return createBitbucketForgeTestbed({ inspectResponse: check.inspect, ...options });
}

/** A second workspace with its own members and repositories, none shared with the first. */
function addSecondWorkspace(bed: BitbucketForgeTestbed) {
  return generateWorkspace(bed.bb.model, { seed: 99, workspaceSlug: 'other-team', users: 2, repositories: 1, pullRequestsPerRepository: 1 });
}

const bare = (uuid: string) => uuid.slice(1, -1);

describe('Bitbucket Forge host', () => {
  it('delivers avi:forge:installed:app with a FIT that verifies against the served JWKS and names the workspace', async () => {
    const bed = testbed();
    const { bb } = bed;
    const { workspace, users } = bb.generated!;
    const result = await bb.forge.install({ workspace: workspace.slug });
    expect(result).toMatchObject({ ok: true, status: 204, attempts: 1 });
    expect(result.installationId).toMatch(/^ari:cloud:ecosystem::installation\/[0-9a-f-]{36}$/);

    const [call] = bed.calls;
    expect(call).toMatchObject({ method: 'POST', path: '/bitbucket/forge/lifecycle' });
    expect(call!.body).toEqual({
      app: { id: bb.forge.appId.split('/').pop(), name: 'Tally', ownerAccountId: expect.any(String), version: '1.0.0' },
      context: `ari:cloud:bitbucket::workspace/${bare(workspace.uuid)}`,
      environment: { id: expect.any(String) },
      eventType: 'avi:forge:installed:app',
      id: result.installationId.split('/').pop(),
      installerAccountId: users[0]!.accountId,
    });
    const fit = bed.fitOf(call!);
    expect(decodeProtectedHeader(fit)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const claims = await bed.verifyFit(fit);
    const iat = Math.floor(bb.clock.now() / 1000);
    expect(claims).toMatchObject({
      iss: 'forge/invocation-token',
      aud: bb.forge.appId,
      iat,
      exp: iat + 25,
      app: {
        id: bb.forge.appId,
        installationId: result.installationId,
        installation: { id: result.installationId, contexts: [{ name: 'bitbucket', apiBaseUrl: 'https://api.bitbucket.org', workspaceId: bare(workspace.uuid) }] },
        module: { type: 'core:endpoint', key: 'lifecycle-ep' },
      },
      context: { workspaceId: workspace.uuid },
    });
    expect(claims).not.toHaveProperty('principal');
    expect(call!.headers['x-forge-oauth-system']).toEqual(expect.any(String));
  });

  it('puts the workspace uuid in the event context when told to', async () => {
    const bed = testbed({ forge: { eventContext: 'workspace-uuid', paths: { lifecycle: '/custom/lifecycle' } } });
    await bed.bb.forge.install();
    expect(bed.calls[0]).toMatchObject({ path: '/custom/lifecycle', body: { context: bed.bb.generated!.workspace.uuid } });
  });

  it('gives the system token the installation workspace only, as the app user', async () => {
    const bed = testbed();
    const { bb } = bed;
    const other = addSecondWorkspace(bed);
    await bb.forge.install();
    const token = bed.calls[0]!.headers['x-forge-oauth-system']!;
    const repo = bb.generated!.repositories[0]!;

    const own = await bed.api(`/2.0/repositories/tally-sim/${repo.slug}/pullrequests/1`, token);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: 1, destination: { repository: { uuid: repo.uuid } } });
    expect((await bed.api(`/2.0/workspaces/${encodeURIComponent(bb.generated!.workspace.uuid)}`, token)).status).toBe(200);

    // Another workspace's private repository: a stranger's 403; its workspace: 404; its listing: empty.
    expect((await bed.api(`/2.0/repositories/other-team/${other.repositories[0]!.slug}`, token)).status).toBe(403);
    expect((await bed.api('/2.0/workspaces/other-team', token)).status).toBe(404);
    expect(((await (await bed.api('/2.0/repositories/other-team', token)).json()) as { values: unknown[] }).values).toEqual([]);

    const me = await bed.api('/2.0/user', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(expect.objectContaining({ type: 'app_user', uuid: bb.forge.appUser.uuid, account_id: bb.forge.appUser.accountId, display_name: 'Tally' }));
    expect(check.validated).toContain('GET /user → 200');
  });

  it('keeps each workspace its own installation and tokens', async () => {
    const bed = testbed();
    const { bb } = bed;
    const other = addSecondWorkspace(bed);
    const first = await bb.forge.install({ workspace: 'tally-sim' });
    const second = await bb.forge.install({ workspace: 'other-team' });
    expect(second.installationId).not.toBe(first.installationId);
    await expect(bb.forge.install({ workspace: 'tally-sim' })).rejects.toThrow(/already installed/);
    const otherToken = bb.forge.systemToken('other-team');
    expect((await bed.api(`/2.0/repositories/other-team/${other.repositories[0]!.slug}`, otherToken)).status).toBe(200);
    expect((await bed.api(`/2.0/repositories/tally-sim/${bb.generated!.repositories[0]!.slug}`, otherToken)).status).toBe(403);
    const claims = await bed.verifyFit(bed.fitOf(bed.calls[1]!));
    expect(claims).toMatchObject({ app: { installationId: second.installationId, installation: { contexts: [{ workspaceId: bare(other.workspace.uuid) }] } }, context: { workspaceId: other.workspace.uuid } });
  });

  it('invokes the remote from Custom UI with the viewer as principal, the module context and both tokens', async () => {
    const bed = testbed();
    const { bb } = bed;
    const viewer = bb.generated!.users[1]!;
    const repo = bb.generated!.repositories[0]!;
    await bb.forge.install();
    bed.behaviour.status = 200;
    const answer = await bb.forge.invokeRemote({ path: 'pr-panel', viewer: viewer.accountId, extension: { type: PR_PANEL, repository: { uuid: repo.uuid }, pullRequest: { id: 2 } }, body: { want: 'time' } });
    expect(answer).toMatchObject({ status: 200, body: { ok: true, path: '/bitbucket/forge/ui/pr-panel' } });
    const call = bed.calls[1]!;
    expect(call).toMatchObject({ method: 'POST', body: { want: 'time' } });
    expect(call.headers['content-type']).toBe('application/json');
    const claims = await bed.verifyFit(bed.fitOf(call));
    expect(claims).toMatchObject({
      principal: viewer.accountId,
      app: { module: { type: PR_PANEL, key: 'tally-repoPullRequestOverviewPanel' } },
      context: { workspaceId: bb.generated!.workspace.uuid, moduleKey: 'tally-repoPullRequestOverviewPanel', extension: { type: PR_PANEL, repository: { uuid: repo.uuid }, pullRequest: { id: 2 } } },
    });
    // The user token reads as the viewer; the system token as the app.
    const asUser = await bed.api('/2.0/user', call.headers['x-forge-oauth-user']!);
    expect(await asUser.json()).toMatchObject({ type: 'user', account_id: viewer.accountId });
    expect((await bed.api(`/2.0/repositories/tally-sim/${repo.slug}`, call.headers['x-forge-oauth-system']!)).status).toBe(200);
  });

  it('uninstalls after a pre-uninstall call; the tokens then get 401 and ticks skip the workspace', async () => {
    const bed = testbed();
    const { bb } = bed;
    addSecondWorkspace(bed);
    await bb.forge.install({ workspace: 'tally-sim' });
    await bb.forge.install({ workspace: 'other-team' });
    const token = bb.forge.systemToken('tally-sim');
    const result = await bb.forge.uninstall({ workspace: 'tally-sim' });
    expect(result).toMatchObject({ ok: true, attempts: 1 });
    const pre = bed.calls[2]!;
    expect(pre).toMatchObject({ path: '/bitbucket/forge/pre-uninstall', body: { eventType: 'avi:forge:pre-uninstall', context: { workspaceId: bb.generated!.workspace.uuid } } });
    expect(pre.headers['x-forge-oauth-system']).toBeUndefined();
    await bed.verifyFit(bed.fitOf(pre));
    expect((await bed.api(`/2.0/repositories/tally-sim/${bb.generated!.repositories[0]!.slug}`, token)).status).toBe(401);
    expect(bb.forge.findInstallation('tally-sim')).toBeUndefined();

    const ticks = await bb.forge.tick();
    expect(ticks).toHaveLength(1);
    const tick = bed.calls[3]!;
    expect(tick).toMatchObject({ path: '/bitbucket/forge/tick', body: { context: { workspaceId: bb.model.getWorkspace('other-team').uuid, moduleKey: 'sync-tick' } } });
    const tickToken = tick.headers['x-forge-oauth-system']!;
    expect((await bed.api('/2.0/workspaces/other-team', tickToken)).status).toBe(200);
  });

  it('can uninstall without the pre-uninstall call', async () => {
    const bed = testbed();
    await bed.bb.forge.install();
    expect(await bed.bb.forge.uninstall({ preUninstall: false })).toBeUndefined();
    expect(bed.calls.map((c) => c.path)).toEqual(['/bitbucket/forge/lifecycle']);
    // A later install is a new installation with a new id.
    const again = await bed.bb.forge.install();
    expect(again.installationId).not.toBe(bed.bb.forge.deliveries[0]!.installationId);
  });

  it('sends an upgrade with the granted scopes', async () => {
    const bed = testbed();
    const { bb } = bed;
    await bb.forge.install();
    await bb.forge.upgrade({ upgrader: bb.generated!.users[2]!.uuid });
    expect(bed.calls[1]!.body).toMatchObject({ eventType: 'avi:forge:upgraded:app', app: { version: '2.0.0' }, upgraderAccountId: bb.generated!.users[2]!.accountId, permissions: { scopes: expect.arrayContaining(['read:pullrequest:bitbucket']) } });
    expect(await bed.verifyFit(bed.fitOf(bed.calls[1]!))).toMatchObject({ app: { appVersion: '2.0.0' } });
  });

  it('delivers pull-request events the manifest subscribes to, shaped as the events reference says', async () => {
    const bed = testbed({ forge: { subscribedEvents: ['avi:bitbucket:fulfilled:pullrequest'] } });
    const { bb } = bed;
    await bb.forge.install();
    const repo = bb.generated!.repositories[0]!;
    const pr = bb.model.findPullRequest(repo.uuid, 1)!;
    const author = bb.model.findUser(pr.authorUuid)!;
    const actor = bb.generated!.users[2]!;
    expect(await bb.forge.emitPullRequestEvent({ event: 'updated', repository: repo.slug, pullRequestId: 1 })).toBeUndefined();
    const result = await bb.forge.emitPullRequestEvent({ event: 'fulfilled', repository: repo.uuid, pullRequestId: 1, actor: actor.accountId });
    expect(result).toMatchObject({ ok: true });
    const call = bed.calls[1]!;
    expect(call.path).toBe('/bitbucket/forge/events');
    expect(call.body).toEqual({
      eventType: 'avi:bitbucket:fulfilled:pullrequest',
      timestamp: new Date(bb.clock.now()).toISOString(),
      selfGenerated: false,
      actor: { type: 'user', accountId: actor.accountId, uuid: actor.uuid },
      repository: { uuid: repo.uuid, slug: repo.slug },
      project: { uuid: expect.stringMatching(/^\{[0-9a-f-]{36}\}$/) },
      workspace: { uuid: bb.generated!.workspace.uuid },
      pullrequest: {
        id: 1,
        state: pr.state,
        source: { branch: { name: pr.sourceBranch }, commit: { hash: pr.commitHashes.at(-1)!.slice(0, 12) } },
        destination: { branch: { name: 'main' }, commit: { hash: pr.destinationHash.slice(0, 12) } },
        title: { value: pr.title, truncated: false },
        author: { type: 'user', accountId: author.accountId, uuid: author.uuid, displayName: author.displayName },
        createdOn: new Date(pr.createdOnMs).toISOString(),
        updatedOn: new Date(pr.updatedOnMs).toISOString(),
        commentCount: 0,
        taskCount: 0,
      },
      context: `ari:cloud:bitbucket::workspace/${bare(bb.generated!.workspace.uuid)}`,
    });
    expect(call.headers['x-forge-oauth-system']).toEqual(expect.any(String));
  });

  it('retries a failed event 60 s later with retryContext, and drops it once the app is uninstalled', async () => {
    const bed = testbed();
    const { bb } = bed;
    await bb.forge.install();
    bed.behaviour.nextStatuses = [500];
    const first = await bb.forge.emitPullRequestEvent({ event: 'created', repository: bb.generated!.repositories[0]!.slug, pullRequestId: 1 });
    expect(first).toMatchObject({ ok: false, status: 500, retryAtMs: bb.clock.now() + 60_000 });
    bb.clock.advance(60_000);
    await bb.forge.idle();
    expect(bed.calls[2]!.body).toMatchObject({ eventType: 'avi:bitbucket:created:pullrequest', retryContext: { retryCount: 1, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR' } });

    bed.behaviour.nextStatuses = [503];
    await bb.forge.emitPullRequestEvent({ event: 'updated', repository: bb.generated!.repositories[0]!.slug, pullRequestId: 1 });
    await bb.forge.uninstall({ preUninstall: false });
    bb.clock.advance(60_000);
    await bb.forge.idle();
    expect(bed.calls).toHaveLength(4);
  });

  it('serves another key set beside its own, so one JWKS URL verifies Jira and Bitbucket FITs', async () => {
    const jira = createForgeTestbed();
    const bed = testbed({ alsoServeJwks: () => jira.sim.forge.jwks() });
    await jira.sim.forge.install();
    await bed.bb.forge.install();
    const served = (await (await bed.bb.fetch('/.well-known/jwks.json')).json()) as Parameters<typeof createLocalJWKSet>[0];
    expect(served.keys).toHaveLength(2);
    const jiraFit = jira.fitOf(jira.calls[0]!);
    const { payload } = await jwtVerify(jiraFit, createLocalJWKSet(served), { audience: jira.sim.forge.appId, currentDate: new Date(jira.sim.clock.now()) });
    expect(payload.aud).toBe(jira.sim.forge.appId);
    await expect(bed.verifyFit(bed.fitOf(bed.calls[0]!))).resolves.toBeDefined();
  });

  describe('tampers', () => {
    it('sends FITs that a verifier must refuse: expired, wrong audience, unknown key, missing', async () => {
      const bed = testbed();
      const { bb } = bed;
      await bb.forge.install();
      const invoke = (tamper: 'expired-fit' | 'wrong-aud' | 'wrong-key' | 'missing-fit' | 'missing-token') =>
        bb.forge.invokeRemote({ path: 'pr-panel', viewer: bb.generated!.users[0]!.accountId, extension: { type: PR_PANEL }, body: {}, tamper });
      await invoke('expired-fit');
      await expect(bed.verifyFit(bed.fitOf(bed.calls.at(-1)!))).rejects.toThrow(/exp/);
      await invoke('wrong-aud');
      await expect(bed.verifyFit(bed.fitOf(bed.calls.at(-1)!))).rejects.toThrow(/aud/);
      await invoke('wrong-key');
      await expect(bed.verifyFit(bed.fitOf(bed.calls.at(-1)!))).rejects.toThrow();
      await invoke('missing-fit');
      expect(bed.calls.at(-1)!.headers.authorization).toBeUndefined();
      await invoke('missing-token');
      expect(bed.calls.at(-1)!.headers['x-forge-oauth-system']).toBeUndefined();
      await expect(bed.verifyFit(bed.fitOf(bed.calls.at(-1)!))).resolves.toBeDefined();
    });

    it('tampers ticks and lifecycle deliveries too', async () => {
      const bed = testbed();
      await bed.bb.forge.install({ tamper: 'wrong-key' });
      await expect(bed.verifyFit(bed.fitOf(bed.calls[0]!))).rejects.toThrow();
      await bed.bb.forge.tick({ tamper: 'missing-token' });
      expect(bed.calls[1]!.headers['x-forge-oauth-system']).toBeUndefined();
    });

    it('refuses forged and foreign bearer tokens with 401', async () => {
      const bed = testbed();
      const { bb } = bed;
      await bb.forge.install();
      const token = bb.forge.systemToken();
      const [header, body] = token.split('.');
      const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86_400 })).toString('base64url')}.${token.split('.')[2]}`;
      expect((await bed.api('/2.0/user', forged)).status).toBe(401);
      expect((await bed.api('/2.0/user', 'not-a-token')).status).toBe(401);
      bb.clock.advance(4 * 3_600_000);
      expect((await bed.api('/2.0/user', token)).status).toBe(401);
    });
  });
});
