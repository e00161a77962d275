import { describe, expect, it } from 'vitest';
import type { WorklogRow } from '../../store/worklog-row.js';
import type { ResolvedReportQuery } from '../report-model.js';
import {
  columnsContent,
  FIXTURE_ACCOUNTS,
  FIXTURE_ISSUES,
  fixtureIssueInfo,
  fixtureWorklogs,
  referenceDetails,
  referenceSummary,
  reportFieldsOf,
  seededRandom,
} from './engine-fixtures.js';
import { summarizeColumns } from './summarize.js';
import { WorklogColumns } from './worklog-columns.js';

const query: ResolvedReportQuery = {
  fromDate: '2025-01-01',
  toDate: '2027-12-31',
  timeZone: 'Europe/Berlin',
  groupBy: ['month', 'user'],
  sort: { by: 'key', direction: 'asc' },
};

describe('WorklogColumns', () => {
  it('holds exactly the upserted rows, replacing by id', () => {
    const columns = new WorklogColumns();
    const rows = fixtureWorklogs(50);
    columns.upsert(rows);
    const edited = { ...(rows[10] as WorklogRow), accountId: null, clientIssueId: 99, startedMs: 5, timeSpentSeconds: 7 };
    columns.upsert([edited]);
    expect(columns.size).toBe(50);
    expect(columnsContent(columns)).toEqual(reportFieldsOf(rows.map((row) => (row.clientWorklogId === edited.clientWorklogId ? edited : row))));
  });

  it('removes rows by id, ignores absent ids, and takes a removed id back', () => {
    const columns = new WorklogColumns();
    const rows = fixtureWorklogs(20);
    columns.upsert(rows);
    columns.remove([3, 3, 7, 999]);
    expect(columns.size).toBe(18);
    columns.upsert([rows[2] as WorklogRow]);
    expect(columnsContent(columns)).toEqual(reportFieldsOf(rows.filter((row) => row.clientWorklogId !== 7)));
  });

  it('refuses an id that is not an integer', () => {
    expect(() => new WorklogColumns().upsert([{ ...(fixtureWorklogs(1)[0] as WorklogRow), clientWorklogId: 1.5 }])).toThrow(RangeError);
  });

  it('stays equal to its rows through random writes, compactions and a kept zone column', () => {
    const next = seededRandom(11);
    const columns = new WorklogColumns({ compactAfter: 64 });
    const model = new Map<number, WorklogRow>();
    // The zone column and its author × day rollup exist before the writes, so every later write
    // must keep them in step (and compactions reorder the column).
    const viaRollup = () => summarizeColumns(columns, query, fixtureIssueInfo, { rollup: 'whenever' });
    viaRollup();
    const pool = fixtureWorklogs(3000, 5);
    let compactions = 0;
    for (let round = 0; round < 60; round++) {
      const before = columns.arrays;
      const upserts: WorklogRow[] = [];
      for (let i = 0; i < 40; i++) {
        const template = pool[Math.floor(next() * pool.length)] as WorklogRow;
        // New ids both above and below the ids held (below ones go off the sorted run).
        const id = next() < 0.5 ? Math.floor(next() * 20_000) + 1 : 20_000 + round * 100 + i;
        // Now and then a new author (beyond the rollup's room) or a day far outside its span.
        const accountId = round % 20 === 19 ? `new-${round}-${i}` : (FIXTURE_ACCOUNTS[Math.floor(next() * 8)] ?? null);
        const startedMs = round % 25 === 24 && i === 0 ? Date.UTC(2027, 10, 1) : template.startedMs;
        const row = { ...template, clientWorklogId: id, accountId, startedMs, clientIssueId: FIXTURE_ISSUES[Math.floor(next() * 30)] as number };
        upserts.push(row);
        model.set(id, row);
      }
      columns.upsert(upserts);
      const held = [...model.keys()];
      const removed = Array.from({ length: 25 }, () => held[Math.floor(next() * held.length)] as number);
      columns.remove(removed);
      for (const id of removed) model.delete(id);
      if (columns.arrays.slots < before.slots) compactions++;
      expect(columnsContent(columns)).toEqual(reportFieldsOf(model.values()));
      expect(viaRollup(), `round ${round}`).toEqual(referenceSummary([...model.values()], query, fixtureIssueInfo));
    }
    expect(compactions).toBeGreaterThan(3);
    const rows = [...model.values()];
    expect(columns.summarize(query, fixtureIssueInfo)).toEqual(referenceSummary(rows, query, fixtureIssueInfo));
    expect(columns.details(query, { limit: 100_000 }).refs).toEqual(referenceDetails(rows, query));
  });

  it('keeps ids findable after a compaction folds appended rows into the sorted run', () => {
    const columns = new WorklogColumns({ compactAfter: 1_000_000 });
    const rows = fixtureWorklogs(500).reverse(); // descending ids: all but the first go off the run
    columns.upsert(rows);
    columns.compact();
    const { ids, slots } = columns.arrays;
    expect(Array.from(ids.subarray(0, slots))).toEqual(rows.map((row) => row.clientWorklogId).reverse());
    columns.remove(rows.slice(0, 250).map((row) => row.clientWorklogId));
    expect(columnsContent(columns)).toEqual(reportFieldsOf(rows.slice(250)));
  });
});
