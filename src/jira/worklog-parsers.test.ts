import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/app-error.js';
import { parseChangedWorklogsPage, parseIssueWorklogsPage, parseSearchIdsPage, parseServerTimeMs, parseWorklogList } from './worklog-parsers.js';

/** Atlassian's v3 worklog example (jira-connect-protocol.md §1.4), plus `created`. */
function specWorklog(): Record<string, unknown> {
  return {
    author: { accountId: '5b10a2844c20165700ede21g', active: false, displayName: 'Mia Krystof' },
    comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'I did some work here.' }] }] },
    id: '100028',
    issueId: '10002',
    self: 'https://your-domain.atlassian.net/rest/api/3/issue/10010/worklog/10000',
    created: '2021-01-17T12:40:00.000+0300',
    started: '2021-01-17T12:34:00.000+0000',
    timeSpent: '3h 20m',
    timeSpentSeconds: 12000,
    updateAuthor: { accountId: '5b10a2844c20165700ede21g' },
    updated: '2021-01-18T23:45:00.000+0000',
    visibility: { identifier: '276f955c-63d7-42c8-9520-92d01dca0625', type: 'group', value: 'jira-developers' },
  };
}

function invalid(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the parser to refuse');
}

describe('worklog parsers', () => {
  it('turns Atlassian’s v3 example into Tally’s worklog', () => {
    const [worklog] = parseWorklogList([specWorklog()]);
    expect(worklog).toEqual({
      id: 100028,
      issueId: 10002,
      authorAccountId: '5b10a2844c20165700ede21g',
      commentJson: JSON.stringify(specWorklog().comment),
      created: '2021-01-17T12:40:00.000+0300',
      updated: '2021-01-18T23:45:00.000+0000',
      started: '2021-01-17T12:34:00.000+0000',
      timeSpentSeconds: 12000,
      startedMs: Date.UTC(2021, 0, 17, 12, 34),
      updatedMs: Date.UTC(2021, 0, 18, 23, 45),
    });
  });

  it('keeps a v2 string comment as it is and maps absent author and comment to null', () => {
    const { author: _author, comment: _comment, created: _created, ...bare } = specWorklog();
    const [v2] = parseWorklogList([{ ...specWorklog(), comment: '1m comment', author: { accountId: 'unknown' }, id: 7, issueId: 8 }]);
    expect(v2).toMatchObject({ id: 7, issueId: 8, commentJson: '1m comment', authorAccountId: null });
    const [none] = parseWorklogList([{ ...bare, author: null }]);
    // Without `created` (missing from Atlassian's own example), `updated` stands in.
    expect(none).toMatchObject({ authorAccountId: null, commentJson: null, created: '2021-01-18T23:45:00.000+0000' });
  });

  it.each(['id', 'issueId', 'started', 'updated', 'timeSpentSeconds'])('refuses the whole list when one row lacks %s', (field) => {
    const broken = specWorklog();
    delete broken[field];
    const error = invalid(() => parseWorklogList([specWorklog(), broken, specWorklog()]));
    expect(error.code).toBe('JIRA_RESPONSE_INVALID');
    expect(error.retryable).toBe(true);
    expect(error.details.join()).toContain(`1.${field}`);
  });

  it.each<[string, unknown]>([
    ['id', '12a'],
    ['id', 1e20],
    ['id', -3],
    ['issueId', null],
    ['timeSpentSeconds', -60],
    ['timeSpentSeconds', 1.5],
    ['started', '2021-01-17T12:34:00.000'],
    ['updated', 1610000000000],
    ['created', null],
    ['timeSpentSeconds', '60'],
    ['issueId', '99999999999999999'],
  ])('refuses %s = %j and never echoes the value', (field, value) => {
    const error = invalid(() => parseWorklogList([{ ...specWorklog(), [field]: value }]));
    expect(error.code).toBe('JIRA_RESPONSE_INVALID');
    expect(`${error.message} ${error.details.join()}`).not.toContain(String(value));
  });

  it('refuses an answer that is not an array of worklog objects, listing at most ten problems', () => {
    expect(invalid(() => parseWorklogList({ values: [] })).details).toEqual(['(root): expected an array of worklogs']);
    expect(invalid(() => parseWorklogList([specWorklog(), [specWorklog()]])).details).toEqual(['1: expected a worklog object']);
    const many = invalid(() => parseWorklogList(Array.from({ length: 50 }, () => ({}))));
    expect(many.details).toHaveLength(10);
    expect(invalid(() => parseIssueWorklogsPage({ startAt: 0, maxResults: 1, total: 1, worklogs: [{ ...specWorklog(), id: 'x' }] })).details).toEqual([
      'worklogs.0.id: expected a non-negative integer id',
    ]);
  });

  it('reads the change feed, tolerating a numeric-string worklogId and a null nextPage', () => {
    const page = parseChangedWorklogsPage({
      lastPage: true,
      nextPage: null,
      self: 'https://x.atlassian.net/rest/api/3/worklog/updated?since=1438013671562',
      since: 1438013671562,
      until: 1438013693136,
      values: [
        { properties: [], updatedTime: 1438013671562, worklogId: 103 },
        { updatedTime: 1438013693136, worklogId: '105' },
      ],
    });
    expect(page).toEqual({
      values: [
        { worklogId: 103, updatedTimeMs: 1438013671562 },
        { worklogId: 105, updatedTimeMs: 1438013693136 },
      ],
      sinceMs: 1438013671562,
      untilMs: 1438013693136,
      lastPage: true,
      nextPage: undefined,
    });
    expect(() => parseChangedWorklogsPage({ values: [{ worklogId: 1 }], since: 0, until: 0, lastPage: true })).toThrow(AppError);
    expect(() => parseChangedWorklogsPage('<html>')).toThrow(AppError);
  });

  it('refuses a feed page answered for another since (a replayed page), and takes one without self as it is', () => {
    const site = 'https://x.atlassian.net/rest/api/3/worklog/updated';
    const page = { values: [], since: 0, until: 0, lastPage: true, self: `${site}?since=1796647358563` };
    expect(() => parseChangedWorklogsPage(page, `${site}?since=0`)).toThrow(expect.objectContaining({ code: 'JIRA_RESPONSE_INVALID' }));
    expect(parseChangedWorklogsPage(page, `${site}?since=1796647358563`).lastPage).toBe(true);
    const { self: _self, ...withoutSelf } = page;
    expect(parseChangedWorklogsPage(withoutSelf, `${site}?since=0`).lastPage).toBe(true);
  });

  it('reads a page of issue worklogs', () => {
    const page = parseIssueWorklogsPage({ startAt: 0, maxResults: 5000, total: 1, worklogs: [specWorklog()] });
    expect(page).toMatchObject({ startAt: 0, maxResults: 5000, total: 1 });
    expect(page.worklogs[0]!.id).toBe(100028);
  });

  it('reads search id pages and drops the token on the last one', () => {
    expect(parseSearchIdsPage({ issues: [{ id: '10001' }, { id: 10002, key: 'X-2' }], nextPageToken: 'abc', isLast: false })).toEqual({ ids: [10001, 10002], nextPageToken: 'abc' });
    expect(parseSearchIdsPage({ issues: [], nextPageToken: 'abc', isLast: true })).toEqual({ ids: [], nextPageToken: undefined });
    expect(() => parseSearchIdsPage({ issues: [{ key: 'X-1' }], isLast: true })).toThrow(AppError);
  });

  it('takes serverTime, or else the Date header', () => {
    expect(parseServerTimeMs({ serverTime: '2026-11-23T11:00:00.250+0100' }, null)).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 250));
    expect(parseServerTimeMs({ serverTime: 'later' }, 'Mon, 23 Nov 2026 10:00:00 GMT')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(() => parseServerTimeMs({}, null)).toThrow(AppError);
  });
});
