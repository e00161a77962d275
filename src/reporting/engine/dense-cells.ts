import type { AccountDayCube } from './account-day-cube.js';
import { BLOCK_ROWS, BLOCK_SHIFT } from './column-arrays.js';
import type { GroupLevel } from './group-levels.js';
import { blockMayMatch, forEachSelection, type RowFilter } from './row-filter.js';

/*
 * The hot loops of the grouping pass, for up to 2^21 possible cells: every matching row adds its
 * seconds and a count to `cells` (seconds at 2·cell, count at 2·cell + 1 — one cache line per
 * cell). Reports by user and date levels only read the author × day rollup instead, when it is
 * the smaller read (10M rows, users × months over all history: 2M cells instead of 10M rows,
 * about 90 → 11 ms). For the row loops, what was measured on the bench machine (10M rows,
 * users × months, 2 cores):
 * - one loop over each run of consecutive matching blocks, not one per 4,096-row block (1.6×);
 * - without author/issue filters in the loop (filtered queries select rows per block first);
 * - date levels as the most significant digit of the cell number, so neighbouring rows (close in
 *   time) update neighbouring cells;
 * - users or issues by one date level, the commonest shape, in its own loop with the fewest live
 *   values (about 1.2× faster than the general two-level loop).
 * Typed-array reads use `!`: indexes are in range by construction.
 */

/** A level as the loops read it: always a lookup table. */
interface FusedLevel {
  base: Int32Array;
  offset: number;
  lut: Int32Array;
  stride: number;
}

function identity(size: number): Int32Array {
  const lut = new Int32Array(size);
  for (let i = 0; i < size; i++) lut[i] = i;
  return lut;
}

/**
 * The levels as the loops read them: two (for up to two levels) or four, padded with constant
 * levels (code 0 for every row in the date range, stride 0).
 */
function fusedLevels(filter: RowFilter, levels: readonly GroupLevel[], strides: readonly number[]): FusedLevel[] {
  const width = levels.length <= 2 ? 2 : 4;
  const constant: FusedLevel = { base: filter.days, offset: filter.fromDay, lut: new Int32Array(filter.toDay - filter.fromDay + 1), stride: 0 };
  const fused = levels.map((level, l): FusedLevel => ({
    base: level.base,
    offset: level.baseOffset,
    lut: level.lut ?? identity(level.cardinality),
    stride: strides[l] as number,
  }));
  while (fused.length < width) fused.push(constant);
  return fused;
}

function accumulate2(filter: RowFilter, l0: FusedLevel, l1: FusedLevel, cells: Float64Array, start: number, end: number): void {
  const { days, fromDay, toDay } = filter;
  const { seconds } = filter.arrays;
  const { base: b0, lut: t0, offset: o0, stride: s0 } = l0;
  const { base: b1, lut: t1, offset: o1, stride: s1 } = l1;
  for (let slot = start; slot < end; slot++) {
    const day = days[slot]!;
    if (day < fromDay || day > toDay) continue;
    const cell = 2 * (t0[b0[slot]! - o0]! * s0 + t1[b1[slot]! - o1]! * s1);
    cells[cell]! += seconds[slot]!;
    cells[cell + 1]!++;
  }
}

function accumulate4(filter: RowFilter, [l0, l1, l2, l3]: readonly FusedLevel[], cells: Float64Array, start: number, end: number): void {
  const { days, fromDay, toDay } = filter;
  const { seconds } = filter.arrays;
  const { base: b0, lut: t0, offset: o0, stride: s0 } = l0 as FusedLevel;
  const { base: b1, lut: t1, offset: o1, stride: s1 } = l1 as FusedLevel;
  const { base: b2, lut: t2, offset: o2, stride: s2 } = l2 as FusedLevel;
  const { base: b3, lut: t3, offset: o3, stride: s3 } = l3 as FusedLevel;
  for (let slot = start; slot < end; slot++) {
    const day = days[slot]!;
    if (day < fromDay || day > toDay) continue;
    const cell = 2 * (t0[b0[slot]! - o0]! * s0 + t1[b1[slot]! - o1]! * s1 + t2[b2[slot]! - o2]! * s2 + t3[b3[slot]! - o3]! * s3);
    cells[cell]! += seconds[slot]!;
    cells[cell + 1]!++;
  }
}

