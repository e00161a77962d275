import type { ResolvedReportQuery } from '../report-model.js';
import { DAY_MS, parseDateKey } from './civil-date.js';
import { BLOCK_ROWS, BLOCK_SHIFT, type ColumnArrays } from './column-arrays.js';
import type { WorklogColumns } from './worklog-columns.js';
import type { ZoneDayColumn } from './zone-day-column.js';

/*
 * A query's row selection, compiled once per query: a work-date range on the zone's day column,
 * and the author and issue filters as one byte per dictionary entry. Rows are selected block by
 * block into a reusable index vector, so every later pass (grouping, top-k) is a tight loop over
 * the selected slots only.
 */

// No zone is more than 26 hours from UTC; blocks are skipped on a started-time range widened by
// two days, so the exact test stays the day column's.
const BLOCK_MARGIN_MS = 2 * DAY_MS;

/** A compiled filter; `empty` when nothing can match (e.g. `issueIds: []`). */
export interface RowFilter {
  arrays: Readonly<ColumnArrays>;
  /** The query zone's day column (and its rollup); `days` is its array. */
  zone: ZoneDayColumn;
  days: Int32Array;
  /** Inclusive work-date range, narrowed to the days the data holds. */
  fromDay: number;
  toDay: number;
  accountAllowed: Uint8Array | undefined;
  issueAllowed: Uint8Array | undefined;
  empty: boolean;
  blocks: number;
}

/** One byte per dictionary entry: 1 for the entries of `wanted` (values not in the dictionary are skipped). */
function allowedBytes<T>(wanted: readonly T[], indexOf: (value: T) => number | undefined, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (const value of wanted) {
    const index = indexOf(value);
    if (index !== undefined) bytes[index] = 1;
  }
  return bytes;
}

/** Compiles `query`'s filters against `columns` (computing the zone's day column on first use). */
export function compileRowFilter(columns: WorklogColumns, query: ResolvedReportQuery): RowFilter {
  const fromDate = parseDateKey(query.fromDate);
  const toDate = parseDateKey(query.toDate);
  const zone = columns.daysIn(query.timeZone);
  const arrays = columns.arrays;
  const accountAllowed = query.accountIds && allowedBytes(query.accountIds, (id) => columns.indexOfAccount(id), arrays.accounts.length);
  const issueAllowed = query.issueIds && allowedBytes(query.issueIds, (id) => columns.indexOfIssue(id), arrays.issues.length);
  const fromDay = Math.max(fromDate, zone.minDay);
  const toDay = Math.min(toDate, zone.maxDay);
  const none = (bytes: Uint8Array | undefined) => bytes !== undefined && !bytes.includes(1);
  const empty = !(fromDay <= toDay) || none(accountAllowed) || none(issueAllowed);
  return {
    arrays,
    zone,
    days: zone.days,
    // Small integers (`| 0`), never doubles: V8 then keeps the hot loops' index arithmetic in
    // int32 (measured: 2× slower at 10M rows when these came from ±Infinity-initialised fields).
    fromDay: empty ? 0 : fromDay | 0,
    toDay: empty ? -1 : toDay | 0,
    accountAllowed,
    issueAllowed,
    empty,
    blocks: Math.ceil(arrays.slots / BLOCK_ROWS),
  };
}

/** False when no row of `block` can match, judged from its started-time bounds alone. */
export function blockMayMatch(filter: RowFilter, block: number): boolean {
  const { blockMinMs, blockMaxMs } = filter.arrays;
  return blockMaxMs[block]! >= filter.fromDay * DAY_MS - BLOCK_MARGIN_MS && blockMinMs[block]! < (filter.toDay + 1) * DAY_MS + BLOCK_MARGIN_MS;
}

/** Writes the matching slots of `block` into `selection` (ascending); returns how many. */
export function selectBlock(filter: RowFilter, block: number, selection: Int32Array): number {
  const { days, fromDay, toDay, accountAllowed, issueAllowed } = filter;
  const { accountIndex, issueIndex, slots } = filter.arrays;
  const start = block << BLOCK_SHIFT;
  const end = Math.min(slots, start + BLOCK_ROWS);
  let count = 0;
  // Removed rows carry DEAD_DAY, so the date test also drops them.
  if (accountAllowed === undefined && issueAllowed === undefined) {
    for (let slot = start; slot < end; slot++) {
      const day = days[slot]!;
      if (day >= fromDay && day <= toDay) selection[count++] = slot;
    }
    return count;
  }
  for (let slot = start; slot < end; slot++) {
    const day = days[slot]!;
    if (day < fromDay || day > toDay) continue;
    if (accountAllowed !== undefined && accountAllowed[accountIndex[slot]!] === 0) continue;
    if (issueAllowed !== undefined && issueAllowed[issueIndex[slot]!] === 0) continue;
    selection[count++] = slot;
  }
  return count;
}

/** Calls `visit` with the selection of every block that has matching rows, in slot order. */
export function forEachSelection(filter: RowFilter, visit: (selection: Int32Array, count: number) => void): void {
  if (filter.empty) return;
  const selection = new Int32Array(BLOCK_ROWS);
  for (let block = 0; block < filter.blocks; block++) {
    if (!blockMayMatch(filter, block)) continue;
    const count = selectBlock(filter, block, selection);
    if (count > 0) visit(selection, count);
  }
}
