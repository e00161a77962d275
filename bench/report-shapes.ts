/**
 * The four report shapes of issue 5 and how `bench:reports` asks them "via api". Today the api
 * runner calls the engine directly (columns loaded once, outside the timing); switching it to the
 * real HTTP handler (`app.request` in-process) only means replacing {@link apiShapeRunner}.
 */
import type { WorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import type { DetailRef, GroupNode, ReportSummary, ResolvedReportQuery } from '../src/reporting/report-model.js';
import type { TenantStore } from '../src/store/tenant-store.js';
import type { WorklogRow } from '../src/store/worklog-row.js';

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
 * worklogs]` per leaf group plus `['total', seconds, worklogs]`; details as `[id, seconds]` per
 * row in page order, plus the total line.
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

/** What the engine runner answers: the summary, and for the details page its rows as read by id. */
export interface ApiShapeAnswer {
  summary: ReportSummary;
  page?: { refs: DetailRef[]; rows: WorklogRow[] };
}

/**
 * An "api" runner: answers one question; the bench times exactly this call. It may answer already
 * flattened (an HTTP runner parsing JSON) or in the engine's own shapes, flattened afterwards by
 * {@link flattenApiAnswer} for the cross-check, outside the timing.
 */
export type ApiShapeRunner = (question: ShapeQuestion) => Promise<ApiShapeAnswer | ShapeAnswer>;

/**
 * Answers a shape the way the report API does at its core: a summary from the columns; for the
 * details page the total, one page of references and those rows (with comments) read from the
 * store by id.
 */
export function apiShapeRunner({ columns, store }: ApiShapeDeps): ApiShapeRunner {
  return async ({ shape, query }) => {
    const summary = columns.summarize(query, () => undefined);
    if (shape !== 'details-page') return { summary };
    const { refs } = columns.details(query, { limit: DETAILS_PAGE_ROWS });
    return { summary, page: { refs, rows: await store.getWorklogsByIds(refs.map((ref) => ref.clientWorklogId)) } };
  };
}

/**
 * An api answer as comparable rows (see {@link ShapeAnswer}); an answer that is already rows is
 * returned as is. Details rows are `[id, seconds]`, what every runner can tell; the engine runner
 * also checks that each referenced row came back from the store.
 */
export function flattenApiAnswer(answer: ApiShapeAnswer | ShapeAnswer): ShapeAnswer {
  if (Array.isArray(answer)) return answer;
  const { summary, page } = answer;
  if (page === undefined) return flattenSummary(summary);
  const stored = new Set(page.rows.map((row) => row.clientWorklogId));
  const missing = page.refs.filter((ref) => !stored.has(ref.clientWorklogId));
  if (missing.length > 0) throw new Error(`${missing.length} detail rows were not read back from the store`);
  const rows: ShapeAnswer = page.refs.map((ref) => [ref.clientWorklogId, ref.timeSpentSeconds]);
  rows.push(['total', summary.total.seconds, summary.total.worklogs]);
  return rows;
}