/** Users or issues (the dictionary index as is) by a date level (its table indexed from fromDay). */
function accumulateEntryByDate(filter: RowFilter, entries: Int32Array, entryStride: number, dateLut: Int32Array, dateStride: number, cells: Float64Array, start: number, end: number): void {
  const { days, fromDay, toDay } = filter;
  const { seconds } = filter.arrays;
  for (let slot = start; slot < end; slot++) {
    const day = days[slot]!;
    if (day < fromDay || day > toDay) continue;
    const cell = 2 * (entries[slot]! * entryStride + dateLut[day - fromDay]! * dateStride);
    cells[cell]! += seconds[slot]!;
    cells[cell + 1]!++;
  }
}

/** With an author or issue filter: rows selected per block, then each level adds its digit. */
function accumulateSelected(filter: RowFilter, levels: readonly FusedLevel[], cells: Float64Array): void {
  const { seconds } = filter.arrays;
  const numbers = new Float64Array(BLOCK_ROWS);
  forEachSelection(filter, (selection, count) => {
    numbers.fill(0, 0, count);
    for (const { base, lut, offset, stride } of levels) {
      for (let k = 0; k < count; k++) numbers[k]! += lut[base[selection[k]!]! - offset]! * stride;
    }
    for (let k = 0; k < count; k++) {
      const cell = 2 * numbers[k]!;
      cells[cell]! += seconds[selection[k]!]!;
      cells[cell + 1]!++;
    }
  });
}

/** Calls `visit(start, end)` for each run of consecutive blocks whose start-time bounds may match. */
function forEachBlockRun(filter: RowFilter, visit: (start: number, end: number) => void): void {
  let block = 0;
  while (block < filter.blocks) {
    if (!blockMayMatch(filter, block)) {
      block++;
      continue;
    }
    let last = block;
    while (last + 1 < filter.blocks && blockMayMatch(filter, last + 1)) last++;
    visit(block << BLOCK_SHIFT, Math.min(filter.arrays.slots, (last + 1) << BLOCK_SHIFT));
    block = last + 1;
  }
}

/** `to[at + k] += from[start + k]` for k in [0, count): empty cells add zeros. */
function addRange(to: Float64Array, at: number, from: Float64Array, start: number, count: number): void {
  for (let k = 0; k < count; k++) to[at + k]! += from[start + k]!;
}

/** Date levels whose code is the same on every day of a calendar month. */
const MONTH_ALIGNED = new Set<GroupLevel['dimension']>(['month', 'year']);

/**
 * From the author × day rollup instead of the rows: every level is a date level or the user level
 * (at most one), and no issue filter. Each day's date digits are computed once; then one pass
 * over that day's authors. When the date levels are months or years (or none), a month the range
 * covers whole is read from the month sums, one row instead of each of its days.
 */
function accumulateFromCube(filter: RowFilter, levels: readonly GroupLevel[], strides: readonly number[], cube: AccountDayCube, cells: Float64Array): void {
  const { firstDay, capacity } = cube;
  const authors = Math.min(capacity, filter.arrays.accounts.length);
  const user = levels.findIndex((level) => level.dimension === 'user');
  const userLut = user < 0 ? undefined : (levels[user] as GroupLevel).lut;
  const userStride = user < 0 ? 0 : (strides[user] as number);
  const dates = levels.flatMap((level, l) => (level.chronological ? [{ lut: level.lut as Int32Array, stride: strides[l] as number }] : []));
  const { fromDay, accountAllowed } = filter;
  const firstInRange = Math.max(fromDay, firstDay);
  const lastInRange = Math.min(filter.toDay, firstDay + cube.days - 1);
  // Every author, codes = indexes, stride 1: a day's authors map onto consecutive cells.
  const contiguous = user >= 0 && userLut === undefined && userStride === 1 && accountAllowed === undefined;

  /** Adds one row of `rollup` (a day's or a month's authors) whose date digits are those of `day`. */
  const addRow = (rollup: Float64Array, row: number, day: number) => {
    let dayPart = 0;
    for (const { lut, stride } of dates) dayPart += lut[day - fromDay]! * stride;
    const at = 2 * row * capacity;
    if (contiguous) {
      addRange(cells, 2 * dayPart, rollup, at, 2 * authors);
      return;
    }
    for (let author = 0; author < authors; author++) {
      const worklogs = rollup[at + 2 * author + 1]!;
      if (worklogs === 0 || (accountAllowed !== undefined && accountAllowed[author] === 0)) continue;
      const cell = 2 * (dayPart + (userLut === undefined ? author : userLut[author]!) * userStride);
      cells[cell]! += rollup[at + 2 * author]!;
      cells[cell + 1]! += worklogs;
    }
  };

  if (!levels.every((level) => level.dimension === 'user' || MONTH_ALIGNED.has(level.dimension))) {
    for (let day = firstInRange; day <= lastInRange; day++) addRow(cube.cells, day - firstDay, day);
    return;
  }
  const { monthStartRow, monthOfRow } = cube;
  if (firstInRange > lastInRange) return;
  for (let month = monthOfRow[firstInRange - firstDay]!; month <= monthOfRow[lastInRange - firstDay]!; month++) {
    const monthFirst = firstDay + monthStartRow[month]!;
    const monthLast = firstDay + monthStartRow[month + 1]! - 1;
    const lo = Math.max(firstInRange, monthFirst);
    const hi = Math.min(lastInRange, monthLast);
    if (lo === monthFirst && hi === monthLast) addRow(cube.monthCells, month, lo);
    else for (let day = lo; day <= hi; day++) addRow(cube.cells, day - firstDay, day);
  }
}

