import { describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../test/support/jira-client-harness.js';
import { appAuthorization } from '../../test/support/sim-callers.js';
import { isAppError } from '../platform/app-error.js';
import type { ChangedWorklog, ChangedWorklogsPage, FeedCursor, JiraClient } from './jira-client.js';

/** Pages a feed from `since` to its last page, as the sync does. */
async function pageToEnd(client: JiraClient, kind: 'updated' | 'deleted', sinceMs = 0): Promise<{ values: ChangedWorklog[]; pages: number }> {
  const values: ChangedWorklog[] = [];
  let cursor: FeedCursor = { sinceMs };
  for (let pages = 1; pages < 100; pages++) {
    const page: ChangedWorklogsPage = kind === 'updated' ? await client.getUpdatedWorklogs(cursor) : await client.getDeletedWorklogs(cursor);
    values.push(...page.values);
    if (page.lastPage || page.nextPage === undefined) return { values, pages };
    cursor = { nextPage: page.nextPage };
  }
  throw new Error('the feed did not end');
}

function sentPaths(h: JiraClientHarness): string[] {
  return h.sent.map((request) => `${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
}

describe('HttpJiraClient against the simulated Jira', () => {
  it('pages /worklog/updated to the end and returns exactly the worklogs the app can see', async () => {
    const h = createJiraClientHarness();
    const { values, pages } = await pageToEnd(h.client(), 'updated');
    const expected = h.visibleWorklogs();
    expect(expected.length).toBeGreaterThan(2000);
    expect(pages).toBe(Math.ceil(expected.length / 1000));
    // Jira's `since` is inclusive here, so a page may repeat items at the previous `until` (§1.1: dedupe by worklogId).
    const distinct = new Set(values.map((v) => v.worklogId));
    expect(distinct).toEqual(new Set(expected.map((w) => w.id)));
    expect(values.length - distinct.size).toBeLessThan(pages);
    const byId = new Map(expected.map((w) => [w.id, w.updatedMs]));
    for (const value of values) expect(value.updatedTimeMs).toBe(byId.get(value.worklogId));
    // Every request went to the site, and the later pages used Jira's nextPage verbatim.
    expect(h.sent.every((request) => request.url.startsWith(`${h.sim.site.baseUrl}/rest/api/3/worklog/updated?since=`))).toBe(true);
  });

  it('pages /worklog/deleted to the current deletions', async () => {
    const h = createJiraClientHarness();
    const { values } = await pageToEnd(h.client(), 'deleted');
    expect(values.length).toBeGreaterThan(0);
    expect(new Map(values.map((v) => [v.worklogId, v.updatedTimeMs]))).toEqual(new Map(h.sim.site.deletedAt));
  });

  it('reads every visible worklog through /worklog/list with the fields Tally stores', async () => {
    const h = createJiraClientHarness();
    const client = h.client();
    const expected = h.visibleWorklogs();
    const ids = expected.map((w) => w.id);
    const rows = [];
    for (let i = 0; i < ids.length; i += 1000) rows.push(...(await client.getWorklogs(ids.slice(i, i + 1000))));
    expect(rows).toHaveLength(expected.length);
    const withComment = rows.filter((row) => row.commentJson !== null).length;
    expect(withComment).toBeGreaterThan(0);
    expect(withComment).toBeLessThan(rows.length);
    for (const row of rows) {
      const sim = h.sim.site.worklogs.get(row.id)!;
      expect({
        id: row.id,
        issueId: row.issueId,
        author: row.authorAccountId,
        timeSpentSeconds: row.timeSpentSeconds,
        startedMs: row.startedMs,
        updatedMs: row.updatedMs,
        commentJson: row.commentJson,
      }).toEqual({
        id: sim.id,
        issueId: sim.issueId,
        author: sim.authorId,
        timeSpentSeconds: sim.timeSpentSeconds,
        startedMs: sim.startedMs,
        updatedMs: sim.updatedMs,
        commentJson: sim.comment === undefined ? null : JSON.stringify(sim.comment),
      });
      expect(row.started).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/);
    }
  });

  it('reads an issue’s worklogs and reports a missing issue as JIRA_NOT_FOUND without retrying', async () => {
    const h = createJiraClientHarness();
    const client = h.client();
    const [issueId, worklogIds] = [...h.sim.site.worklogsByIssue].find(([, ids]) => ids.size > 3)!;
    const page = await client.getIssueWorklogs(issueId, 0);
    const visible = new Set(h.visibleWorklogs().map((w) => w.id));
    expect(new Set(page.worklogs.map((w) => w.id))).toEqual(new Set([...worklogIds].filter((id) => visible.has(id))));
    expect(page.worklogs.every((w) => w.issueId === issueId)).toBe(true);
    expect(page.total).toBe(page.worklogs.length);

    const before = h.sent.length;
    const error = await client.getIssueWorklogs(99_999_999, 0).catch((e: unknown) => e);
    expect(isAppError(error, 'JIRA_NOT_FOUND')).toBe(true);
    expect(h.sent.length - before).toBe(1);
  });

  it('pages issue ids of a JQL search by token', async () => {
    const h = createJiraClientHarness();
    const client = h.client();
    const project = [...h.sim.site.projects.values()][0]!;
    const ids: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.searchIssueIds(`project = ${project.key}`, token);
      ids.push(...page.ids);
      token = page.nextPageToken;
    } while (token !== undefined);
    const expected = [...h.sim.site.issues.values()].filter((issue) => issue.projectId === project.id).map((issue) => issue.id);
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('reads Jira’s clock from serverInfo', async () => {
    const h = createJiraClientHarness();
    h.sim.clock.advance(12_345);
    expect(await h.client().getServerTimeMs()).toBe(h.sim.clock.now());
  });

  it('never follows a nextPage to another host: it rebuilds the request on the site from since', async () => {
    const h = createJiraClientHarness();
    const authorized: string[] = [];
    const client = h.client({
      access: { baseUrl: h.access.baseUrl, authorize: (request) => (authorized.push(request.url), h.access.authorize(request)) },
    });
    const page = await client.getUpdatedWorklogs({ nextPage: 'https://evil.example/rest/api/3/worklog/updated?since=0&steal=1' });
    expect(page.values.length).toBe(1000);
    expect(sentPaths(h)).toEqual(['GET /rest/api/3/worklog/updated?since=0']);
    expect(h.sent[0]!.url.startsWith(h.sim.site.baseUrl)).toBe(true);
    expect(authorized.every((url) => url.startsWith(h.sim.site.baseUrl))).toBe(true);
    const spoofed = client.getUpdatedWorklogs({ nextPage: 'https://evil.example/steal' });
    await expect(spoofed).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: false });
    expect(h.sent).toHaveLength(1);
  });

  it('refuses more than 1000 ids before sending anything, and sends nothing for none', async () => {
    const h = createJiraClientHarness();
    const client = h.client();
    const ids = Array.from({ length: 1001 }, (_, i) => 10_000 + i);
    await expect(client.getWorklogs(ids)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await client.getWorklogs([])).toEqual([]);
    expect(h.sent).toHaveLength(0);
  });

  it('reports a wrong shared secret as JIRA_AUTH_FAILED after one request', async () => {
    const h = createJiraClientHarness();
    const wrong = { ...h.app, sharedSecret: 'not-the-secret-0123456789abcdef0123456789abcdef' };
    const client = h.client({
      access: { baseUrl: h.access.baseUrl, authorize: async ({ method, url }) => appAuthorization(h.sim, wrong, method, new URL(url).pathname + new URL(url).search) },
    });
    const error = await client.getUpdatedWorklogs({ sinceMs: 0 }).catch((e: unknown) => e);
    expect(isAppError(error, 'JIRA_AUTH_FAILED')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
    expect(h.sent).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });
});
