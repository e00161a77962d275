import { readdirSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BB_INSTALL_CANARY_PHONE } from '../../simulator/bitbucket/bitbucket-connect-host.js';
import type { BbUser } from '../../simulator/bitbucket/bitbucket-model.js';
import type { PullRequestMentioning } from '../../simulator/bitbucket/testing/pull-request-mentioning.js';
import type { BitbucketInstallationId } from '../../src/bitbucket/bitbucket-installations.js';
import type { PullRequestPanel } from '../../src/bitbucket/bitbucket-time-ports.js';
import { chooseScene, addInstaller, expectedPanel, formField, occurring, pullRequestMentioningScene, tableSeconds, type BitbucketScene, type ExpectedPanel, type SecondsPair } from '../support/bitbucket-apps-scene.js';
import { startBitbucketAppsTestbed, type BitbucketAppsTestbed } from '../support/bitbucket-apps-testbed.js';
import { filesHolding, filesUnder } from '../support/canary-scan.js';

/*
 * Issue 13's "Done when", end to end over loopback HTTP, for both Bitbucket apps on one Tally
 * composed the production way (startServer): a Jira site installs Tally (Connect) and is synced;
 * a Bitbucket workspace installs the Connect app, another the Forge app; a Jira site admin pairs
 * each with a code; the pull-request panel shows time checked against sums of the Jira
 * simulator's worklogs; each is unlinked (from Jira, from Bitbucket) and uninstalled, leaving no
 * row, file or backup — and no byte of the e-mail address and phone number the install payloads
 * carried, anywhere Tally writes. The steps share one Tally and run in order.
 */

const CONNECT_WORKSPACE = 'connect-team';
const FORGE_WORKSPACE = 'forge-team';
const PR_PANEL = 'bitbucket:repoPullRequestOverviewPanel';
const SETTINGS = 'bitbucket:workspaceSettingsMenuPage';

let bed: BitbucketAppsTestbed;
let scene: BitbucketScene;
let db: Kysely<any>;
/** Every file under the data and backup directories once the Jira tenant was synced, before any Bitbucket install. */
let filesBeforeBitbucket: string[];
const connect = {} as { installer: BbUser; pr: PullRequestMentioning; closedAtMs: number; installationId: BitbucketInstallationId; clientKey: string; sharedSecret: string };
const forge = {} as { installer: BbUser; pr: PullRequestMentioning; installationId: BitbucketInstallationId; forgeInstallationId: string; workspaceId: string };
/** Bitbucket user answers as Bitbucket sent them (before the test added contact data), by path. */
const rawUserAnswers: { path: string; body: string }[] = [];

const allFiles = () => [...new Set([...filesUnder(bed.config.dataDir), ...filesUnder(bed.config.backupDir)])].sort();
const installationState = async (id: BitbucketInstallationId) => (await bed.tally.bitbucket.installations.find(id))?.state;
const bodyOf = async <T>(response: Response): Promise<T> => (await response.json()) as T;

/** Names of files (paths) that mention any of the identifiers, case-insensitively. */
function filesNaming(ids: readonly string[]): string[] {
  const needles = ids.map((id) => id.replace(/[{}]/g, '').toLowerCase());
  return allFiles().filter((file) => needles.some((needle) => file.toLowerCase().includes(needle)));
}

/** What identifies each installation anywhere: Tally's id, the platform's ids, the installer's uuid. */
const connectIds = () => [connect.installationId, connect.clientKey, connect.installer.uuid, connect.installer.uuid.replace(/[{}]/g, '')];
const forgeIds = () => [forge.installationId, forge.forgeInstallationId, forge.forgeInstallationId.split('/').pop() as string, forge.workspaceId, forge.installer.uuid, forge.installer.uuid.replace(/[{}]/g, '')];

/** The Jira user list of linked workspaces, as the admin page asks it. */
async function linkedWorkspaces(): Promise<{ id: string; edge: string; installer: { username: string | null } }[]> {
  const response = await bed.jiraApi('GET', '/api/bitbucket/workspaces', scene.admin.accountId);
  expect(response.status).toBe(200);
  return (await bodyOf<{ workspaces: { id: string; edge: string; installer: { username: string | null } }[] }>(response)).workspaces;
}

async function pairingCode(): Promise<string> {
  const response = await bed.jiraApi('POST', '/api/bitbucket/pairing-codes', scene.admin.accountId);
  expect(response.status).toBe(201);
  return (await bodyOf<{ code: string }>(response)).code;
}

