import { describe, expect, it } from 'vitest';
import { GROUP_DIMENSIONS, NO_ACCOUNT_KEY, type GroupDimension, type ReportSort, type ResolvedReportQuery } from '../report-model.js';
import { FIXTURE_ISSUES, fixtureIssueInfo, fixtureWorklogs, referenceMatches, referenceSummary, worklogAt } from './engine-fixtures.js';
import { summarizeAsColumns, summarizeColumns } from './summarize.js';
import { groupTree } from '../summary-wire.js';
import { WorklogColumns } from './worklog-columns.js';

const ZONES = ['Asia/Tokyo', 'Europe/Berlin', 'America/New_York'] as const;
const rows = fixtureWorklogs(4000, 7);
const columns = new WorklogColumns();
columns.upsert(rows);

const query = (overrides: Partial<ResolvedReportQuery>): ResolvedReportQuery => ({
  fromDate: '2025-01-01',
  toDate: '2027-12-31',
  timeZone: 'UTC',
  groupBy: [],
  sort: { by: 'key', direction: 'asc' },
  ...overrides,
});

const COMBINATIONS: GroupDimension[][] = [
  ['user', 'month'],
  ['project', 'parent', 'issue'],
  ['year', 'week', 'day'],
  ['month', 'user', 'issue', 'day'],
  ['parent', 'user'],
  ['week', 'project'],
  ['issue', 'year', 'user', 'parent'],
];
const SORTS: ReportSort[] = [
  { by: 'key', direction: 'asc' },
  { by: 'key', direction: 'desc' },
  { by: 'seconds', direction: 'desc' },
  { by: 'seconds', direction: 'asc' },
];

