import { MAX_GROUP_LEVELS, type IssueInfo, type ReportSummary, type ResolvedReportQuery } from '../report-model.js';
import { groupCells, type GroupCellsOptions } from './group-cells.js';
import { planGroupLevels } from './group-levels.js';
import { compileRowFilter } from './row-filter.js';
import { buildSummaryColumns, type ColumnSummary } from './summary-columns.js';
import { groupTree } from '../summary-wire.js';
import type { WorklogColumns } from './worklog-columns.js';

/**
 * The grouped report of `query` over `columns` as the API sends it: rows whose work date (in
 * `query.timeZone`) lies in [fromDate, toDate] and that pass the author and issue filters,
 * grouped by `groupBy` in order, with exact totals on every level and overall, sorted by
 * `query.sort` on every level, the groups written as columns depth first (summary-columns.ts).
 * Project and parent come from `issueInfo` (unknown: the `NO_PARENT_KEY` group).
 * Synchronous, read-only; throws RangeError for a malformed date, an unknown zone or more than
 * MAX_GROUP_LEVELS levels (the API validates first, so these are programming errors).
 */
export function summarizeAsColumns(
  columns: WorklogColumns,
  query: ResolvedReportQuery,
  issueInfo: (issueId: number) => IssueInfo | undefined,
  options: GroupCellsOptions = {},
): ColumnSummary {
  if (query.groupBy.length > MAX_GROUP_LEVELS) throw new RangeError(`At most ${MAX_GROUP_LEVELS} grouping levels, got ${query.groupBy.length}`);
  const filter = compileRowFilter(columns, query);
  if (filter.empty) return { total: { seconds: 0, worklogs: 0 }, columns: { depth: [], key: [], seconds: [], worklogs: [] } };
  const levels = planGroupLevels(filter, query.groupBy, issueInfo);
  return buildSummaryColumns(levels, query.sort, (visit) => groupCells(filter, levels, visit, options));
}

/** The same report as a tree of groups (exports, tests): {@link summarizeAsColumns}, rebuilt. */
export function summarizeColumns(
  columns: WorklogColumns,
  query: ResolvedReportQuery,
  issueInfo: (issueId: number) => IssueInfo | undefined,
  options: GroupCellsOptions = {},
): ReportSummary {
  const summary = summarizeAsColumns(columns, query, issueInfo, options);
  return { total: summary.total, groups: groupTree(summary.columns) };
}
