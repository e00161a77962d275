import type { ResolvedReportQuery } from '../report-model.js';
import { compileRowFilter, forEachSelection } from './row-filter.js';
import type { WorklogColumns } from './worklog-columns.js';

/**
 * The ids of the issues that have at least one row matching `query`'s work-date range, author and
 * issue filters (grouping and sort are ignored), ascending. The API fetches project and parent
 * for exactly these before it asks for a summary grouped by them.
 */
export function listDistinctIssueIds(columns: WorklogColumns, query: ResolvedReportQuery): number[] {
  const filter = compileRowFilter(columns, query);
  const { issueIndex, issues } = filter.arrays;
  const seen = new Uint8Array(issues.length);
  forEachSelection(filter, (selection, count) => {
    for (let k = 0; k < count; k++) seen[issueIndex[selection[k]!]!] = 1;
  });
  const ids: number[] = [];
  seen.forEach((flag, index) => flag === 1 && ids.push(issues[index] as number));
  return ids.sort((a, b) => a - b);
}
