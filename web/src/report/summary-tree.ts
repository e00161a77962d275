import type { SummaryGroup } from '../api/api-types.js';

/** One visible line of the summary table. */
export interface TreeRow {
  /** Stable id: the path of dimension/key pairs from the top level. */
  id: string;
  /** 1 for top-level groups. */
  level: number;
  group: SummaryGroup;
  hasChildren: boolean;
  expanded: boolean;
  /** Position among its siblings (1-based) and their count, for `aria-posinset`/`aria-setsize`. */
  position: number;
  siblings: number;
}

// Unit separator: cannot appear in account ids, issue ids, project ids or date keys.
const SEPARATOR = '\u001f';

function idOf(parentId: string, group: SummaryGroup): string {
  return `${parentId}${SEPARATOR}${group.dimension}:${group.key}`;
}

/**
 * The rows to draw: every top-level group, and the children of expanded groups, depth first.
 * Linear in the visible rows; collapsed subtrees are never walked.
 */
export function visibleRows(groups: readonly SummaryGroup[], expanded: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (list: readonly SummaryGroup[], parentId: string, level: number) => {
    list.forEach((group, index) => {
      const id = idOf(parentId, group);
      const hasChildren = (group.children?.length ?? 0) > 0;
      const isExpanded = hasChildren && expanded.has(id);
      rows.push({ id, level, group, hasChildren, expanded: isExpanded, position: index + 1, siblings: list.length });
      if (isExpanded) walk(group.children ?? [], id, level + 1);
    });
  };
  walk(groups, '', 1);
  return rows;
}

/** Ids of every group that has children (for "Expand all"). */
export function expandableIds(groups: readonly SummaryGroup[]): Set<string> {
  const ids = new Set<string>();
  const walk = (list: readonly SummaryGroup[], parentId: string) => {
    for (const group of list) {
      if (!group.children?.length) continue;
      const id = idOf(parentId, group);
      ids.add(id);
      walk(group.children, id);
    }
  };
  walk(groups, '');
  return ids;
}
