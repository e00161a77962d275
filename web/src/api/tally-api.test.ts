import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { createTallyApi, filenameFromDisposition } from './tally-api.js';
import { createTokenSource, readMetaAuthScheme } from './token-source.js';
import { WorklogInputError, WorklogRefusedError } from './worklog-error.js';

function recordingFetch(responses: Response[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    return next;
  }) as typeof fetch;
  return { calls, fetchFn };
}

describe('Tally API client', () => {
  it('sends the newest session token Tally answered with', async () => {
    const { calls, fetchFn } = recordingFetch([
      new Response('{"tenantId":"t_1"}', { headers: { 'x-tally-token': 'second' } }),
      new Response('{"tenantId":"t_1"}'),
    ]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'first', findAp: () => undefined }) });
    await api.session();
    await api.session();
    expect(calls.map((c) => (c.init?.headers as Record<string, string>).authorization)).toEqual(['JWT first', 'JWT second']);
  });

  it('sends the token under the scheme the page names, JWT when it names none or a malformed one', async () => {
    const metaDoc = (content: string | null) => ({
      querySelector: (selector: string) => (content !== null && selector === 'meta[name="tally-auth-scheme"]' ? { getAttribute: () => content } : null),
    });
    expect(readMetaAuthScheme(metaDoc('TallySite'))).toBe('TallySite');
    expect(readMetaAuthScheme(metaDoc(null))).toBe('JWT');
    expect(readMetaAuthScheme(metaDoc('Tally Site x'))).toBe('JWT');
    const { calls, fetchFn } = recordingFetch([new Response('{}')]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'csrf', findAp: () => undefined }), authScheme: readMetaAuthScheme(metaDoc('TallySite')) });
    await api.syncStatus();
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('TallySite csrf');
  });

  it('asks AP for a context token inside Jira', async () => {
    const { calls, fetchFn } = recordingFetch([new Response('{}')]);
    const ap = { context: { getToken: (callback?: (token: string) => void) => callback?.('from-ap') } };
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'meta', findAp: () => ap }) });
    await api.syncStatus();
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('JWT from-ap');
  });

  it("turns Tally's error body into an error with its message and details", async () => {
    const body = { error: { code: 'REPORT_QUERY_INVALID', message: 'The report question is invalid', details: ['to: before from'] } };
    const { fetchFn } = recordingFetch([new Response(JSON.stringify(body), { status: 400 })]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    const error = await api.summary({ from: '2026-03-02', to: '2026-03-01', groupBy: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'REPORT_QUERY_INVALID', status: 400, message: 'The report question is invalid', details: ['to: before from'] });
  });

  it('reads export file names from Content-Disposition', () => {
    expect(filenameFromDisposition('attachment; filename="tally-details-2026-03.csv"')).toBe('tally-details-2026-03.csv');
    expect(filenameFromDisposition("attachment; filename=\"x.xlsx\"; filename*=UTF-8''Zeit%C3%BCbersicht.xlsx")).toBe('Zeitübersicht.xlsx');
    expect(filenameFromDisposition(null)).toBeUndefined();
  });

  it('creates pairing codes, lists linked workspaces and unlinks one by its id as a single path segment', async () => {
    const workspace = { id: 'bb_0123', edge: 'bitbucket-forge', installer: { username: 'ana', avatarUrl: null }, linkedAt: '2026-03-05T14:17:00.000Z' };
    const { calls, fetchFn } = recordingFetch([
      new Response(JSON.stringify({ code: 'ABCD-EFGH-JKMN-PQRS', expiresAt: '2026-03-05T14:32:00.000Z' }), { status: 201 }),
      new Response(JSON.stringify({ workspaces: [workspace] })),
      new Response(null, { status: 204 }),
    ]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    expect((await api.createPairingCode()).code).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(await api.listLinkedWorkspaces()).toEqual([workspace]);
    await api.unlinkWorkspace('bb_0123/../x');
    expect(calls.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
      'POST /api/bitbucket/pairing-codes',
      'GET /api/bitbucket/workspaces',
      'DELETE /api/bitbucket/workspaces/bb_0123%2F..%2Fx',
    ]);
  });

  it('rejects an unlink Tally refuses with its error code', async () => {
    const { fetchFn } = recordingFetch([new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not linked to this site' } }), { status: 404 })]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    await expect(api.unlinkWorkspace('bb_9')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  describe('log work, timer and admin calls', () => {
    const worklog = { id: 7, issueId: 10001, issueKey: 'TT-1', started: '2026-03-05T09:00:00.000+0000', timeSpentSeconds: 5400, timeSpent: '1h 30m', comment: 'Review', authorAccountId: 'acc-1' };
    const api = (responses: Response[]) => {
      const recorded = recordingFetch(responses);
      return { ...recorded, api: createTallyApi({ fetch: recorded.fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) }) };
    };
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

    it('writes, reads, changes and deletes a worklog at the paths and with the bodies of the contract', async () => {
      const { calls, api: client } = api([json({ worklog }, 201), json({ worklog }), json({ worklog: { ...worklog, timeSpent: '2h' } }), new Response(null, { status: 204 })]);
      const input = { issue: 'TT-1', date: '2026-03-05', startTime: '09:00', duration: '1h 30m', comment: 'Review' };
      expect(await client.createWorklog(input)).toEqual(worklog);
      expect(await client.getWorklog(10001, 7)).toEqual(worklog);
      expect((await client.updateWorklog(10001, 7, { duration: '2h' })).timeSpent).toBe('2h');
      await client.deleteWorklog(10001, 7);
      expect(calls.map((c) => `${c.init?.method} ${c.url} ${c.init?.body ?? ''}`.trim())).toEqual([
        `POST /api/worklogs ${JSON.stringify(input)}`,
        'GET /api/worklogs/10001/7',
        'PUT /api/worklogs/10001/7 {"duration":"2h"}',
        'DELETE /api/worklogs/10001/7',
      ]);
    });

    it("keeps Jira's refusal verbatim and names its reason, whichever shape details has", async () => {
      const message = 'You do not have the permission to associate a worklog to this issue.';
      const { api: client } = api([
        json({ error: { code: 'JIRA_WORKLOG_REFUSED', message, details: 'no_permission' } }, 403),
        json({ error: { code: 'JIRA_WORKLOG_REFUSED', message: 'Issue does not exist', details: { reason: 'issue_not_found' } } }, 404),
        json({ error: { code: 'JIRA_WORKLOG_REFUSED', message: 'Time tracking is off', details: ['time_tracking_off'] } }, 400),
      ]);
      const input = { issue: 'TT-1', date: '2026-03-05', startTime: '09:00', duration: '1h' };
      const first = await client.createWorklog(input).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(WorklogRefusedError);
      expect(first).toMatchObject({ code: 'JIRA_WORKLOG_REFUSED', status: 403, message, reason: 'no_permission' });
      await expect(client.createWorklog(input)).rejects.toMatchObject({ status: 404, message: 'Issue does not exist', reason: 'issue_not_found' });
      await expect(client.createWorklog(input)).rejects.toMatchObject({ reason: 'time_tracking_off' });
    });

    it("maps Tally's validation to the form's fields", async () => {
      const details = ['duration: Write the duration as Jira does, e.g. 1h 30m', { field: 'date', message: 'Not a date' }, 'other: ignored'];
      const { api: client } = api([json({ error: { code: 'WORKLOG_INPUT_INVALID', message: 'The worklog is invalid', details } }, 400)]);
      const error = await client.createWorklog({ issue: 'TT-1', date: 'x', startTime: '09:00', duration: '90' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorklogInputError);
      expect((error as WorklogInputError).fields).toEqual({ duration: 'Write the duration as Jira does, e.g. 1h 30m', date: 'Not a date' });
    });

    it('keeps other failures as they were sent, e.g. log work unavailable on the site edge', async () => {
      const message = 'This site connects to Jira with one API token, so Tally cannot log work as you.';
      const { api: client } = api([json({ error: { code: 'LOG_WORK_UNAVAILABLE', message } }, 409)]);
      const error = await client.startTimer({ issue: 'TT-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).not.toBeInstanceOf(WorklogRefusedError);
      expect(error).toMatchObject({ code: 'LOG_WORK_UNAVAILABLE', status: 409, message });
    });

    it('reads, starts, stops and discards the timer', async () => {
      const timer = { issueId: 10001, issueKey: 'TT-1', startedAt: '2026-03-05T09:00:00.000Z', comment: null };
      const notice = 'The worklog was written, but Jira did not let Tally clear the timer.';
      const { calls, api: client } = api([json({ timer: null }), json({ timer }, 201), json({ worklog }, 201), new Response(null, { status: 204 }), json({ worklog, notice }, 201)]);
      expect(await client.timer()).toBeNull();
      expect(await client.startTimer({ issue: 'TT-1' })).toEqual(timer);
      expect(await client.stopTimer({ comment: 'done' })).toEqual({ worklog });
      await client.discardTimer();
      expect(calls.map((c) => `${c.init?.method} ${c.url} ${c.init?.body ?? ''}`.trim())).toEqual([
        'GET /api/timer',
        'POST /api/timer {"issue":"TT-1"}',
        'POST /api/timer/stop {"comment":"done"}',
        'DELETE /api/timer',
      ]);
      expect(await client.stopTimer()).toEqual({ worklog, notice });
    });

    it('asks for the admin overview, queues a re-sync of a range or of everything, reconciles, backs up and fetches the data statement', async () => {
      const overview = { sync: { phase: 'incremental', fraction: 1, worklogsWritten: 3 }, lastIncrementalSyncAtMs: 1, webhook: { lastReceivedAtMs: null, lastLagMs: null }, reconciliation: null, backups: [] };
      const backup = { id: 'b1', createdAtMs: 5, sizeBytes: 1024 };
      const { calls, api: client } = api([
        json(overview),
        json({ queued: true }, 202),
        json({ queued: true }, 202),
        json({ queued: true }, 202),
        json({ backup }, 201),
        new Response('# Data statement', { headers: { 'content-type': 'text/markdown' } }),
      ]);
      expect(await client.adminOverview()).toEqual(overview);
      await client.resync({ from: '2026-01-01', to: '2026-01-31' });
      await client.resync(undefined);
      await client.reconcile();
      expect(await client.createBackup()).toEqual(backup);
      const statement = await client.dataStatement();
      expect(statement.filename).toBe('tally-data-statement.md');
      expect(await statement.blob.text()).toBe('# Data statement');
      expect(calls.map((c) => `${c.init?.method} ${c.url} ${c.init?.body ?? ''}`.trim())).toEqual([
        'GET /api/admin/overview',
        'POST /api/admin/resync {"from":"2026-01-01","to":"2026-01-31"}',
        'POST /api/admin/resync {}',
        'POST /api/admin/reconcile {}',
        'POST /api/admin/backups {}',
        'GET /data-statement?format=markdown',
      ]);
    });
  });
});
