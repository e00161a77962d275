import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { textToAdf } from '../../simulator/jira/adf.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { prepareLoopbackTally, type LoopbackTallyPlace } from '../support/loopback-tally.js';
import type { SimIssue, SimUser } from '../../simulator/jira/jira-site.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken } from '../support/tally-tokens.js';
import { basicAuthorization } from '../support/sim-callers.js';
import type { OwnWorklog } from '../../src/worklog-writes/own-worklog.js';

/*
 * Log work, edit, delete and the timer end to end: a simulated site installs Tally over the
 * Connect lifecycle, the page's calls go through Tally's HTTP app with real context tokens, Tally
 * exchanges a user-impersonation token at the simulator's `/oauth2/token` and writes to the
 * simulated Jira as the person. The truth is the simulator's own model and its REST answers; the
 * report is read back through the report API. Tally runs on the simulator's manual clock, so the
 * timer's minutes are moved, not waited for.
 */

const SITE = 'https://tally-sim.atlassian.net';
const ZONE = 'Asia/Kolkata'; // +05:30 all year: a zone neither the site's nor UTC.

let bed: TallyTestbed;
let clientKey: string;
let sharedSecret: string;
let alice: SimUser;
let bob: SimUser;
let issue: SimIssue;
/** Fails the next DELETE of a user property with a 503 (the timer's clear step). */
let failPropertyDeletes = 0;