describe('summarize', () => {
  describe.each(ZONES)('in %s', (timeZone) => {
    it.each(GROUP_DIMENSIONS)('totals every %s group exactly as an independent count does', (dimension) => {
      const q = query({ timeZone, fromDate: '2025-09-14', toDate: '2026-11-03', groupBy: [dimension] });
      const summary = columns.summarize(q, fixtureIssueInfo);
      expect(summary).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
      expect(summary.groups.length).toBeGreaterThan(1);
    });

    it.each(COMBINATIONS.map((groupBy, i) => [groupBy.join(' × '), groupBy, SORTS[i % SORTS.length] as ReportSort] as const))(
      'totals %s at every level, sorted as asked',
      (_name, groupBy, sort) => {
        const q = query({ timeZone, fromDate: '2026-01-01', toDate: '2026-12-31', groupBy, sort });
        expect(columns.summarize(q, fixtureIssueInfo)).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
      },
    );

    it('filters by authors (the no-author key included) and by issues', () => {
      const q = query({ timeZone, groupBy: ['user', 'issue'], accountIds: ['acc-2', NO_ACCOUNT_KEY, 'nobody'], issueIds: FIXTURE_ISSUES.slice(3, 12) });
      const summary = columns.summarize(q, fixtureIssueInfo);
      expect(summary).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
      expect(summary.groups.map((group) => group.key)).toEqual([NO_ACCOUNT_KEY, 'acc-2']);
    });

    it('applies filters and the date range together, both ends inclusive', () => {
      // Both ends are days with many rows (DST changes in Berlin and New York).
      const q = query({ timeZone, fromDate: '2026-03-08', toDate: '2026-03-29', groupBy: ['day', 'user'], accountIds: ['acc-1', 'acc-3', 'acc-5', NO_ACCOUNT_KEY], issueIds: FIXTURE_ISSUES.slice(0, 20) });
      const summary = columns.summarize(q, fixtureIssueInfo);
      expect(summary).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
      expect([summary.groups[0]?.key, summary.groups.at(-1)?.key]).toEqual(['2026-03-08', '2026-03-29']);
    });
  });

  it('counts a worklog started 23:30 in Tokyo on that Tokyo day, and 00:30 on the next', () => {
    const tokyo = new WorklogColumns();
    tokyo.upsert([worklogAt(1, Date.UTC(2026, 2, 10, 14, 30)), worklogAt(2, Date.UTC(2026, 2, 10, 15, 30), { timeSpentSeconds: 60 })]);
    const byDay = (timeZone: string) => tokyo.summarize(query({ timeZone, groupBy: ['day'] }), () => undefined).groups.map((g) => [g.key, g.seconds]);
    expect(byDay('Asia/Tokyo')).toEqual([['2026-03-10', 1800], ['2026-03-11', 60]]);
    expect(byDay('UTC')).toEqual([['2026-03-10', 1860]]);
  });

  it('follows DST in Berlin and New York where a fixed offset would move the day', () => {
    const dst = new WorklogColumns();
    dst.upsert([
      worklogAt(1, Date.UTC(2026, 2, 29, 22, 30)), // 00:30 CEST on 03-30 (a winter offset says 23:30 on 03-29)
      worklogAt(2, Date.UTC(2026, 2, 9, 4, 30)), // 00:30 EDT on 03-09 (EST says 23:30 on 03-08)
      worklogAt(3, Date.UTC(2026, 10, 2, 4, 30)), // 23:30 EST on 11-01 (EDT says 00:30 on 11-02)
    ]);
    const days = (timeZone: string) => dst.summarize(query({ timeZone, groupBy: ['day'] }), () => undefined).groups.map((g) => g.key);
    expect(days('Europe/Berlin')).toEqual(['2026-03-09', '2026-03-30', '2026-11-02']);
    expect(days('America/New_York')).toEqual(['2026-03-09', '2026-03-29', '2026-11-01']);
  });

  it('limits to the inclusive work-date range', () => {
    const q = query({ timeZone: 'Europe/Berlin', fromDate: '2026-03-29', toDate: '2026-03-29', groupBy: ['day'] });
    const summary = columns.summarize(q, fixtureIssueInfo);
    expect(summary.groups.map((g) => g.key)).toEqual(['2026-03-29']);
    expect(summary.total.worklogs).toBe(rows.filter((row) => referenceMatches(row, q)).length);
    expect(summary.total.worklogs).toBeGreaterThan(0);
  });

  it('gives the grand total without groups, and nothing for an empty issue list or a range without data', () => {
    const all = query({ timeZone: 'Asia/Tokyo' });
    expect(columns.summarize(all, fixtureIssueInfo)).toEqual({
      total: { seconds: rows.reduce((sum, row) => sum + row.timeSpentSeconds, 0), worklogs: rows.length },
      groups: [],
    });
    expect(columns.summarize({ ...all, groupBy: ['user'], issueIds: [] }, fixtureIssueInfo)).toEqual({ total: { seconds: 0, worklogs: 0 }, groups: [] });
    expect(columns.summarize({ ...all, fromDate: '2030-01-01', toDate: '2030-12-31' }, fixtureIssueInfo).total).toEqual({ seconds: 0, worklogs: 0 });
    expect(columns.summarize({ ...all, toDate: '2024-01-01' }, fixtureIssueInfo).total).toEqual({ seconds: 0, worklogs: 0 });
  });

  it('filters authors in the author × day rollup too', () => {
    for (const timeZone of ZONES) {
      const q = query({ timeZone, fromDate: '2026-03-01', toDate: '2026-11-30', groupBy: ['user', 'week'], accountIds: ['acc-3', NO_ACCOUNT_KEY] });
      expect(summarizeColumns(columns, q, fixtureIssueInfo, { rollup: 'whenever' })).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
    }
  });

  it('sorts ties on seconds by key ascending', () => {
    const tied = new WorklogColumns();
    tied.upsert(['acc-c', 'acc-a', 'acc-b'].map((accountId, i) => worklogAt(i + 1, Date.UTC(2026, 0, 5), { accountId })));
    const keys = (direction: 'asc' | 'desc') => tied.summarize(query({ groupBy: ['user'], sort: { by: 'seconds', direction } }), () => undefined).groups.map((g) => g.key);
    expect(keys('desc')).toEqual(['acc-a', 'acc-b', 'acc-c']);
    expect(keys('asc')).toEqual(['acc-a', 'acc-b', 'acc-c']);
  });

  it.each([
    ['the sparse cell map', { denseCellLimit: 10 }],
    ['text cell keys', { denseCellLimit: 10, numericCellLimit: 10 }],
    ['the author × day rollup wherever it applies', { rollup: 'whenever' as const }],
  ])('gives the same answers through %s', (_name, options) => {
    // Whole months, and a range that cuts its first and last month (the rollup's month sums
    // cover only whole months; the cut ones come from its days).
    for (const [fromDate, toDate] of [['2026-02-01', '2026-11-30'], ['2026-02-14', '2026-11-03'], ['2026-03-02', '2026-03-30']] as const) {
      for (const groupBy of [...COMBINATIONS, ['user'], ['week', 'user'], ['day'], ['user', 'year'], ['month'], []] as GroupDimension[][]) {
        const q = query({ timeZone: 'America/New_York', fromDate, toDate, groupBy, sort: { by: 'seconds', direction: 'desc' } });
        expect(summarizeColumns(columns, q, fixtureIssueInfo, options), `${groupBy.join('×')} ${fromDate}..${toDate}`).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
      }
    }
  });

  it('refuses more than four levels, a malformed date and an unknown zone', () => {
    expect(() => columns.summarize(query({ groupBy: ['user', 'issue', 'day', 'week', 'month'] }), fixtureIssueInfo)).toThrow(RangeError);
    expect(() => columns.summarize(query({ fromDate: '2026-02-30' }), fixtureIssueInfo)).toThrow(RangeError);
    expect(() => columns.summarize(query({ timeZone: 'Europe/Atlantis' }), fixtureIssueInfo)).toThrow(RangeError);
  });
});

