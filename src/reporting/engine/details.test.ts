import { describe, expect, it } from 'vitest';
import type { DetailRef, DetailsCursor, ResolvedReportQuery } from '../report-model.js';
import { NO_ACCOUNT_KEY } from '../report-model.js';
import { FIXTURE_ISSUES, fixtureWorklogs, referenceDetails, worklogAt } from './engine-fixtures.js';
import { WorklogColumns } from './worklog-columns.js';

const query = (overrides: Partial<ResolvedReportQuery> = {}): ResolvedReportQuery => ({
  fromDate: '2025-01-01',
  toDate: '2027-12-31',
  timeZone: 'Europe/Berlin',
  groupBy: [],
  sort: { by: 'key', direction: 'asc' },
  ...overrides,
});

/** Every page of `query`, following `next` until it is absent. */
function allPages(columns: WorklogColumns, q: ResolvedReportQuery, limit: number): { refs: DetailRef[]; pages: number } {
  const refs: DetailRef[] = [];
  let after: DetailsCursor | undefined;
  let pages = 0;
  do {
    const page = columns.details(q, after === undefined ? { limit } : { after, limit });
    expect(page.refs.length).toBeLessThanOrEqual(limit);
    refs.push(...page.refs);
    after = page.next;
    pages++;
  } while (after !== undefined);
  return { refs, pages };
}

// Ids that rise with the start (as in Jira), so blocks cover separate time ranges and get skipped,
// plus late rows with high ids and old starts, which the skipping must not lose.
const inOrder = fixtureWorklogs(12_000, 3)
  .sort((a, b) => a.startedMs - b.startedMs)
  .map((row, i) => ({ ...row, clientWorklogId: 1000 + i }));
const late = fixtureWorklogs(300, 4, 100_000);
const rows = [...inOrder, ...late];
const columns = new WorklogColumns();
columns.upsert(rows);

describe('details', () => {
  it.each([1, 7, 100, 5000])('lists every matching row exactly once across pages of %i, newest first', (limit) => {
    const q = query();
    const expected = referenceDetails(rows, q);
    const { refs, pages } = allPages(columns, q, limit);
    expect(refs).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / limit));
  });

  it('pages through equal start times by id, descending', () => {
    const tied = new WorklogColumns();
    const startedMs = Date.UTC(2026, 4, 4, 8);
    tied.upsert([5, 3, 1, 4, 2].map((id) => worklogAt(id, startedMs)));
    tied.upsert([worklogAt(6, startedMs - 1)]);
    const pages = [tied.details(query(), { limit: 2 })];
    while (pages.at(-1)?.next !== undefined) pages.push(tied.details(query(), { after: pages.at(-1)?.next as DetailsCursor, limit: 2 }));
    expect(pages.map((page) => page.refs.map((ref) => ref.clientWorklogId))).toEqual([[5, 4], [3, 2], [1, 6]]);
    expect(pages[0]?.next).toEqual({ startedMs, clientWorklogId: 4 });
  });

  it('finds rows of an equal start in an earlier block, where their higher ids come first', () => {
    const startedMs = Date.UTC(2026, 6, 1, 12);
    const spread = new WorklogColumns();
    // The first block holds ids 100000…; the later block the same start with lower ids.
    spread.upsert(Array.from({ length: 4096 }, (_, i) => worklogAt(100_000 + i, startedMs - (i === 4095 ? 0 : 60_000))));
    spread.upsert(Array.from({ length: 10 }, (_, i) => worklogAt(1 + i, startedMs)));
    expect(spread.details(query(), { limit: 3 }).refs.map((ref) => ref.clientWorklogId)).toEqual([104_095, 10, 9]);
  });

  it('applies the date range in the zone and the author and issue filters', () => {
    const q = query({ timeZone: 'America/New_York', fromDate: '2026-03-08', toDate: '2026-11-01', accountIds: ['acc-4', NO_ACCOUNT_KEY], issueIds: FIXTURE_ISSUES.slice(5) });
    const expected = referenceDetails(rows, q);
    expect(allPages(columns, q, 50).refs).toEqual(expected);
    expect(expected.some((ref) => ref.accountId === null)).toBe(true);
  });

  it('returns an empty last page for a cursor past the end, and nothing for no issues', () => {
    expect(columns.details(query(), { after: { startedMs: 0, clientWorklogId: 0 }, limit: 10 })).toEqual({ refs: [] });
    expect(columns.details(query({ issueIds: [] }), { limit: 10 })).toEqual({ refs: [] });
  });

  it.each([0, -1, 2.5, Number.NaN])('refuses the limit %s', (limit) => {
    expect(() => columns.details(query(), { limit })).toThrow(RangeError);
  });
});
