import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BbUser } from '../../simulator/bitbucket/bitbucket-model.js';
import type { PullRequestMentioning } from '../../simulator/bitbucket/testing/pull-request-mentioning.js';
import type { SimWorklog } from '../../simulator/jira/jira-site.js';
import { addInstaller, chooseScene, formField, pullRequestMentioningScene, tableSeconds, type BitbucketScene } from '../support/bitbucket-apps-scene.js';
import { startBitbucketAppsTestbed, type BitbucketAppsTestbed } from '../support/bitbucket-apps-testbed.js';

/*
 * Issue 16, log work from the Bitbucket pull-request panel, end to end over loopback HTTP: Tally
 * composed the production way, a Jira site that installed Tally's Connect app (and so granted user
 * impersonation), a Bitbucket workspace with the Connect app linked to it and one with the Forge
 * app. The person in the panel logs work; the truth is the Jira simulator's own worklogs — who
 * wrote them, when they start, how long — and what the panel shows next.
 */

const CONNECT_WORKSPACE = 'log-work-connect';
const FORGE_WORKSPACE = 'log-work-forge';
const PR_PANEL = 'bitbucket:repoPullRequestOverviewPanel';

let bed: BitbucketAppsTestbed;
let scene: BitbucketScene;
let pr: PullRequestMentioning;
let forgePr: PullRequestMentioning;
let installer: BbUser;
/** A day with nothing else on it: the written worklog is told apart by its start. */
const DATE = '2026-11-17';

const worklogsOf = (accountId: string, issueId: number): SimWorklog[] => [...bed.jira.site.worklogs.values()].filter((w) => w.authorId === accountId && w.issueId === issueId);

/** The panel as Bitbucket opens it for the scene's viewer: Bitbucket's page redirects to Tally's freshly signed iframe URL. */
async function openPanel(): Promise<string> {
  const response = await fetch(`${bed.bbUrl}/${CONNECT_WORKSPACE}/${pr.repository.slug}/pull-requests/${pr.pullRequest.id}?module=tally-pull-request-time&as=${encodeURIComponent(scene.viewer.accountId)}`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Posts the panel's log-work form as a browser would (no redirect followed). */
async function postForm(panel: string, fields: Record<string, string>): Promise<Response> {
  const action = /<form method="post" action="([^"]+)" class="log-work">/.exec(panel)?.[1];
  expect(action).toBe('/bitbucket/pr-panel/log-work');
  const body = new URLSearchParams({ token: formField(panel, 'token'), repo: formField(panel, 'repo'), pr: formField(panel, 'pr'), ...fields });
  return fetch(`${bed.server.url}${action}`, { method: 'POST', body, redirect: 'manual' });
}

