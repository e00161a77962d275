import type { GroupNode, ReportSort, ReportSummary } from '../report-model.js';
import type { CellVisitor } from './group-cells.js';
import type { GroupLevel } from './group-levels.js';

/** A group while cells are added: totals, and the next level's groups by code. */
interface Group {
  code: number;
  seconds: number;
  worklogs: number;
  children: Map<number, Group> | undefined;
}

interface KeyedGroup {
  group: Group;
  key: string;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The comparator of one level: by key (date levels by time, others as text) or by seconds, ties by key ascending. */
function comparator(level: GroupLevel, sort: ReportSort): (a: KeyedGroup, b: KeyedGroup) => number {
  const byKey = level.chronological ? (a: KeyedGroup, b: KeyedGroup) => a.group.code - b.group.code : (a: KeyedGroup, b: KeyedGroup) => compareText(a.key, b.key);
  const direction = sort.direction === 'asc' ? 1 : -1;
  if (sort.by === 'key') return (a, b) => direction * byKey(a, b);
  return (a, b) => direction * (a.group.seconds - b.group.seconds) || byKey(a, b);
}

function toNodes(groups: Map<number, Group>, levels: readonly GroupLevel[], depth: number, sort: ReportSort): GroupNode[] {
  const level = levels[depth] as GroupLevel;
  const keyed = [...groups.values()].map((group) => ({ group, key: level.key(group.code) }));
  keyed.sort(comparator(level, sort));
  return keyed.map(({ group, key }): GroupNode => {
    const node: GroupNode = { dimension: level.dimension, key, seconds: group.seconds, worklogs: group.worklogs };
    if (group.children !== undefined) node.children = toNodes(group.children, levels, depth + 1, sort);
    return node;
  });
}

/**
 * Builds the summary from the cells `collect` reports: totals at every level are the sums of their
 * cells, the grand total the sum of all; groups sorted at every level by `sort`.
 */
export function buildSummary(levels: readonly GroupLevel[], sort: ReportSort, collect: (visit: CellVisitor) => void): ReportSummary {
  const root: Group = { code: -1, seconds: 0, worklogs: 0, children: new Map() };
  collect((codes, seconds, worklogs) => {
    root.seconds += seconds;
    root.worklogs += worklogs;
    let parent = root;
    for (let depth = 0; depth < levels.length; depth++) {
      const code = codes[depth] as number;
      const siblings = parent.children as Map<number, Group>;
      let group = siblings.get(code);
      if (group === undefined) {
        group = { code, seconds: 0, worklogs: 0, children: depth < levels.length - 1 ? new Map() : undefined };
        siblings.set(code, group);
      }
      group.seconds += seconds;
      group.worklogs += worklogs;
      parent = group;
    }
  });
  const groups = levels.length === 0 ? [] : toNodes(root.children as Map<number, Group>, levels, 0, sort);
  return { total: { seconds: root.seconds, worklogs: root.worklogs }, groups };
}