/**
 * The rollup when the query can use it and it is the smaller read: authors × days in range cells
 * against the rows of the blocks that may match.
 */
function usableCube(filter: RowFilter, levels: readonly GroupLevel[], rollup: 'smaller' | 'whenever'): AccountDayCube | undefined {
  if (filter.issueAllowed !== undefined) return undefined;
  if (!levels.every((level) => level.chronological || level.dimension === 'user')) return undefined;
  if (levels.filter((level) => level.dimension === 'user').length > 1) return undefined;
  let blocks = 0;
  for (let block = 0; block < filter.blocks; block++) if (blockMayMatch(filter, block)) blocks++;
  const cellsInRange = filter.arrays.accounts.length * (filter.toDay - filter.fromDay + 1);
  if (rollup === 'smaller' && cellsInRange >= blocks * BLOCK_ROWS) return undefined;
  return filter.zone.cube(filter.arrays);
}

const isEntryLevel = (level: GroupLevel) => level.lut === undefined && level.baseOffset === 0;
const isDateLevel = (filter: RowFilter, level: GroupLevel) => level.chronological && level.base === filter.days && level.baseOffset === filter.fromDay && level.lut !== undefined;

/**
 * Strides of the dense cell numbering: date levels most significant (rows next to each other are
 * close in time, since ids rise with time, so they update cells of one month or day — a few KB
 * that stay in L1 — instead of cells spread over the whole array), then the others in order.
 */
export function denseStrides(levels: readonly GroupLevel[]): number[] {
  const order = levels.map((level, l) => ({ level, l })).sort((a, b) => Number(b.level.chronological) - Number(a.level.chronological) || a.l - b.l);
  const strides = levels.map(() => 1);
  let stride = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    const { level, l } = order[k] as { level: GroupLevel; l: number };
    strides[l] = stride;
    stride *= level.cardinality;
  }
  return strides;
}

/**
 * Adds every row `filter` selects into `cells` (length 2 × possible cells), numbering cells with
 * `strides` (from {@link denseStrides}). Exact: whole seconds added in doubles stay exact below 2^53.
 */
export function accumulateDense(filter: RowFilter, levels: readonly GroupLevel[], strides: readonly number[], cells: Float64Array, rollup: 'smaller' | 'whenever'): void {
  if (filter.empty) return;
  const cube = usableCube(filter, levels, rollup);
  if (cube !== undefined) {
    accumulateFromCube(filter, levels, strides, cube, cells);
    return;
  }
  const fused = fusedLevels(filter, levels, strides);
  if (filter.accountAllowed !== undefined || filter.issueAllowed !== undefined) {
    accumulateSelected(filter, fused, cells);
    return;
  }
  const [a, b] = levels;
  if (a !== undefined && b !== undefined && levels.length === 2 && (isEntryLevel(a) || isEntryLevel(b)) && (isDateLevel(filter, a) || isDateLevel(filter, b))) {
    const [entry, date] = isEntryLevel(a) ? [0, 1] : [1, 0];
    const entryLevel = levels[entry] as GroupLevel;
    const dateLut = (levels[date] as GroupLevel).lut as Int32Array;
    forEachBlockRun(filter, (start, end) => accumulateEntryByDate(filter, entryLevel.base, strides[entry] as number, dateLut, strides[date] as number, cells, start, end));
    return;
  }
  const [l0, l1] = fused as [FusedLevel, FusedLevel];
  forEachBlockRun(filter, (start, end) => (fused.length === 2 ? accumulate2(filter, l0, l1, cells, start, end) : accumulate4(filter, fused, cells, start, end)));
}