/** A call of Tally's API as `user`, with a fresh context token (a new page load or device each time). */
async function api(method: string, path: string, body?: unknown, user: SimUser = alice): Promise<{ status: number; json: any }> {
  const token = contextToken({ clientKey, sharedSecret, accountId: user.accountId, nowMs: bed.sim.clock.now() });
  const headers: Record<string, string> = { authorization: `JWT ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await bed.app.request(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** A REST call to the simulated Jira as `user` directly (HTTP Basic with an API token), as Jira's own UI would act. */
async function jiraAs(user: SimUser, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: basicAuthorization({ email: user.emailAddress!, apiToken: `token-${user.accountId}` }), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await bed.sim.fetch(`${SITE}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** The report's detail rows of `user` on `date` (in ZONE). */
async function reportRows(date: string, user: SimUser = alice): Promise<{ worklogId: number; timeSpentSeconds: number; started: string }[]> {
  const answer = await api('POST', '/api/reports/details', { from: date, to: date, timeZone: ZONE, accountIds: [user.accountId], limit: 500 }, user);
  expect(answer.status).toBe(200);
  return answer.json.rows;
}

/** Polls the report for up to one second (real time) until `check` holds; returns whether it did. */
async function reportShowsWithinASecond(date: string, check: (rows: Awaited<ReturnType<typeof reportRows>>) => boolean): Promise<boolean> {
  const deadline = Date.now() + 1000;
  for (;;) {
    if (check(await reportRows(date))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Worklogs the simulator holds for the viewer's issue, as a count (nothing half-written). */
const worklogCount = () => bed.sim.site.worklogs.size;

beforeAll(async () => {
  bed = await createTallyTestbed({
    env: { TALLY_ATLASSIAN_OAUTH_URL: SITE },
    simulator: { generate: { worklogs: 60, seed: 16 } },
    wrapFetch: (fetch) => async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (failPropertyDeletes > 0 && (init?.method ?? 'GET') === 'DELETE' && url.includes('/user/properties/')) {
        failPropertyDeletes--;
        return new Response(JSON.stringify({ errorMessages: ['Service unavailable'], errors: {} }), { status: 503, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    },
  });
  bed.tally.sync.start();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error(`install failed: ${result.reason}`);
  await bed.tally.queue.idle();
  const credentials = (await bed.connect.findCredentialsByClientKey(result.clientKey))!;
  clientKey = credentials.clientKey;
  sharedSecret = credentials.sharedSecret;
  const people = [...bed.sim.site.users.values()].filter((user) => user.accountType === 'atlassian' && user.active && !user.siteAdmin && user.emailAddress);
  [alice, bob] = people as [SimUser, SimUser];
  alice.timeZone = ZONE;
  for (const user of [alice, bob]) user.apiTokens = [...(user.apiTokens ?? []), `token-${user.accountId}`];
  issue = [...bed.sim.site.issues.values()].find((candidate) => candidate.timeTrackingEnabled && bed.sim.site.canBrowseIssue(candidate, alice) && bed.sim.site.canBrowseIssue(candidate, bob))!;
}, 60_000);

afterAll(async () => bed?.close());

describe('log work through Connect user impersonation', () => {
  it('offers log work in the session', async () => {
    const session = await api('GET', '/api/session');
    expect(session.json.logWork).toEqual({ available: true, reason: null });
  });

  let written: OwnWorklog;

  it("writes a worklog Jira holds as the viewer's, in the viewer's zone, with the comment as Jira's UI writes it", async () => {
    const comment = 'Reviewed the login flow\n\nand fixed the <b>tests</b>';
    const answer = await api('POST', '/api/worklogs', { issue: issue.key, date: '2026-11-20', startTime: '09:15', duration: '1h 30m', comment });
    expect(answer.status).toBe(201);
    written = answer.json.worklog;
    expect(written).toMatchObject({ issueId: issue.id, issueKey: issue.key, started: '2026-11-20T09:15:00.000+0530', timeSpentSeconds: 5400, timeSpent: '1h 30m', comment, authorAccountId: alice.accountId });

    // The simulator's truth: authored by Alice, at 09:15 in Kolkata (03:45 UTC), the comment as ADF paragraphs.
    const held = bed.sim.site.worklogs.get(written.id)!;
    expect(held).toMatchObject({ authorId: alice.accountId, issueId: issue.id, startedMs: Date.UTC(2026, 10, 20, 3, 45), timeSpentSeconds: 5400 });
    expect(held.comment).toEqual(textToAdf(comment));

    // Indistinguishable from one Alice writes in Jira herself: every field of the rendered body but ids and times.
    const direct = await jiraAs(alice, 'POST', `/rest/api/3/issue/${issue.key}/worklog`, { started: '2026-11-20T09:15:00.000+0530', timeSpent: '1h 30m', comment: textToAdf(comment) });
    expect(direct.status).toBe(201);
    const [ours, theirs] = await Promise.all([written.id, direct.json.id].map(async (id) => (await jiraAs(alice, 'GET', `/rest/api/3/issue/${issue.id}/worklog/${id}`)).json));
    const shape = (body: Record<string, unknown>) => {
      const { id: _id, self: _self, created: _created, updated: _updated, ...rest } = body;
      return rest;
    };
    expect(shape(ours)).toEqual(shape(theirs));
    await jiraAs(alice, 'DELETE', `/rest/api/3/issue/${issue.id}/worklog/${direct.json.id}`);

    // Announced to the sync as a write of Tally's, and in the report within a second.
    expect(bed.events.some((event) => event.type === 'worklogWebhook' && event.payload.worklogId === String(written.id) && event.payload.deliveryId?.startsWith('tally-write:'))).toBe(true);
    expect(await reportShowsWithinASecond('2026-11-20', (rows) => rows.some((row) => row.worklogId === written.id && row.timeSpentSeconds === 5400))).toBe(true);
  });

  it('reads the worklog back for the edit form', async () => {
    const answer = await api('GET', `/api/worklogs/${issue.id}/${written.id}`);
    expect(answer.status).toBe(200);
    expect(answer.json.worklog).toEqual(written);
  });

  it('edits the duration and comment, then the start time alone (the date kept in the same zone)', async () => {
    const edited = await api('PUT', `/api/worklogs/${issue.id}/${written.id}`, { duration: '2h', comment: 'Edited' });
    expect(edited.status).toBe(200);
    expect(edited.json.worklog).toMatchObject({ id: written.id, timeSpentSeconds: 7200, comment: 'Edited', started: '2026-11-20T09:15:00.000+0530' });
    expect(bed.sim.site.worklogs.get(written.id)!.comment).toEqual(textToAdf('Edited'));
    const moved = await api('PUT', `/api/worklogs/${issue.id}/${written.id}`, { startTime: '10:00' });
    expect(moved.json.worklog).toMatchObject({ started: '2026-11-20T10:00:00.000+0530', timeSpentSeconds: 7200 });
    expect(bed.sim.site.worklogs.get(written.id)!.startedMs).toBe(Date.UTC(2026, 10, 20, 4, 30));
    expect(await reportShowsWithinASecond('2026-11-20', (rows) => rows.some((row) => row.worklogId === written.id && row.timeSpentSeconds === 7200))).toBe(true);
  });

  it('deletes the worklog, and the report no longer shows it', async () => {
    const answer = await api('DELETE', `/api/worklogs/${issue.id}/${written.id}`);
    expect(answer.status).toBe(204);
    expect(bed.sim.site.worklogs.has(written.id)).toBe(false);
    expect(await reportShowsWithinASecond('2026-11-20', (rows) => !rows.some((row) => row.worklogId === written.id))).toBe(true);
    const again = await api('DELETE', `/api/worklogs/${issue.id}/${written.id}`);
    expect(again.status).toBe(404);
    expect(again.json.error).toMatchObject({ code: 'JIRA_WORKLOG_REFUSED', details: ['worklog_not_found'] });
  });

  it("gives a person without the Work on issues permission Jira's refusal in its own words, and writes nothing", async () => {
    bob.withheldPermissions = ['WORK_ON_ISSUES'];
    try {
      const before = worklogCount();
      const direct = await jiraAs(bob, 'POST', `/rest/api/3/issue/${issue.key}/worklog`, { started: '2026-11-20T09:00:00.000+0000', timeSpent: '1h' });
      const answer = await api('POST', '/api/worklogs', { issue: issue.key, date: '2026-11-20', startTime: '09:00', duration: '1h' }, bob);
      expect(answer.status).toBe(403);
      expect(answer.json.error).toEqual({ code: 'JIRA_WORKLOG_REFUSED', message: direct.json.errorMessages.join(' '), details: ['no_permission'] });
      expect(answer.json.error.message).toMatch(/permission/);
      expect(worklogCount()).toBe(before);
    } finally {
      bob.withheldPermissions = [];
    }
  });

  it('says when time tracking is off on the issue, in Jira\'s words', async () => {
    const other = [...bed.sim.site.issues.values()].find((candidate) => candidate !== issue && candidate.timeTrackingEnabled && bed.sim.site.canBrowseIssue(candidate, alice))!;
    other.timeTrackingEnabled = false;
    try {
      const before = worklogCount();
      const direct = await jiraAs(alice, 'POST', `/rest/api/3/issue/${other.key}/worklog`, { started: '2026-11-20T09:00:00.000+0530', timeSpent: '1h' });
      const answer = await api('POST', '/api/worklogs', { issue: other.key, date: '2026-11-20', startTime: '09:00', duration: '1h' });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toEqual({ code: 'JIRA_WORKLOG_REFUSED', message: direct.json.errorMessages.join(' '), details: ['time_tracking_off'] });
      expect(worklogCount()).toBe(before);
    } finally {
      other.timeTrackingEnabled = true;
    }
  });

  it('says an unknown issue is not found, in Jira\'s words', async () => {
    const direct = await jiraAs(alice, 'POST', '/rest/api/3/issue/NOPE-999999/worklog', { started: '2026-11-20T09:00:00.000+0530', timeSpent: '1h' });
    const answer = await api('POST', '/api/worklogs', { issue: 'NOPE-999999', date: '2026-11-20', startTime: '09:00', duration: '1h' });
    expect(answer.status).toBe(404);
    expect(answer.json.error).toEqual({ code: 'JIRA_WORKLOG_REFUSED', message: direct.json.errorMessages.join(' '), details: ['issue_not_found'] });
  });

  it('writes no comment and no token into a log line', async () => {
    const logs = bed.logLines.join('\n');
    expect(logs).not.toContain('Reviewed the login flow');
    expect(logs).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);
    expect(logs).not.toContain('assertion=');
  });

  it('refuses a bad duration, date and time itself, naming each field, and sends nothing to Jira', async () => {
    const before = worklogCount();
    const answer = await api('POST', '/api/worklogs', { issue: issue.key, date: '2026-02-30', startTime: '25:00', duration: '1h 2h' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('WORKLOG_INPUT_INVALID');
    expect(answer.json.error.details).toEqual(['date: enter a date as YYYY-MM-DD', 'startTime: enter a time as HH:mm (00:00–23:59)', 'duration: "h" appears twice']);
    expect(worklogCount()).toBe(before);
  });
});

describe('the timer, kept in Jira as a user property', () => {
  it('starts in one session, shows in another (a reload, another device), and stops into one worklog of the elapsed minutes', async () => {
    const before = worklogCount();
    const started = await api('POST', '/api/timer', { issue: issue.key, comment: 'Pairing' });
    expect(started.status).toBe(201);
    expect(started.json.timer).toMatchObject({ issueId: issue.id, issueKey: issue.key, comment: 'Pairing' });
    const startedAtMs = Date.parse(started.json.timer.startedAt);
    // Jira holds it, Tally's store does not: read back through Jira as Alice.
    const property = await jiraAs(alice, 'GET', `/rest/api/3/user/properties/tally.timer?accountId=${alice.accountId}`);
    expect(property.json.value).toEqual(started.json.timer);

    const elsewhere = await api('GET', '/api/timer');
    expect(elsewhere.json).toEqual({ timer: started.json.timer });
    expect((await api('POST', '/api/timer', { issue: issue.key })).json.error.code).toBe('TIMER_RUNNING');

    bed.sim.clock.advance(25 * 60_000 + 31_000); // 25.5 minutes and a second: 26 whole minutes
    const stopped = await api('POST', '/api/timer/stop', {});
    expect(stopped.status).toBe(201);
    expect(stopped.json.notice).toBeUndefined();
    expect(stopped.json.worklog).toMatchObject({ issueId: issue.id, issueKey: issue.key, timeSpentSeconds: 26 * 60, comment: 'Pairing', authorAccountId: alice.accountId });
    const held = bed.sim.site.worklogs.get(stopped.json.worklog.id)!;
    expect(held).toMatchObject({ authorId: alice.accountId, startedMs: startedAtMs, timeSpentSeconds: 26 * 60 });
    expect(stopped.json.worklog.started).toMatch(/\+0530$/);
    expect((await jiraAs(alice, 'GET', `/rest/api/3/user/properties/tally.timer?accountId=${alice.accountId}`)).status).toBe(404);

    const twice = await api('POST', '/api/timer/stop', {});
    expect(twice.status).toBe(404);
    expect(twice.json.error.code).toBe('TIMER_NOT_RUNNING');
    expect(worklogCount()).toBe(before + 1);
    expect((await api('GET', '/api/timer')).json).toEqual({ timer: null });
  });

  it('writes at least one minute', async () => {
    await api('POST', '/api/timer', { issue: issue.key });
    bed.sim.clock.advance(10_000);
    const stopped = await api('POST', '/api/timer/stop');
    expect(stopped.status).toBe(201);
    expect(stopped.json.worklog.timeSpentSeconds).toBe(60);
    expect(stopped.json.worklog.comment).toBeNull();
  });

  it('discards without writing', async () => {
    const before = worklogCount();
    await api('POST', '/api/timer', { issue: issue.key });
    bed.sim.clock.advance(120_000);
    expect((await api('DELETE', '/api/timer')).status).toBe(204);
    expect((await api('GET', '/api/timer')).json).toEqual({ timer: null });
    expect(worklogCount()).toBe(before);
    const again = await api('DELETE', '/api/timer');
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('TIMER_NOT_RUNNING');
  });

  it('says so when the timer cannot be cleared after the worklog was written, and a second stop writes no second worklog', async () => {
    const before = worklogCount();
    await api('POST', '/api/timer', { issue: issue.key });
    bed.sim.clock.advance(5 * 60_000);
    failPropertyDeletes = 1;
    const first = await api('POST', '/api/timer/stop', {});
    expect(first.status).toBe(201);
    expect(first.json.notice).toMatch(/worklog was written.*did not let Tally clear the timer/);
    expect(worklogCount()).toBe(before + 1);
    expect((await api('GET', '/api/timer')).json.timer).not.toBeNull();

    bed.sim.clock.advance(60_000);
    const second = await api('POST', '/api/timer/stop', {});
    expect(second.status).toBe(201);
    expect(second.json.notice).toBeUndefined();
    expect(second.json.worklog).toMatchObject({ id: first.json.worklog.id, timeSpentSeconds: 300 });
    expect(worklogCount()).toBe(before + 1);
    expect((await api('GET', '/api/timer')).json).toEqual({ timer: null });
  });

  it('refuses to start on an issue Jira does not show the person, in Jira\'s words', async () => {
    const answer = await api('POST', '/api/timer', { issue: 'NOPE-999999' });
    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatchObject({ code: 'JIRA_WORKLOG_REFUSED', details: ['issue_not_found'] });
    expect((await api('GET', '/api/timer')).json).toEqual({ timer: null });
  });
});

describe('an installation without an OAuth client id', () => {
  it('offers no log work, says why, and refuses writes with LOG_WORK_UNAVAILABLE', async () => {
    const reinstalled = await bed.sim.connect.install(bed.descriptorUrl, { payload: { oauthClientId: undefined } });
    if (!reinstalled.ok) throw new Error('re-install failed');
    sharedSecret = reinstalled.sharedSecret;
    const session = await api('GET', '/api/session');
    expect(session.json.logWork.available).toBe(false);
    expect(session.json.logWork.reason).toMatch(/OAuth client id/);
    const before = worklogCount();
    const answer = await api('POST', '/api/worklogs', { issue: issue.key, date: '2026-11-21', startTime: '09:00', duration: '1h' });
    expect(answer.status).toBe(409);
    expect(answer.json.error.code).toBe('LOG_WORK_UNAVAILABLE');
    expect(worklogCount()).toBe(before);
  });
});

describe('log work through Forge', () => {
  it('writes one worklog with the user token Forge hands over, authored by the viewer', async () => {
    const installed = await bed.sim.forge.install();
    expect(installed).toMatchObject({ ok: true });
    await bed.tally.queue.idle();
    const session = await bed.sim.forge.invokeRemote({ accountId: bob.accountId, path: '/api/session', method: 'GET' });
    expect((session.body as { logWork: unknown }).logWork).toEqual({ available: true, reason: null });
    const answer = await bed.sim.forge.invokeRemote({ accountId: bob.accountId, path: '/api/worklogs', method: 'POST', body: { issue: issue.key, date: '2026-11-22', startTime: '08:00', duration: '45m', comment: 'From Forge' } });
    expect(answer.status).toBe(201);
    const worklog = (answer.body as { worklog: OwnWorklog }).worklog;
    expect(worklog).toMatchObject({ authorAccountId: bob.accountId, timeSpentSeconds: 2700, comment: 'From Forge', issueKey: issue.key });
    expect(bed.sim.site.worklogs.get(worklog.id)).toMatchObject({ authorId: bob.accountId, timeSpentSeconds: 2700, comment: textToAdf('From Forge') });
  });
});

describe('log work over real HTTP on loopback', () => {
  let sim: Simulator;
  let closeSim: () => Promise<void>;
  let tally: RunningServer;
  let place: LoopbackTallyPlace;

  beforeAll(async () => {
    sim = createSimulator({ clock: 'real', generate: { worklogs: 20, seed: 61 } });
    const simServer = await sim.listen();
    closeSim = simServer.close;
    place = await prepareLoopbackTally('tally-log-work-');
    tally = await startServer(
      loadConfig({
        ...place.env,
        TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
        TALLY_ALLOWED_HOSTS: '127.0.0.1',
        // Atlassian's authorization server is the simulator's origin here.
        TALLY_ATLASSIAN_OAUTH_URL: simServer.url,
        TALLY_LOG_LEVEL: 'silent',
      }),
      { hostname: '127.0.0.1' },
    );
    tally.tally.sync.start();
  }, 30_000);

  afterAll(async () => {
    await tally?.close();
    await closeSim?.();
    place?.remove();
  });

  it('exchanges the token at the simulated authorization server and writes as the person, then the report shows it', async () => {
    const installed = await sim.connect.install(`${tally.url}/atlassian-connect.json`);
    if (!installed.ok) throw new Error(`install failed: ${installed.reason}`);
    await tally.tally.queue.idle();
    const person = [...sim.site.users.values()].find((user) => user.accountType === 'atlassian' && user.active && !user.siteAdmin)!;
    person.timeZone = 'America/New_York';
    const target = [...sim.site.issues.values()].find((candidate) => candidate.timeTrackingEnabled && sim.site.canBrowseIssue(candidate, person))!;
    const call = (method: string, path: string, body?: unknown) => {
      const token = contextToken({ clientKey: installed.clientKey, sharedSecret: installed.sharedSecret, accountId: person.accountId, nowMs: Date.now() });
      return fetch(`${tally.url}${path}`, { method, headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    };
    const answer = await call('POST', '/api/worklogs', { issue: target.key, date: '2026-07-04', startTime: '16:45', duration: '1.5h', comment: 'Over the wire' });
    expect(answer.status).toBe(201);
    const { worklog } = (await answer.json()) as { worklog: OwnWorklog };
    expect(worklog).toMatchObject({ started: '2026-07-04T16:45:00.000-0400', timeSpentSeconds: 5400, authorAccountId: person.accountId });
    expect(sim.site.worklogs.get(worklog.id)).toMatchObject({ authorId: person.accountId, startedMs: Date.UTC(2026, 6, 4, 20, 45), comment: textToAdf('Over the wire') });

    const deadline = Date.now() + 1000;
    let shown = false;
    while (!shown && Date.now() <= deadline) {
      const report = await call('POST', '/api/reports/details', { from: '2026-07-04', to: '2026-07-04', timeZone: 'America/New_York', accountIds: [person.accountId] });
      shown = ((await report.json()) as { rows: { worklogId: number }[] }).rows.some((row) => row.worklogId === worklog.id);
      if (!shown) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(shown).toBe(true);
  }, 30_000);
});
