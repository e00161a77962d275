/**
 * The four report shapes of issue 5 and how `bench:reports` asks them "via api". Today the api
 * runner calls the engine directly (columns loaded once, outside the timing); switching it to the
 * real HTTP handler (`app.request` in-process) only means replacing {@link apiShapeRunner}.
 */
import type { WorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import type { GroupNode, ReportSummary, ResolvedReportQuery } from '../src/reporting/report-model.js';
import type { TenantStore } from '../src/store/tenant-store.js';

export const REPORT_SHAPES = ['month-by-user', 'history-user-month', 'issues-year', 'details-page'] as const;
export type ReportShape = (typeof REPORT_SHAPES)[number];

/** Rows on a details page. */
export const DETAILS_PAGE_ROWS = 100;

/** One question: the shape and its resolved query (details: the first page of DETAILS_PAGE_ROWS). */
export interface ShapeQuestion {
  shape: ReportShape;
  query: ResolvedReportQuery;
}

/**
 * An answer flattened for comparison between runners: summaries as `[key per level…, seconds,
 * worklogs]` per leaf group plus `['total', seconds, worklogs]`; details as
 * `[id, startedMs, seconds, comment]` per row in page order, plus the total line.
 */
export type ShapeAnswer = (string | number | null)[][];

/** The four questions, in `timeZone`; `issueIds` are the 2,000 issues of the year shape (chosen by the caller from the data). */
export function shapeQuestions(issueIds: readonly number[], timeZone = 'Europe/Berlin'): ShapeQuestion[] {
  const base = { timeZone, sort: { by: 'key', direction: 'asc' } } as const;
  return [
    { shape: 'month-by-user', query: { ...base, fromDate: '2026-10-01', toDate: '2026-10-31', groupBy: ['user'] } },
    { shape: 'history-user-month', query: { ...base, fromDate: '2000-01-01', toDate: '2099-12-31', groupBy: ['user', 'month'] } },
    { shape: 'issues-year', query: { ...base, fromDate: '2025-01-01', toDate: '2025-12-31', issueIds, groupBy: ['issue'] } },
    { shape: 'details-page', query: { ...base, fromDate: '2026-10-01', toDate: '2026-10-31', groupBy: [] } },
  ];
}

/** Leaf groups of a summary as rows of keys and totals, then the grand total. */
export function flattenSummary(summary: ReportSummary): ShapeAnswer {
  const rows: ShapeAnswer = [];
  const walk = (nodes: GroupNode[], keys: string[]) => {
    for (const node of nodes) {
      if (node.children === undefined) rows.push([...keys, node.key, node.seconds, node.worklogs]);
      else walk(node.children, [...keys, node.key]);
    }
  };
  walk(summary.groups, []);
  rows.push(['total', summary.total.seconds, summary.total.worklogs]);
  return rows;
}

/** What the api runner needs: the tenant's loaded columns and its store (for detail rows by id). */
export interface ApiShapeDeps {
  columns: WorklogColumns;
  store: TenantStore;
}

/**
 * Answers a shape the way the report API will: a summary from the columns; for the details page
 * the total, one page of references and those rows (with comments) read from the store by id.
 */
export function apiShapeRunner({ columns, store }: ApiShapeDeps): (question: ShapeQuestion) => Promise<ShapeAnswer> {
  return async ({ shape, query }) => {
    const summary = columns.summarize(query, () => undefined);
    if (shape !== 'details-page') return flattenSummary(summary);
    const page = columns.details(query, { limit: DETAILS_PAGE_ROWS });
    const byId = new Map((await store.getWorklogsByIds(page.refs.map((ref) => ref.clientWorklogId))).map((row) => [row.clientWorklogId, row]));
    const rows: ShapeAnswer = page.refs.map((ref) => [ref.clientWorklogId, ref.startedMs, ref.timeSpentSeconds, byId.get(ref.clientWorklogId)?.comment ?? null]);
    rows.push(['total', summary.total.seconds, summary.total.worklogs]);
    return rows;
  };
}