const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Jira's own words for this write, asked of the Jira simulator directly as the person (an impersonation token of Tally's app). */
async function jiraSaysTo(accountId: string, issueKey: string, body: unknown): Promise<{ status: number; words: string }> {
  const token = await bed.jira.impersonation.issueToken(bed.config.appKey, accountId);
  const response = await fetch(`${bed.jira.site.baseUrl}/rest/api/3/issue/${issueKey}/worklog`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { errorMessages?: string[] };
  return { status: response.status, words: (answer.errorMessages ?? []).join(' ') };
}

beforeAll(async () => {
  // The Jira Forge edge is on too: one case installs the Forge app on the same site and links a workspace to that tenant.
  bed = await startBitbucketAppsTestbed({ jiraGenerate: { worklogs: 300, issues: 40, projects: 3, users: 30, deletedUserShare: 0, seed: 16 }, jiraForge: true });
  scene = chooseScene(bed);
  // The viewer's Jira zone decides what the form's date and time mean; UTC keeps the expected instant plain.
  scene.viewer.timeZone = 'UTC';
  const starts = scene.synced.map((w) => w.startedMs).sort((x, y) => x - y);
  pr = pullRequestMentioningScene(bed, scene, { workspace: CONNECT_WORKSPACE, repository: 'invoicing', openedAtMs: starts[0]! });
  forgePr = pullRequestMentioningScene(bed, scene, { workspace: FORGE_WORKSPACE, repository: 'ledger', openedAtMs: starts[0]! });
  installer = addInstaller(bed, CONNECT_WORKSPACE, 'Lena Installer');
  const forgeInstaller = addInstaller(bed, FORGE_WORKSPACE, 'Fabio Installer');

  // Both workspaces install Tally's app and are paired with the Jira site by a site admin's code.
  const installed = await bed.bb.connect.install(`${bed.server.url}/bitbucket/atlassian-connect.json`, { workspace: CONNECT_WORKSPACE, installer: installer.uuid });
  expect(installed).toMatchObject({ ok: true });
  await bed.tally.queue.idle();
  const configure = await (await fetch(`${bed.bbUrl}/${CONNECT_WORKSPACE}/workspace/settings/addon/tally-configure?as=${encodeURIComponent(installer.accountId)}`)).text();
  const linked = await fetch(`${bed.server.url}/bitbucket/configure/pair`, { method: 'POST', body: new URLSearchParams({ token: formField(configure, 'token'), code: await pairingCode() }) });
  expect(await linked.text()).toContain('linked to the Jira site');

  expect(await bed.bb.forge.install({ workspace: FORGE_WORKSPACE, installer: forgeInstaller.accountId, remoteBaseUrl: bed.server.url })).toMatchObject({ ok: true });
  const paired = await bed.bb.forge.invokeRemote({ installation: FORGE_WORKSPACE, path: 'pair', viewer: forgeInstaller.accountId, extension: { type: 'bitbucket:workspaceSettingsMenuPage' }, body: { code: await pairingCode() } });
  expect(paired).toMatchObject({ status: 200, body: { linked: true } });
}, 90_000);

afterAll(async () => {
  await bed?.close();
});

async function pairingCode(): Promise<string> {
  const response = await bed.jiraApi('POST', '/api/bitbucket/pairing-codes', scene.admin.accountId);
  expect(response.status).toBe(201);
  return ((await response.json()) as { code: string }).code;
}

describe('log work from the Bitbucket pull-request panel', () => {
  it('offers a labelled form whose issue suggestions are the pull request\'s visible issues', async () => {
    const panel = await openPanel();
    for (const [id, label] of [['lw-issue', 'Issue'], ['lw-date', 'Date'], ['lw-startTime', 'Start time'], ['lw-duration', 'Time spent'], ['lw-comment', 'Comment (optional)']]) {
      expect(panel).toContain(`<label for="${id}">${label}</label>`);
      expect(panel).toMatch(new RegExp(`<(input|textarea) id="${id}" name="[a-zA-Z]+"`));
    }
    const suggested = [...panel.matchAll(/<option value="([^"]+)"><\/option>/g)].map((match) => match[1]).sort();
    expect(suggested).toEqual([scene.issues.a.key, scene.issues.b.key].sort());
    // The hidden issue is no suggestion, and no inline script is needed.
    expect(panel).not.toContain('<script');
  });

  it('writes the worklog to Jira as the Bitbucket user, then shows the panel with the time included', async () => {
    const { a } = scene.issues;
    const panel = await openPanel();
    const before = tableSeconds(panel, 'Time per issue')[a.key]!;
    const written = worklogsOf(scene.viewer.accountId, a.id).length;

    const response = await postForm(panel, { issue: a.key, date: DATE, startTime: '09:15', duration: '1h 30m', comment: 'Reviewed the PR\nand fixed a test' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    expect(location).toMatch(/^\/bitbucket\/pr-panel\/view\?/);

    // Jira holds exactly one new worklog, authored by the same Atlassian account, at 09:15 UTC for 90 minutes.
    const mine = worklogsOf(scene.viewer.accountId, a.id);
    expect(mine).toHaveLength(written + 1);
    const created = mine.find((w) => w.startedMs === Date.parse(`${DATE}T09:15:00Z`))!;
    expect(created).toMatchObject({ authorId: scene.viewer.accountId, updateAuthorId: scene.viewer.accountId, timeSpentSeconds: 5_400 });

    const after = await fetch(`${bed.server.url}${location}`);
    expect(after.status).toBe(200);
    const page = await after.text();
    expect(page).toMatch(/<p class="notice" role="status">Logged 1h 30m on [A-Z0-9]+-\d+, started 2026-11-17 at 09:15 \(your Jira time zone\)\.<\/p>/);
    expect(page).toContain(a.key);
    expect(tableSeconds(page, 'Time per issue')[a.key]).toEqual([before[0] + 5_400, before[1] + 5_400]);
    // The result page can show, not write: its token is no log-work token.
    const replay = await fetch(`${bed.server.url}/bitbucket/pr-panel/log-work`, {
      method: 'POST',
      body: new URLSearchParams({ token: new URL(location, bed.server.url).searchParams.get('token')!, repo: formField(page, 'repo'), pr: formField(page, 'pr'), issue: a.key, date: DATE, startTime: '10:00', duration: '1h' }),
    });
    expect(replay.status).toBe(401);
    expect(worklogsOf(scene.viewer.accountId, a.id)).toHaveLength(written + 1);
  });

  it("shows Jira's refusal in its own words, keeps the values, and writes nothing, when the person may not work on issues", async () => {
    const { b } = scene.issues;
    scene.viewer.withheldPermissions = ['WORK_ON_ISSUES'];
    try {
      const total = bed.jira.site.worklogs.size;
      const truth = await jiraSaysTo(scene.viewer.accountId, b.key, { started: `${DATE}T11:00:00.000+0000`, timeSpent: '45m' });
      expect(truth.status).toBeGreaterThanOrEqual(400);
      expect(truth.words.length).toBeGreaterThan(0);

      const response = await postForm(await openPanel(), { issue: b.key, date: DATE, startTime: '11:00', duration: '45m', comment: '' });
      expect(response.status).toBe(403);
      const page = await response.text();
      const alert = /<div class="error" role="alert">([\s\S]*?)<\/div>/.exec(page)?.[1] ?? '';
      expect(unescape(alert)).toContain(truth.words);
      expect(page).toMatch(/<title>Error: /);
      // The refusal is tied to the issue field, and what the person typed is still there.
      expect(page).toMatch(/<input id="lw-issue" name="issue" aria-describedby="lw-issue-hint lw-refusal" aria-invalid="true" type="text" list="lw-issue-keys" value="[^"]+"/);
      expect(page).toContain('value="45m"');
      expect(bed.jira.site.worklogs.size).toBe(total);
    } finally {
      scene.viewer.withheldPermissions = [];
    }
  });

  it("refuses Tally's own checks per field, tied to the field, before anything reaches Jira", async () => {
    const total = bed.jira.site.worklogs.size;
    const response = await postForm(await openPanel(), { issue: scene.issues.a.key, date: '2026-02-30', startTime: '09:00', duration: 'a while', comment: '' });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(/<input id="lw-duration" name="duration" aria-describedby="lw-duration-hint lw-duration-error" aria-invalid="true"/);
    expect(page).toMatch(/<span id="lw-duration-error" class="field-error">[^<]+<\/span>/);
    expect(page).toMatch(/<input id="lw-date" name="date" aria-describedby="lw-date-hint lw-date-error" aria-invalid="true"/);
    expect(page).toContain('<a href="#lw-duration">');
    expect(bed.jira.site.worklogs.size).toBe(total);
  });

  it('refuses a form without a token, with an altered one, or with one for another pull request, and writes nothing', async () => {
    const total = bed.jira.site.worklogs.size;
    const panel = await openPanel();
    const token = formField(panel, 'token');
    const fields = { repo: formField(panel, 'repo'), pr: formField(panel, 'pr'), issue: scene.issues.a.key, date: DATE, startTime: '13:00', duration: '1h' };
    const post = (body: Record<string, string>) => fetch(`${bed.server.url}/bitbucket/pr-panel/log-work`, { method: 'POST', body: new URLSearchParams(body), redirect: 'manual' });

    const absent = await post(fields);
    expect(absent.status).toBe(401);
    expect(await absent.text()).toContain('AUTH_MISSING');
    const [version, payload, signature] = token.split('.') as [string, string, string];
    // A payload naming someone else, under the old signature: the account id comes only from what Tally signed.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, accountId: scene.admin.accountId })).toString('base64url');
    for (const forged of [`${version}.${forgedPayload}.${signature}`, `${version}.${payload}.${signature.slice(0, -2)}AA`]) {
      const refused = await post({ ...fields, token: forged });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('AUTH_INVALID');
    }
    const otherPullRequest = await post({ ...fields, token, pr: String(pr.pullRequest.id + 1) });
    expect(otherPullRequest.status).toBe(401);
    // A form field naming another account changes nothing either: there is no such field to trust.
    const withAccount = await post({ ...fields, token, account: scene.admin.accountId, accountId: scene.admin.accountId, startTime: '14:00' });
    expect(withAccount.status).toBe(303);
    expect(worklogsOf(scene.admin.accountId, scene.issues.a.id).filter((w) => w.startedMs === Date.parse(`${DATE}T14:00:00Z`))).toEqual([]);
    expect(worklogsOf(scene.viewer.accountId, scene.issues.a.id).filter((w) => w.startedMs === Date.parse(`${DATE}T14:00:00Z`))).toHaveLength(1);
    expect(bed.jira.site.worklogs.size).toBe(total + 1);
  });

  it('Forge: logs work from the panel call as the invocation\'s user, and refuses an account id in the body', async () => {
    const { b } = scene.issues;
    const call = (body: unknown) =>
      bed.bb.forge.invokeRemote({
        installation: FORGE_WORKSPACE,
        path: 'log-work',
        viewer: scene.viewer.accountId,
        extension: { type: PR_PANEL, repository: { uuid: forgePr.repository.uuid }, pullRequest: { id: forgePr.pullRequest.id } },
        body,
      });
    const total = bed.jira.site.worklogs.size;
    const smuggled = await call({ issue: b.key, date: DATE, startTime: '15:00', duration: '30m', accountId: scene.admin.accountId });
    expect(smuggled.status).toBe(400);
    expect(bed.jira.site.worklogs.size).toBe(total);

    const answer = await call({ issue: b.key, date: DATE, startTime: '15:00', duration: '30m', comment: 'From the Forge panel' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ worklog: { issueKey: b.key, timeSpentSeconds: 1_800, authorAccountId: scene.viewer.accountId }, shown: true });
    const created = worklogsOf(scene.viewer.accountId, b.id).filter((w) => w.startedMs === Date.parse(`${DATE}T15:00:00Z`));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ timeSpentSeconds: 1_800 });
  });

  it('answers a workspace no longer linked with the not-linked page, and writes nothing', async () => {
    const panel = await openPanel();
    const installation = (await bed.tally.bitbucket.installations.listLinked(bed.jiraTenant.id)).find((candidate) => candidate.edge === 'bitbucket-connect')!;
    const unlinked = await bed.jiraApi('DELETE', `/api/bitbucket/workspaces/${installation.id}`, scene.admin.accountId);
    expect(unlinked.status).toBe(204);
    const total = bed.jira.site.worklogs.size;
    const response = await postForm(panel, { issue: scene.issues.a.key, date: DATE, startTime: '16:00', duration: '1h', comment: '' });
    const page = await response.text();
    expect(page).toContain('Not linked yet');
    expect(page).toContain('BITBUCKET_NOT_LINKED');
    expect(bed.jira.site.worklogs.size).toBe(total);
  });
});

describe('log work from Bitbucket to a Jira site that runs Tally through Forge', () => {
  const JIRA_FORGE_WORKSPACE = 'log-work-jira-forge';
  let jiraForgePr: PullRequestMentioning;

  beforeAll(async () => {
    // The Forge app on the same Jira site: a second tenant, fully synced through api.atlassian.com.
    expect(await bed.jira.forge.install({ remoteBaseUrl: bed.server.url })).toMatchObject({ ok: true });
    await bed.tally.queue.idle();
    const forgeTenant = (await bed.tally.registry.listInstalled()).find((tenant) => tenant.platform === 'forge');
    expect(forgeTenant).toBeDefined();
    // A site admin of the Forge tenant makes the pairing code from the Forge page; a Bitbucket Forge workspace pairs with it.
    const code = await bed.jira.forge.invokeRemote({ accountId: scene.admin.accountId, path: '/api/bitbucket/pairing-codes', method: 'POST', body: {} });
    expect(code.status).toBe(201);
    jiraForgePr = pullRequestMentioningScene(bed, scene, { workspace: JIRA_FORGE_WORKSPACE, repository: 'payroll', openedAtMs: Math.min(...scene.synced.map((w) => w.startedMs)) });
    const workspaceInstaller = addInstaller(bed, JIRA_FORGE_WORKSPACE, 'Gia Installer');
    expect(await bed.bb.forge.install({ workspace: JIRA_FORGE_WORKSPACE, installer: workspaceInstaller.accountId, remoteBaseUrl: bed.server.url })).toMatchObject({ ok: true });
    const paired = await bed.bb.forge.invokeRemote({ installation: JIRA_FORGE_WORKSPACE, path: 'pair', viewer: workspaceInstaller.accountId, extension: { type: 'bitbucket:workspaceSettingsMenuPage' }, body: { code: (code.body as { code: string }).code } });
    expect(paired).toMatchObject({ status: 200, body: { linked: true } });
  }, 90_000);

  const logWork = (body: unknown) =>
    bed.bb.forge.invokeRemote({
      installation: JIRA_FORGE_WORKSPACE,
      path: 'log-work',
      viewer: scene.viewer.accountId,
      extension: { type: PR_PANEL, repository: { uuid: jiraForgePr.repository.uuid }, pullRequest: { id: jiraForgePr.pullRequest.id } },
      body,
    });

  it("answers LOG_WORK_UNAVAILABLE with Atlassian's reason while the app may not act as people, and writes nothing", async () => {
    bed.jira.forge.configure({ impersonationScopes: [] });
    try {
      const total = bed.jira.site.worklogs.size;
      const answer = await logWork({ issue: scene.issues.a.key, date: DATE, startTime: '17:00', duration: '20m' });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: { code: 'LOG_WORK_UNAVAILABLE', message: expect.stringMatching(/allowImpersonation/) } });
      expect(bed.jira.site.worklogs.size).toBe(total);
    } finally {
      bed.jira.forge.configure({ impersonationScopes: ['read:jira-work', 'read:jira-user', 'write:jira-work'] });
    }
  });

  it('writes the worklog as the Bitbucket user with an offline user token of the Forge installation', async () => {
    const { a } = scene.issues;
    const answer = await logWork({ issue: a.key, date: DATE, startTime: '17:30', duration: '45m', comment: 'Through Jira Forge' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ worklog: { issueKey: a.key, timeSpentSeconds: 2_700, authorAccountId: scene.viewer.accountId }, shown: true });
    const created = worklogsOf(scene.viewer.accountId, a.id).filter((w) => w.startedMs === Date.parse(`${DATE}T17:30:00Z`));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ updateAuthorId: scene.viewer.accountId, timeSpentSeconds: 2_700 });
    // Written through api.atlassian.com with a token of the Forge installation: Forge marks its event selfGenerated.
    await bed.jira.forge.idle();
    const event = bed.jira.forge.deliveries.find((d) => d.kind === 'event' && (d.body as { worklog?: { id?: unknown } }).worklog?.id === String(created[0]!.id));
    expect(event?.body).toMatchObject({ eventType: 'avi:jira:created:worklog', selfGenerated: true });
  });
});