describe('summarizeAsColumns', () => {
  // The API's path: depth-first columns whose tree is the independent reference's, for every
  // combination and sort (the tree API is built from these columns too).
  it.each(ZONES)('writes the reference summary depth first, for every combination and sort, in %s', (timeZone) => {
    for (const groupBy of [...COMBINATIONS, ...GROUP_DIMENSIONS.map((dimension) => [dimension]), ['user', 'year'], []] as GroupDimension[][]) {
      for (const sort of SORTS) {
        for (const [fromDate, toDate] of [['2025-01-01', '2027-12-31'], ['2026-02-14', '2026-11-03']] as const) {
          const q = query({ timeZone, fromDate, toDate, groupBy, sort });
          const expected = referenceSummary(rows, q, fixtureIssueInfo);
          const answer = summarizeAsColumns(columns, q, fixtureIssueInfo);
          expect({ total: answer.total, groups: groupTree(answer.columns) }, `${groupBy.join('×')} ${sort.by} ${sort.direction}`).toEqual(expected);
        }
      }
    }
  });

  it('gives empty columns for a range without data, and the same through the sparse and text cell paths', () => {
    expect(summarizeAsColumns(columns, query({ fromDate: '1990-01-01', toDate: '1990-12-31', groupBy: ['user'] }), fixtureIssueInfo)).toEqual({ total: { seconds: 0, worklogs: 0 }, columns: { depth: [], key: [], seconds: [], worklogs: [] } });
    for (const options of [{ denseCellLimit: 10 }, { denseCellLimit: 10, numericCellLimit: 10 }, { rollup: 'whenever' as const }]) {
      const q = query({ timeZone: 'Europe/Berlin', groupBy: ['month', 'user', 'issue'], sort: { by: 'seconds', direction: 'desc' } });
      const answer = summarizeAsColumns(columns, q, fixtureIssueInfo, options);
      expect({ total: answer.total, groups: groupTree(answer.columns) }).toEqual(referenceSummary(rows, q, fixtureIssueInfo));
    }
  });
});