/** A Connect page as a browser opens it: Bitbucket's page (the simulator's page host) redirects to the freshly signed iframe URL. */
async function openBitbucketPage(path: string): Promise<{ status: number; text: string; url: string }> {
  const response = await fetch(`${bed.bbUrl}${path}`);
  return { status: response.status, text: await response.text(), url: response.url };
}

const connectPanel = () =>
  openBitbucketPage(`/${CONNECT_WORKSPACE}/${connect.pr.repository.slug}/pull-requests/${connect.pr.pullRequest.id}?module=tally-pull-request-time&as=${encodeURIComponent(scene.viewer.accountId)}`);

const forgePanel = () =>
  bed.bb.forge.invokeRemote({
    installation: FORGE_WORKSPACE,
    path: 'pull-request-time',
    viewer: scene.viewer.accountId,
    extension: { type: PR_PANEL, repository: { uuid: forge.pr.repository.uuid }, pullRequest: { id: forge.pr.pullRequest.id } },
    body: {},
  });

const forgeSettings = (path: 'settings' | 'pair' | 'unlink', body: unknown = {}) =>
  bed.bb.forge.invokeRemote({ installation: FORGE_WORKSPACE, path, viewer: forge.installer.accountId, extension: { type: SETTINGS }, body });

/** The expected per-person numbers keyed by the Jira display name (how the Connect page names people). */
function byName(people: ExpectedPanel['people']): Record<string, SecondsPair> {
  const named: Record<string, SecondsPair> = {};
  for (const [accountId, pair] of Object.entries(people)) named[bed.jira.site.users.get(accountId)!.displayName] = pair;
  return named;
}

/** The hidden issue and its own authors: none of it may reach the viewer beyond the key. */
function hiddenTraces(): string[] {
  const { c } = scene.issues;
  const names = scene.hiddenOnlyAuthors.map((id) => bed.jira.site.users.get(id)!.displayName);
  return [...scene.hiddenOnlyAuthors, ...names, c.summary];
}

