import type { GroupNode, ReportSort, ReportSummary } from '../report-model.js';
import type { CellVisitor } from './group-cells.js';
import type { GroupLevel } from './group-levels.js';

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Each level's key per code, computed once per query (a month key is built once, not per user). */
function keyTable(level: GroupLevel): (code: number) => string {
  const keys: (string | undefined)[] = [];
  return (code) => (keys[code] ??= level.key(code));
}

/**
 * Sorts one level's siblings. They arrive in code order, which for date levels is time order: so
 * by key, date levels need no sort (or a reverse), and the stable sort by seconds breaks ties in
 * time order. Other levels compare keys as text (ids as text, per the report model).
 */
function sortSiblings(nodes: GroupNode[], level: GroupLevel, sort: ReportSort): void {
  const direction = sort.direction === 'asc' ? 1 : -1;
  if (level.chronological) {
    if (sort.by === 'seconds') nodes.sort((a, b) => direction * (a.seconds - b.seconds));
    else if (direction < 0) nodes.reverse();
    return;
  }
  if (sort.by === 'key') nodes.sort((a, b) => direction * compareText(a.key, b.key));
  else nodes.sort((a, b) => direction * (a.seconds - b.seconds) || compareText(a.key, b.key));
}

function sortTree(nodes: GroupNode[], levels: readonly GroupLevel[], depth: number, sort: ReportSort): void {
  sortSiblings(nodes, levels[depth] as GroupLevel, sort);
  if (depth + 1 < levels.length) for (const node of nodes) sortTree(node.children as GroupNode[], levels, depth + 1, sort);
}

/**
 * Builds the summary from the cells `collect` reports in ascending code order (see groupCells):
 * each cell extends the path of groups it shares with the previous one, so no lookups are needed,
 * and the groups are the report's own nodes (no second tree to convert). Totals at every level
 * are the sums of their cells, the grand total the sum of all; groups are sorted at every level
 * by `sort` (ties on seconds by key ascending).
 */
export function buildSummary(levels: readonly GroupLevel[], sort: ReportSort, collect: (visit: CellVisitor) => void): ReportSummary {
  const depth = levels.length;
  const keys = levels.map(keyTable);
  const total = { seconds: 0, worklogs: 0 };
  const top: GroupNode[] = [];
  const path: GroupNode[] = [];
  const pathCodes = new Int32Array(depth).fill(-1);
  collect((codes, seconds, worklogs) => {
    total.seconds += seconds;
    total.worklogs += worklogs;
    let l = 0;
    while (l < depth && pathCodes[l] === codes[l]) l++;
    for (; l < depth; l++) {
      const code = codes[l] as number;
      const key = (keys[l] as (code: number) => string)(code);
      const node: GroupNode = l < depth - 1 ? { key, seconds: 0, worklogs: 0, children: [] } : { key, seconds: 0, worklogs: 0 };
      (l === 0 ? top : ((path[l - 1] as GroupNode).children as GroupNode[])).push(node);
      path[l] = node;
      pathCodes[l] = code;
    }
    for (let k = 0; k < depth; k++) {
      const node = path[k] as GroupNode;
      node.seconds += seconds;
      node.worklogs += worklogs;
    }
  });
  if (depth > 0) sortTree(top, levels, 0, sort);
  return { total, groups: top };
}
