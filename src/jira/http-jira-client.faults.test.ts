import { describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../test/support/jira-client-harness.js';
import { isAppError } from '../platform/app-error.js';
import type { FaultInput } from '../../simulator/faults/fault-injector.js';
import type { FeedCursor, JiraClient } from './jira-client.js';

/** Pages /worklog/updated to the end; returns the distinct ids seen. */
async function feedIds(client: JiraClient): Promise<Set<number>> {
  const ids = new Set<number>();
  let cursor: FeedCursor = { sinceMs: 0 };
  for (let pages = 0; pages < 20; pages++) {
    const page = await client.getUpdatedWorklogs(cursor);
    for (const value of page.values) ids.add(value.worklogId);
    if (page.lastPage || page.nextPage === undefined) return ids;
    cursor = { nextPage: page.nextPage };
  }
  throw new Error('the feed did not end');
}

const LIST_PATH = '/rest/api/3/worklog/list';

/** Lists the first 1000 visible worklogs with a fault armed on /worklog/list; compares with a clean read. */
async function listThrough(h: JiraClientHarness, fault: FaultInput, overrides: Parameters<JiraClientHarness['client']>[0] = {}) {
  const ids = h.visibleWorklogs().slice(0, 1000).map((w) => w.id);
  const clean = await h.client().getWorklogs(ids);
  h.sent.length = 0;
  h.sleeps.length = 0;
  const startMs = h.sim.clock.now();
  h.sim.faults.add({ ...fault, match: { path: LIST_PATH } });
  const rows = await h.client(overrides).getWorklogs(ids);
  return { clean, rows, waitedMs: h.sim.clock.now() - startMs, requests: h.sent.length };
}

describe('HttpJiraClient under Jira faults (security-and-reliability.md §5.2 E)', () => {
  it('waits what a 503 Retry-After asks, then reads the page whole', async () => {
    const h = createJiraClientHarness();
    const result = await listThrough(h, { kind: 'status', status: 503, headers: { 'Retry-After': '7' } });
    expect(result.rows).toEqual(result.clean);
    expect(result.waitedMs).toBeGreaterThanOrEqual(7000);
    expect(result.requests).toBe(2);
  });

  it('backs off 2 s, 4 s, 8 s (with jitter) through three 500s', async () => {
    const h = createJiraClientHarness();
    const result = await listThrough(h, { kind: 'status', status: 500, times: 3 });
    expect(result.rows).toEqual(result.clean);
    expect(result.requests).toBe(4);
    expect(h.sleeps).toEqual([2000, 4000, 8000]);
  });

  it.each<[string, FaultInput]>([
    ['a body cut short', { kind: 'truncate', fraction: 0.4 }],
    ['an HTML page answered with 200', { kind: 'html200' }],
    ['a connection reset', { kind: 'reset' }],
    ['a JSON body under a non-JSON content type', { kind: 'status', status: 200, body: '[]' }],
    ['a 200 with invalid JSON', { kind: 'status', status: 200, headers: { 'content-type': 'application/json' }, body: '[{"id":' }],
    ['a 200 whose rows lack a required field', { kind: 'status', status: 200, body: [{ id: '1', issueId: '2' }] }],
  ])('retries after %s and keeps nothing of it', async (_, fault) => {
    const h = createJiraClientHarness();
    const result = await listThrough(h, fault);
    expect(result.rows).toEqual(result.clean);
    expect(result.rows).toHaveLength(1000);
    expect(result.requests).toBe(2);
    expect(h.sleeps).toHaveLength(1);
  });

  it('gives up on a request that never answers after its timeout and retries it', async () => {
    const h = createJiraClientHarness();
    const result = await listThrough(h, { kind: 'timeout' }, { requestTimeoutMs: 20 });
    expect(result.rows).toEqual(result.clean);
    expect(result.requests).toBe(2);
  });

  it('backs off after a 429 without any header (a gateway 429)', async () => {
    const h = createJiraClientHarness();
    const result = await listThrough(h, { kind: 'status', status: 429 });
    expect(result.rows).toEqual(result.clean);
    expect(result.requests).toBe(2);
    expect(result.waitedMs).toBeGreaterThanOrEqual(1400);
  });

  it('loses nothing when Jira answers the previous feed page again', async () => {
    const h = createJiraClientHarness();
    h.sim.faults.add({ kind: 'duplicatePage' });
    const ids = await feedIds(h.client());
    expect(h.sim.faults.list()).toEqual([]);
    expect(ids).toEqual(new Set(h.visibleWorklogs().map((w) => w.id)));
  });

  it('stops after maxAttempts with a retryable JIRA_UNAVAILABLE carrying the cause, never in a hot loop', async () => {
    const h = createJiraClientHarness();
    h.sim.faults.add({ kind: 'status', status: 502, times: Infinity });
    const error = await h.client({ maxAttempts: 4 }).getServerTimeMs().catch((e: unknown) => e);
    expect(isAppError(error, 'JIRA_UNAVAILABLE')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(isAppError((error as Error).cause, 'JIRA_UNAVAILABLE')).toBe(true);
    expect(h.sent).toHaveLength(4);
    expect(h.sleeps).toEqual([2000, 4000, 8000]);
  });

  it('does not retry a 400 and reports it as JIRA_REQUEST_REJECTED', async () => {
    const h = createJiraClientHarness();
    const error = await h.client().searchIssueIds('project = ', undefined).catch((e: unknown) => e);
    expect(isAppError(error, 'JIRA_REQUEST_REJECTED')).toBe(true);
    expect(h.sent).toHaveLength(1);
  });

  it('refuses an answer larger than the cap without retrying', async () => {
    const h = createJiraClientHarness();
    const error = await h.client({ maxResponseBytes: 10_000 }).getUpdatedWorklogs({ sinceMs: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: false });
    expect(h.sent).toHaveLength(1);
  });

  it('does not follow a redirect', async () => {
    const h = createJiraClientHarness();
    h.sim.faults.add({ kind: 'status', status: 302, headers: { location: 'https://evil.example/rest/api/3/serverInfo' } });
    const error = await h.client().getServerTimeMs().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: false });
    expect(h.sent.map((request) => new URL(request.url).host)).toEqual([new URL(h.sim.site.baseUrl).host]);
  });

  it('logs each retry with endpoint, status and code only: no token, no URL', async () => {
    const h = createJiraClientHarness();
    const lines: string[] = [];
    h.sim.faults.add({ kind: 'status', status: 503, times: 2 });
    await h.client({ logger: { warn: (fields, message) => lines.push(JSON.stringify({ fields, message })) } }).getUpdatedWorklogs({ sinceMs: 0 });
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ fields: { endpoint: 'GET /rest/api/3/worklog/updated', status: 503, code: 'JIRA_UNAVAILABLE', attempt: 1 } });
    for (const line of lines) expect(line).not.toMatch(/JWT|since=|atlassian\.net/);
  });

  it('takes Jira’s clock from the Date header when serverInfo has no serverTime', async () => {
    const h = createJiraClientHarness();
    h.sim.faults.add({ kind: 'status', status: 200, headers: { date: 'Mon, 23 Nov 2026 10:00:00 GMT' }, body: { baseUrl: h.sim.site.baseUrl } });
    expect(await h.client().getServerTimeMs()).toBe(Date.UTC(2026, 10, 23, 10, 0, 0));
  });
});