beforeAll(async () => {
  bed = await startBitbucketAppsTestbed({ jiraGenerate: { worklogs: 400, issues: 40, projects: 3, users: 30, deletedUserShare: 0, seed: 13 } });
  db = bed.tally.control.db as unknown as Kysely<any>;
  scene = chooseScene(bed);
  // The sync finished: the tenant's store holds exactly the worklogs the app may see.
  expect(await (await bed.tally.stores.open(bed.jiraTenant.id)).countWorklogs()).toBe(scene.synced.length);
  filesBeforeBitbucket = allFiles();

  // The pull requests' open intervals start and end on worklog instants, so both ends of [opened, closed) are exercised.
  const { a, b } = scene.issues;
  const starts = scene.synced.filter((w) => w.issueId === a.id || w.issueId === b.id).map((w) => w.startedMs).sort((x, y) => x - y);
  const openedAtMs = starts[Math.floor(starts.length / 3)]!;
  connect.closedAtMs = Math.max(starts[Math.floor((2 * starts.length) / 3)]!, openedAtMs + 1);
  connect.pr = pullRequestMentioningScene(bed, scene, { workspace: CONNECT_WORKSPACE, repository: 'billing-service', openedAtMs, closedAtMs: connect.closedAtMs });
  connect.installer = addInstaller(bed, CONNECT_WORKSPACE, 'Connie Installer');
  // The Forge pull request is still open: everything from its opening on counts as "while open".
  forge.pr = pullRequestMentioningScene(bed, scene, { workspace: FORGE_WORKSPACE, repository: 'ledger', openedAtMs: starts[Math.floor(starts.length / 2)]! });
  forge.installer = addInstaller(bed, FORGE_WORKSPACE, 'Forrest Installer');
  forge.workspaceId = forge.pr.workspace.uuid.replace(/[{}]/g, '');

  // Bitbucket's user objects carry no e-mail (REST 2.0 keeps it private; the simulator models
  // that, checked below). Tally must keep none even if Bitbucket ever sent one: every user
  // answer reaches Tally with the installer's e-mail and the canary phone number added.
  bed.wire.rewrite = async (call, response) => {
    if (!/^\/2\.0\/users?(\/|$)/.test(call.url.pathname) || response.status !== 200) return response;
    const text = await response.text();
    rawUserAnswers.push({ path: call.url.pathname, body: text });
    const ref = decodeURIComponent(call.url.pathname.split('/')[3] ?? '');
    const user = ref === '' ? connect.installer : (bed.bb.model.findUserByRef(ref) ?? connect.installer);
    return Response.json({ ...(JSON.parse(text) as object), email: user.email, phone: BB_INSTALL_CANARY_PHONE });
  };
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

describe('Tally for Bitbucket Cloud, both apps end to end', () => {
  it('Connect: holds the unsigned install pending until its one call to Bitbucket with the received secret, then active', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const confirming = new Promise<void>((resolve) => (arrived = resolve));
    bed.wire.beforeSend = async (call) => {
      if (call.url.pathname !== '/2.0/user') return;
      arrived();
      await gate;
    };
    const callsBefore = bed.wire.calls.length;
    const result = await bed.bb.connect.install(`${bed.server.url}/bitbucket/atlassian-connect.json`, { workspace: CONNECT_WORKSPACE, installer: connect.installer.uuid });
    expect(result).toMatchObject({ ok: true, status: 204 });
    // The install was unsigned and its payload carried the canaries.
    const sent = bed.bb.connect.calls.at(-1)!;
    expect(sent.authorization).toBeUndefined();
    for (const part of ['user', 'principal'] as const) expect(sent.body[part]).toMatchObject({ email: connect.installer.email, phone: BB_INSTALL_CANARY_PHONE });

    connect.clientKey = result.clientKey as string;
    const row = await db.selectFrom('bitbucket_connect_installations').select('installation_id').where('client_key', '=', connect.clientKey).executeTakeFirstOrThrow();
    connect.installationId = row.installation_id as BitbucketInstallationId;
    await confirming;
    expect(await installationState(connect.installationId)).toBe('pending');

    release();
    await bed.tally.queue.idle();
    bed.wire.beforeSend = undefined;
    expect(await installationState(connect.installationId)).toBe('active');
    // Exactly one call, signed as the installation: HS256 with `iss` the app key and `sub` the clientKey.
    const calls = bed.wire.calls.slice(callsBefore);
    expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual(['GET /2.0/user']);
    const claims = JSON.parse(Buffer.from(calls[0]!.authorization!.replace(/^JWT /, '').split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: bed.config.bitbucketAppKey, sub: connect.clientKey, qsh: expect.any(String) });
    connect.sharedSecret = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, CONNECT_WORKSPACE)!.sharedSecret;
    expect(await bed.tally.bitbucket.installations.find(connect.installationId)).toMatchObject({ edge: 'bitbucket-connect', jiraTenantId: null, installer: { uuid: connect.installer.uuid, username: connect.installer.nickname } });
  });

  it('Connect: a Jira site admin\'s pairing code, entered on the configure page, links the workspace', async () => {
    const code = await pairingCode();
    const configure = await openBitbucketPage(`/${CONNECT_WORKSPACE}/workspace/settings/addon/tally-configure?as=${encodeURIComponent(connect.installer.accountId)}`);
    expect(configure.status).toBe(200);
    expect(configure.url.startsWith(`${bed.server.url}/bitbucket/configure?`)).toBe(true);
    expect(configure.text).toContain('not linked');
    const action = /<form method="post" action="([^"]+)">/.exec(configure.text)?.[1];
    expect(action).toBe('/bitbucket/configure/pair');
    const linked = await fetch(`${bed.server.url}${action}`, { method: 'POST', body: new URLSearchParams({ token: formField(configure.text, 'token'), code }) });
    expect(linked.status).toBe(200);
    expect(await linked.text()).toContain(`linked to the Jira site <a href="${bed.jira.site.baseUrl}"`);
    expect(await installationState(connect.installationId)).toBe('active');
    expect(await linkedWorkspaces()).toEqual([expect.objectContaining({ id: connect.installationId, edge: 'bitbucket-connect', installer: expect.objectContaining({ username: connect.installer.nickname }) })]);
  });

  it('Connect: the panel shows total, per person and while-open time of the two browsable issues, and the third by its key only', async () => {
    const { a, b, c } = scene.issues;
    const expected = expectedPanel(scene.synced, [a, b], connect.pr.pullRequest.createdOnMs, connect.closedAtMs);
    // The numbers can tell right from wrong: some time falls inside the interval and some outside.
    expect(expected.total[1]).toBeGreaterThan(0);
    expect(expected.total[1]).toBeLessThan(expected.total[0]);
    expect(new Set(Object.keys(byName(expected.people))).size).toBe(Object.keys(expected.people).length);

    const panel = await connectPanel();
    expect(panel.status).toBe(200);
    expect(tableSeconds(panel.text, 'Time per issue')).toEqual({ [a.key]: expected.issues[a.key], [b.key]: expected.issues[b.key], Total: expected.total });
    expect(tableSeconds(panel.text, 'Time per person')).toEqual(byName(expected.people));
    const hidden = /<h2>Not visible to you<\/h2>([\s\S]*?)<\/ul>/.exec(panel.text)?.[1] ?? '';
    expect(hidden).toContain(`<li>${c.key}</li>`);
    expect(panel.text.split(c.key)).toHaveLength(2);
    expect(occurring(panel.text, hiddenTraces())).toEqual([]);
  });

  it('Forge: holds the installation active on the verified lifecycle event', async () => {
    const result = await bed.bb.forge.install({ workspace: FORGE_WORKSPACE, installer: forge.installer.accountId, remoteBaseUrl: bed.server.url });
    expect(result).toMatchObject({ ok: true, status: 204 });
    forge.forgeInstallationId = result.installationId;
    const row = await db.selectFrom('bitbucket_forge_installations').selectAll().where('forge_installation_id', '=', forge.forgeInstallationId).executeTakeFirstOrThrow();
    expect(row.workspace_id).toBe(forge.workspaceId);
    forge.installationId = row.installation_id as BitbucketInstallationId;
    expect(await bed.tally.bitbucket.installations.find(forge.installationId)).toMatchObject({
      edge: 'bitbucket-forge',
      state: 'active',
      jiraTenantId: null,
      installer: { uuid: forge.installer.uuid, username: forge.installer.nickname },
    });
    // The installer was read from Bitbucket's user object, which carried no e-mail as Bitbucket sent it.
    const lookups = rawUserAnswers.filter((answer) => answer.path.startsWith('/2.0/users/'));
    expect(lookups.length).toBeGreaterThan(0);
    for (const answer of rawUserAnswers) expect(occurring(answer.body, [connect.installer.email, forge.installer.email, BB_INSTALL_CANARY_PHONE])).toEqual([]);
  });

  it('Forge: the settings page\'s pair call links the workspace with a Jira site admin\'s code', async () => {
    expect(await forgeSettings('settings')).toMatchObject({ status: 200, body: { linked: false, siteUrl: null } });
    const code = await pairingCode();
    const paired = await forgeSettings('pair', { code });
    expect(paired).toMatchObject({ status: 200, body: { linked: true, siteUrl: bed.jira.site.baseUrl } });
    const listed = await linkedWorkspaces();
    expect(listed.map((workspace) => [workspace.id, workspace.edge]).sort()).toEqual([[connect.installationId, 'bitbucket-connect'], [forge.installationId, 'bitbucket-forge']].sort());
  });

  it('Forge: the panel answers total, per person and while-open time of the browsable issues, and the third by its key only', async () => {
    const { a, b, c } = scene.issues;
    const expected = expectedPanel(scene.synced, [a, b], forge.pr.pullRequest.createdOnMs, undefined);
    expect(expected.total[1]).toBeGreaterThan(0);
    expect(expected.total[1]).toBeLessThan(expected.total[0]);

    const answer = await forgePanel();
    expect(answer.status).toBe(200);
    const panel = answer.body as PullRequestPanel;
    expect(panel.viewerMatched).toBe(true);
    const visible: Record<string, SecondsPair> = {};
    for (const issue of panel.time.issues) if (issue.visible) visible[issue.key] = [issue.seconds, issue.secondsWhileOpen];
    expect(visible).toEqual(expected.issues);
    expect([panel.time.total.seconds, panel.time.total.secondsWhileOpen]).toEqual(expected.total);
    expect(Object.fromEntries(panel.time.total.byAccount.map((entry) => [entry.accountId, [entry.seconds, entry.secondsWhileOpen]]))).toEqual(expected.people);
    for (const accountId of Object.keys(expected.people)) expect(panel.people[accountId]?.displayName).toBe(bed.jira.site.users.get(accountId)!.displayName);
    // The hidden issue: its key, and nothing else — no id, seconds or authors.
    expect(panel.time.issues.filter((issue) => issue.key === c.key)).toEqual([{ key: c.key, visible: false }]);
    const text = JSON.stringify(panel);
    expect(text.split(c.key)).toHaveLength(2);
    expect(text).not.toContain(`"issueId":${c.id}`);
    expect(Object.keys(panel.issueDetails)).not.toContain(String(c.id));
    expect(occurring(text, hiddenTraces())).toEqual([]);
  });

  it('unlinks the Connect workspace from Jira and the Forge one from Bitbucket: both panels then say not linked', async () => {
    // A backup of the Jira tenant while both workspaces are linked (the canary test scans it).
    await bed.tally.backups.create(bed.jiraTenant.id);

    const fromJira = await bed.jiraApi('DELETE', `/api/bitbucket/workspaces/${connect.installationId}`, scene.admin.accountId);
    expect(fromJira.status).toBe(204);
    expect((await linkedWorkspaces()).map((workspace) => workspace.id)).toEqual([forge.installationId]);
    const connectAfter = await connectPanel();
    expect(connectAfter.status).toBe(200);
    expect(connectAfter.text).toContain('Not linked yet');
    expect(connectAfter.text).toContain('BITBUCKET_NOT_LINKED');
    expect(connectAfter.text).not.toContain('data-seconds');

    const fromBitbucket = await forgeSettings('unlink');
    expect(fromBitbucket).toMatchObject({ status: 200, body: { linked: false, siteUrl: null } });
    expect(await linkedWorkspaces()).toEqual([]);
    const forgeAfter = await forgePanel();
    expect((forgeAfter.body as { error: { code: string } }).error.code).toBe('BITBUCKET_NOT_LINKED');
    expect(forgeAfter.status).toBeGreaterThanOrEqual(400);
  });

  it('uninstall leaves no row, file or backup of either installation', async () => {
    expect(filesNaming([...connectIds(), ...forgeIds()])).toEqual([]);
    const rowsBefore = JSON.stringify(await bed.controlRows());
    // The scan can fail: while installed, the control database names both installations.
    for (const id of [connect.installationId, connect.clientKey, forge.installationId, forge.forgeInstallationId]) expect(rowsBefore).toContain(id);

    const uninstalled = await bed.bb.connect.uninstall({ workspace: CONNECT_WORKSPACE });
    expect(uninstalled).toMatchObject({ ok: true, status: 204 });
    expect(bed.bb.connect.calls.at(-1)!.authorization).toMatch(/^JWT /);
    const preUninstall = await bed.bb.forge.uninstall({ workspace: FORGE_WORKSPACE });
    expect(preUninstall?.status).toBe(204);
    await bed.tally.queue.idle();

    expect(await bed.tally.bitbucket.installations.find(connect.installationId)).toBeUndefined();
    expect(await bed.tally.bitbucket.installations.find(forge.installationId)).toBeUndefined();
    const rows = await bed.controlRows();
    for (const [table, tableRows] of Object.entries(rows)) expect(occurring(JSON.stringify(tableRows).toLowerCase(), [...connectIds(), ...forgeIds()].map((id) => id.toLowerCase())), table).toEqual([]);
    expect(rows.bitbucket_installations).toEqual([]);
    expect(rows.bitbucket_connect_installations).toEqual([]);
    expect(rows.bitbucket_forge_installations).toEqual([]);

    // Deleted for good: no byte of them is left in any file either (the control database's WAL
    // and freed pages included) — SQLite keeps deleted rows in the WAL until a checkpoint.
    const installerNames = [connect.installer.nickname, forge.installer.nickname].filter((name): name is string => typeof name === 'string' && name.length > 3);
    for (const id of [...connectIds(), ...forgeIds(), ...installerNames]) expect(filesHolding(bed, id), id).toEqual([]);

    // No file ever named them, and every file that appeared since belongs to the Jira tenant.
    expect(filesNaming([...connectIds(), ...forgeIds()])).toEqual([]);
    const appeared = allFiles().filter((file) => !filesBeforeBitbucket.includes(file));
    expect(appeared.filter((file) => !file.includes(bed.jiraTenant.id))).toEqual([]);
    // Backups are the Jira tenant's only: a Bitbucket installation never has one.
    expect(readdirSync(bed.config.backupDir)).toEqual([bed.jiraTenant.id]);
  });

  it('keeps no byte of the install payloads\' e-mail addresses and phone number in files, the control database or the logs', async () => {
    const canaries = [connect.installer.email, forge.installer.email, BB_INSTALL_CANARY_PHONE];
    // Tally was handed every canary: in the Connect payload, and in the user answers it read.
    expect(rawUserAnswers.map((answer) => answer.path)).toEqual(expect.arrayContaining(['/2.0/user', expect.stringMatching(/^\/2\.0\/users\//)]));
    expect(filesUnder(bed.config.backupDir).length).toBeGreaterThan(0);
    for (const canary of canaries) expect(filesHolding(bed, canary), canary).toEqual([]);
    expect(occurring(JSON.stringify(await bed.controlRows()), canaries)).toEqual([]);
    const log = bed.logLines.join('\n');
    expect(log).toContain('bitbucket_installed');
    expect(occurring(log, [...canaries, connect.sharedSecret])).toEqual([]);
    expect(bed.bitbucketCheck.takeMismatches()).toEqual([]);
    expect(bed.bitbucketCheck.validated.length).toBeGreaterThan(3);
  });
});
