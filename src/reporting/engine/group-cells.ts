import { BLOCK_ROWS } from './column-arrays.js';
import type { GroupLevel } from './group-levels.js';
import { forEachSelection, type RowFilter } from './row-filter.js';

/*
 * The grouping pass: every selected row adds its seconds to the cell of its level codes. A cell
 * is the mixed-radix number Σ code_l × stride_l, so the common shapes (users × months, issues of a
 * set) index two plain arrays. Past `denseCellLimit` possible cells the cells live in a Map keyed
 * by that number; past 2^53 possible cells (four huge levels) by the codes as text — slow, exact.
 */

/** One non-empty group of the last level: its code on every level, and its totals. */
export type CellVisitor = (codes: readonly number[], seconds: number, worklogs: number) => void;

/** Tuning of the grouping pass (tests lower it to reach every path). */
export interface GroupCellsOptions {
  /** Most possible cells kept in dense arrays; default 2^21 (24 MB of arrays at most). */
  denseCellLimit?: number;
  /** Most possible cells numbered by one double; default 2^53 − 1 (exact integers). */
  numericCellLimit?: number;
}

const DEFAULT_DENSE_CELL_LIMIT = 1 << 21;

/** Adds each selected row's code on `level`, times `stride`, to `cells`. */
function addLevelCells(level: GroupLevel, stride: number, selection: Int32Array, count: number, cells: Float64Array): void {
  const { base, baseOffset, lut } = level;
  if (lut === undefined) {
    for (let k = 0; k < count; k++) cells[k]! += (base[selection[k]!]! - baseOffset) * stride;
  } else {
    for (let k = 0; k < count; k++) cells[k]! += lut[base[selection[k]!]! - baseOffset]! * stride;
  }
}

function levelCode(level: GroupLevel, slot: number): number {
  const value = level.base[slot]! - level.baseOffset;
  return level.lut === undefined ? value : level.lut[value]!;
}

/**
 * Groups the rows `filter` selects by `levels` and calls `visit` once per non-empty cell, in no
 * particular order. Sums are exact: whole seconds added in doubles stay exact below 2^53.
 */
export function groupCells(filter: RowFilter, levels: readonly GroupLevel[], visit: CellVisitor, options: GroupCellsOptions = {}): void {
  const { seconds } = filter.arrays;
  const strides = levels.map(() => 1);
  for (let l = levels.length - 2; l >= 0; l--) strides[l] = (strides[l + 1] as number) * (levels[l + 1] as GroupLevel).cardinality;
  const possible = levels.length === 0 ? 1 : (strides[0] as number) * (levels[0] as GroupLevel).cardinality;
  // `%` on doubles is exact, so the division below is of an exact multiple: no rounding near 2^53.
  const decode = (cell: number) =>
    levels.map((level, l) => {
      const stride = strides[l] as number;
      return ((cell - (cell % stride)) / stride) % level.cardinality;
    });

  if (possible > (options.numericCellLimit ?? Number.MAX_SAFE_INTEGER)) {
    const wide = new Map<string, { codes: number[]; seconds: number; worklogs: number }>();
    forEachSelection(filter, (selection, count) => {
      for (let k = 0; k < count; k++) {
        const slot = selection[k]!;
        const codes = levels.map((level) => levelCode(level, slot));
        const key = codes.join(':');
        const cell = wide.get(key) ?? { codes, seconds: 0, worklogs: 0 };
        cell.seconds += seconds[slot]!;
        cell.worklogs++;
        wide.set(key, cell);
      }
    });
    for (const cell of wide.values()) visit(cell.codes, cell.seconds, cell.worklogs);
    return;
  }

  const cells = new Float64Array(BLOCK_ROWS);
  const cellsOf = (selection: Int32Array, count: number) => {
    cells.fill(0, 0, count);
    levels.forEach((level, l) => addLevelCells(level, strides[l] as number, selection, count, cells));
  };

  if (possible <= (options.denseCellLimit ?? DEFAULT_DENSE_CELL_LIMIT)) {
    const sums = new Float64Array(possible);
    const counts = new Float64Array(possible);
    forEachSelection(filter, (selection, count) => {
      cellsOf(selection, count);
      for (let k = 0; k < count; k++) {
        const cell = cells[k]!;
        sums[cell]! += seconds[selection[k]!]!;
        counts[cell]!++;
      }
    });
    for (let cell = 0; cell < possible; cell++) if (counts[cell]! > 0) visit(decode(cell), sums[cell]!, counts[cell]!);
    return;
  }

  const indexOf = new Map<number, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  forEachSelection(filter, (selection, count) => {
    cellsOf(selection, count);
    for (let k = 0; k < count; k++) {
      const cell = cells[k]!;
      let index = indexOf.get(cell);
      if (index === undefined) {
        index = sums.push(0) - 1;
        counts.push(0);
        indexOf.set(cell, index);
      }
      sums[index]! += seconds[selection[k]!]!;
      counts[index]!++;
    }
  });
  for (const [cell, index] of indexOf) visit(decode(cell), sums[index]!, counts[index]!);
}
