import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ReportColumnRow } from '../../store/tenant-store.js';
import { BLOCK_ROWS } from './column-arrays.js';
import { dictionaryBytes, estimateColumnsBytes, typedArrayBytes } from './columns-byte-size.js';
import { fixtureWorklogs } from './engine-fixtures.js';
import { loadWorklogColumns, WorklogColumns } from './worklog-columns.js';

/** Bytes per slot of the row columns: id, started, seconds (Float64), account, issue (Int32), alive (Uint8). */
const SLOT_BYTES = 8 + 8 + 8 + 4 + 4 + 1;
/** Per block of rows: the started-time bounds, two Float64. */
const BLOCK_BYTES = 16;

/**
 * A tenant of `rows` worklogs, as a store's report-column scan yields it: by default shaped like
 * bench:reports' (0.45·√N authors with 24-character Atlassian account ids, one issue per 20
 * worklogs).
 */
function syntheticScan(rows: number, { authors = Math.round(0.45 * Math.sqrt(rows)), issues = Math.round(rows / 20) } = {}) {
  return {
    countWorklogs: async () => rows,
    async *scanReportColumns(): AsyncIterable<ReportColumnRow[]> {
      for (let start = 0; start < rows; start += 5000) {
        const batch: ReportColumnRow[] = [];
        for (let i = start; i < Math.min(rows, start + 5000); i++) {
          batch.push([10_000 + i, `5b10ac8d82e05b22cc7d${(0x1000 + ((i * 7919) % authors)).toString(16)}`, 100_000 + ((i * 31) % issues), Date.UTC(2023, 0, 1) + i * 60_000, 900]);
        }
        yield batch;
      }
    },
  };
}

/** V8's collector, which vitest's workers do not expose by default. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('report columns byte size', () => {
  it('counts the typed arrays exactly: every slot of capacity and every block', async () => {
    const columns = await loadWorklogColumns({ countWorklogs: async () => 5000, scanReportColumns: syntheticScan(5000).scanReportColumns });
    // A load reserves exactly the counted rows.
    expect(columns.arrays.ids.length).toBe(5000);
    expect(typedArrayBytes(columns.arrays)).toBe(5000 * SLOT_BYTES + Math.ceil(5000 / BLOCK_ROWS) * BLOCK_BYTES);
    // Growth by writes allocates 1.5× the capacity, and the count follows it.
    columns.upsert(fixtureWorklogs(10, 1, 1_000_000));
    expect(columns.arrays.ids.length).toBe(7500);
    expect(typedArrayBytes(columns.arrays)).toBe(7500 * SLOT_BYTES + Math.ceil(7500 / BLOCK_ROWS) * BLOCK_BYTES);
  });

  it('adds the dictionaries and what the columns report of their derived structures', () => {
    const columns = new WorklogColumns();
    const empty = estimateColumnsBytes(columns);
    columns.upsert(fixtureWorklogs(100));
    // 7 authors and 30 issues appeared; no rows beyond the initial capacity.
    expect(estimateColumnsBytes(columns) - empty).toBe(dictionaryBytes(columns.arrays) - dictionaryBytes({ ...columns.arrays, accounts: [''], issues: [] }));
    expect(estimateColumnsBytes({ arrays: columns.arrays, derivedBytes: () => 12_345 })).toBe(estimateColumnsBytes(columns) + 12_345);
  });

  it('counts each kept zone\'s day column and, once built, its author × day rollup', () => {
    const columns = new WorklogColumns();
    columns.upsert(fixtureWorklogs(200));
    expect(columns.derivedBytes()).toBe(0);
    const before = estimateColumnsBytes(columns);
    const zone = columns.daysIn('Europe/Berlin');
    // A day (Int32) per slot of capacity, counted from the array itself.
    expect(columns.derivedBytes()).toBe(zone.days.byteLength);
    expect(estimateColumnsBytes(columns) - before).toBe(zone.days.byteLength);
    const cube = zone.cube(columns.arrays);
    expect(cube).toBeDefined();
    const cubeBytes = cube!.cells.byteLength + cube!.monthCells.byteLength + cube!.monthOfRow.byteLength + cube!.monthStartRow.byteLength;
    expect(columns.derivedBytes()).toBe(zone.days.byteLength + cubeBytes);
    columns.daysIn('America/New_York');
    expect(columns.derivedBytes()).toBeGreaterThan(zone.days.byteLength + cubeBytes);
  });

  const shapes = [
    { name: 'shaped like bench:reports', shape: {} },
    // Every worklog on its own issue, a new author every 10 worklogs: a wrong dictionary estimate
    // cannot hide behind the exact typed arrays.
    { name: 'with dictionaries as large as the arrays', shape: { authors: 30_000, issues: 300_000 } },
  ];
  for (const { name, shape } of shapes) {
    it(`stays within 15% of what the process grows by (heap and array buffers) at 300,000 worklogs, ${name}`, async () => {
      const gc = collector();
      const used = () => {
        gc();
        gc();
        const { heapUsed, arrayBuffers } = process.memoryUsage();
        return heapUsed + arrayBuffers;
      };
      const before = used();
      const columns = await loadWorklogColumns(syntheticScan(300_000, shape));
      const grown = used() - before;
      const estimated = estimateColumnsBytes(columns);
      expect(columns.size).toBe(300_000);
      expect(grown / estimated).toBeGreaterThan(0.85);
      expect(grown / estimated).toBeLessThan(1.15);
    });
  }
});
