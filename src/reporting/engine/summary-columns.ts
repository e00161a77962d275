import type { ReportSort, Totals } from '../report-model.js';
import type { GroupColumns } from '../summary-wire.js';
import type { CellVisitor } from './group-cells.js';
import type { GroupLevel } from './group-levels.js';

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A summary as the API sends it: the grand total and the groups as columns, depth first. */
export interface ColumnSummary {
  total: Totals;
  columns: GroupColumns;
}

/** Growable typed columns of the groups in the order the cells create them (depth-first pre-order). */
class PreOrderGroups {
  count = 0;
  level = new Int32Array(1024);
  code = new Int32Array(1024);
  seconds = new Float64Array(1024);
  worklogs = new Float64Array(1024);

  add(level: number, code: number): number {
    if (this.count === this.level.length) this.#grow();
    const at = this.count++;
    this.level[at] = level;
    this.code[at] = code;
    return at;
  }

  #grow(): void {
    const size = this.level.length * 2;
    const grow = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.level = grow(this.level, new Int32Array(size));
    this.code = grow(this.code, new Int32Array(size));
    this.seconds = grow(this.seconds, new Float64Array(size));
    this.worklogs = grow(this.worklogs, new Float64Array(size));
  }
}

/**
 * Builds a summary from the cells `collect` reports in ascending code order (see groupCells):
 * totals on every level are the sums of their cells, the grand total the sum of all; groups are
 * sorted at every level by `sort` (ties on seconds by key ascending; date levels by time). They
 * are written straight into the wire's columns, without a group object per group: an answer of
 * tens of thousands of groups leaves almost nothing for the collector (at 1M worklogs, all
 * history by user × month, a tree's 22,000 objects were the largest part of a request's garbage).
 * A tree, where one is wanted, is rebuilt from the columns (`groupTree`).
 *
 * The cells arrive in ascending code order, so the groups they open come in depth-first
 * pre-order: each group's subtree is the contiguous run after it. Sorting siblings reorders those
 * runs while the columns are written.
 */
export function buildSummaryColumns(levels: readonly GroupLevel[], sort: ReportSort, collect: (visit: CellVisitor) => void): ColumnSummary {
  const depth = levels.length;
  const total = { seconds: 0, worklogs: 0 };
  const groups = new PreOrderGroups();
  const path = new Int32Array(Math.max(depth, 1));
  const pathCodes = new Int32Array(Math.max(depth, 1)).fill(-1);
  collect((codes, seconds, worklogs) => {
    total.seconds += seconds;
    total.worklogs += worklogs;
    let l = 0;
    while (l < depth && pathCodes[l] === codes[l]) l++;
    for (; l < depth; l++) {
      path[l] = groups.add(l, codes[l] as number);
      pathCodes[l] = codes[l] as number;
    }
    for (let k = 0; k < depth; k++) {
      const at = path[k] as number;
      groups.seconds[at]! += seconds;
      groups.worklogs[at]! += worklogs;
    }
  });

  const count = groups.count;
  // Subtree sizes: a group's run ends where the next group of its level or a shallower one starts.
  const size = new Int32Array(count);
  const open: number[] = [];
  for (let i = 0; i <= count; i++) {
    const level = i < count ? (groups.level[i] as number) : -1;
    while (open.length > 0 && (groups.level[open[open.length - 1] as number] as number) >= level) {
      const closed = open.pop() as number;
      size[closed] = i - closed;
    }
    if (i < count) open.push(i);
  }

  const keyOf = levels.map((level) => {
    const keys: (string | undefined)[] = [];
    return (code: number) => (keys[code] ??= level.key(code));
  });
  const columns: GroupColumns = { depth: new Array<number>(count).fill(0), key: new Array<string>(count).fill(''), seconds: new Array<number>(count).fill(0), worklogs: new Array<number>(count).fill(0) };
  const direction = sort.direction === 'asc' ? 1 : -1;
  let written = 0;

  /** Writes the siblings in [first, end) (each followed by its subtree) in sorted order. */
  const emit = (first: number, end: number, level: number) => {
    const siblings: number[] = [];
    for (let i = first; i < end; i += size[i] as number) siblings.push(i);
    const key = keyOf[level] as (code: number) => string;
    const secondsOf = (i: number) => groups.seconds[i] as number;
    if ((levels[level] as GroupLevel).chronological) {
      // Code order is time order: by key, no sort (or a reverse); by seconds, a stable sort keeps time order on ties.
      if (sort.by === 'seconds') siblings.sort((a, b) => direction * (secondsOf(a) - secondsOf(b)));
      else if (direction < 0) siblings.reverse();
    } else if (sort.by === 'key') {
      siblings.sort((a, b) => direction * compareText(key(groups.code[a] as number), key(groups.code[b] as number)));
    } else {
      siblings.sort((a, b) => direction * (secondsOf(a) - secondsOf(b)) || compareText(key(groups.code[a] as number), key(groups.code[b] as number)));
    }
    for (const i of siblings) {
      columns.depth[written] = level;
      columns.key[written] = key(groups.code[i] as number);
      columns.seconds[written] = groups.seconds[i] as number;
      columns.worklogs[written] = groups.worklogs[i] as number;
      written++;
      if (level + 1 < depth) emit(i + 1, i + (size[i] as number), level + 1);
    }
  };
  if (depth > 0) emit(0, count, 0);
  return { total, columns };
}
