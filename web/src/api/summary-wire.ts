import type { GroupDimension, SummaryGroup, SummaryReport } from './api-types.js';

/**
 * The groups as `POST /api/reports/summary` sends them (docs/api.md): parallel columns, depth
 * first, each group followed by its subgroups; a group at depth d is by `groupBy[d]`.
 */
export interface WireGroupColumns {
  depth: number[];
  key: string[];
  seconds: number[];
  worklogs: number[];
}

/** A key's label as the answer's `labels[dimension][key]` gives it. */
export interface WireLabel {
  label: string;
  avatarUrl?: string | null;
  issueKey?: string;
}

/** The summary answer on the wire: groups as columns, each label once per key. */
export interface WireSummary extends Omit<SummaryReport, 'groups'> {
  groups: WireGroupColumns;
  labels: Partial<Record<GroupDimension, Record<string, WireLabel>>>;
}

/**
 * The page's labelled tree from the wire answer: each group gets its level's dimension and its
 * key's label (the key itself when the answer has none). Done once per answer, in the browser,
 * so the server sends tens of thousands of groups without repeating names and months.
 */
export function hydrateSummary(wire: WireSummary): SummaryReport {
  const { depth, key, seconds, worklogs } = wire.groups;
  const top: SummaryGroup[] = [];
  const path: SummaryGroup[] = [];
  for (let i = 0; i < key.length; i++) {
    const level = depth[i] as number;
    const dimension = wire.groupBy[level] as GroupDimension;
    const known = wire.labels[dimension]?.[key[i] as string];
    const group: SummaryGroup = { dimension, key: key[i] as string, label: known?.label ?? (key[i] as string), seconds: seconds[i] as number, worklogs: worklogs[i] as number };
    if (known?.avatarUrl !== undefined) group.avatarUrl = known.avatarUrl;
    if (known?.issueKey !== undefined) group.issueKey = known.issueKey;
    if (level === 0) top.push(group);
    else ((path[level - 1] as SummaryGroup).children ??= []).push(group);
    path[level] = group;
  }
  const { labels: _labels, groups: _groups, ...rest } = wire;
  return { ...rest, groups: top };
}
