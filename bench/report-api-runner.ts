/**
 * `bench:reports` "via api": the four shapes asked through Tally's real report HTTP handler
 * (`reportRoutes`, in-process `app.request`, no network) — JSON body parsing and validation, the
 * report service (filter resolution, viewer scope, engine, labels) and JSON serialisation of the
 * answer. Two things differ from production, both outside what the benchmark measures: the
 * token check is replaced by a middleware that sets the tenant (an HMAC verification, tens of
 * microseconds), and live Jira data comes from a synthetic in-memory source (in production it is
 * a memory cache after the first question; the benchmark has no Jira holding its generated issues).
 */
import { Hono } from 'hono';
import { reportRoutes } from '../src/http/report-routes.js';
import type { TallyEnv } from '../src/http/tally-env.js';
import { createErrorHandler } from '../src/http/error-handler.js';
import { createLogger } from '../src/platform/logger.js';
import { systemClock } from '../src/platform/clock.js';
import type { WorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import { createReportService, type LiveIssue, type LiveJiraPort, type LiveUser } from '../src/reporting/report-service.js';
import type { TenantStore } from '../src/store/tenant-store.js';
import type { Tenant } from '../src/tenants/tenant.js';
import { groupTree, type SummaryWire } from '../src/reporting/summary-wire.js';
import { DETAILS_PAGE_ROWS, type ShapeAnswer, type ShapeQuestion } from './report-shapes.js';

/** The JQL the issues-year question sends; the synthetic source resolves it to the chosen issues. */
const YEAR_ISSUES_JQL = 'filter = "bench: 2,000 issues"';

/** Live Jira data made up from ids, in memory: what a warm cache answers. */
function syntheticLive(yearIssueIds: readonly number[]): LiveJiraPort {
  const issue = (id: number): LiveIssue => ({
    id, key: `BEN-${id}`, summary: `Issue ${id}`, projectId: String(10_000 + (id % 12)), projectKey: `P${id % 12}`, projectName: `Project ${id % 12}`,
    parentId: null, parentKey: null, parentSummary: null,
  });
  const user = (accountId: string): LiveUser => ({ accountId, displayName: `User ${accountId.slice(-6)}`, avatarUrl: null, active: true, timeZone: 'Europe/Berlin' });
  return {
    issues: async (_tenant, ids) => new Map(ids.map((id) => [id, issue(id)])),
    users: async (_tenant, ids) => new Map(ids.map((id) => [id, user(id)])),
    issueIdsForJql: async (_tenant, jql) => (jql === YEAR_ISSUES_JQL ? [...yearIssueIds] : []),
    issueIdsForKeys: async (_tenant, keys) => keys.map(Number).filter(Number.isSafeInteger),
    issueIdsForProjects: async () => [],
    viewerScope: async () => ({ kind: 'all' }),
  };
}

/** The request body for a shape (docs/api.md), from its resolved engine query. */
function bodyOf({ shape, query }: ShapeQuestion): Record<string, unknown> {
  const body: Record<string, unknown> = {
    from: query.fromDate < '1980-01-01' ? '1980-01-01' : query.fromDate,
    to: query.toDate > '2029-12-31' ? '2029-12-31' : query.toDate,
    timeZone: query.timeZone,
    groupBy: query.groupBy,
    sort: query.sort,
  };
  if (query.issueIds) body.jql = YEAR_ISSUES_JQL;
  if (shape === 'details-page') body.limit = DETAILS_PAGE_ROWS;
  return body;
}

interface ApiGroup {
  key: string;
  seconds: number;
  worklogs: number;
  children?: ApiGroup[];
}

function flattenGroups(groups: ApiGroup[], total: { seconds: number; worklogs: number }): ShapeAnswer {
  const rows: ShapeAnswer = [];
  const walk = (nodes: ApiGroup[], keys: string[]) => {
    for (const node of nodes) {
      if (node.children === undefined) rows.push([...keys, node.key, node.seconds, node.worklogs]);
      else walk(node.children, [...keys, node.key]);
    }
  };
  walk(groups, []);
  rows.push(['total', total.seconds, total.worklogs]);
  return rows;
}

/** Builds the runner over already loaded columns (loading is timed separately by the bench). */
export function apiShapeRunnerViaHttp(deps: { columns: WorklogColumns; store: TenantStore; tenantId: string; yearIssueIds: readonly number[] }): ((question: ShapeQuestion) => Promise<ShapeAnswer>) & { ask(question: ShapeQuestion): Promise<string> } {
  const reports = createReportService({ columnsFor: async () => deps.columns, openStore: async () => deps.store, live: syntheticLive(deps.yearIssueIds) });
  const app = new Hono<TallyEnv>();
  const tenant = { id: deps.tenantId, clientKey: 'bench', baseUrl: 'https://bench.atlassian.net', product: 'jira', state: 'installed' } as unknown as Tenant;
  app.use('/api/*', async (c, next) => {
    c.set('tenant', tenant);
    c.set('accountId', 'bench-admin');
    // A JQL filter runs only as the viewer (REPORT_JQL_NEEDS_VIEWER otherwise); the synthetic
    // live source answers it without calling anyone, so this access is never used to sign.
    c.set('viewerJiraAccess', { baseUrl: 'https://bench.atlassian.net', authorize: async () => 'Bearer bench-viewer' });
    await next();
  });
  app.route('/', reportRoutes(reports, systemClock));
  app.onError(createErrorHandler(createLogger({ level: 'warn', destination: process.stderr })));
  /** One request through the handler, to the last byte of its answer: what the benchmark times. */
  const ask = async (question: ShapeQuestion): Promise<string> => {
    const path = question.shape === 'details-page' ? '/api/reports/details' : '/api/reports/summary';
    const response = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(question)) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${question.shape}: the report API answered ${response.status}: ${text}`);
    return text;
  };
  const answerOf = async (question: ShapeQuestion): Promise<ShapeAnswer> => {
    const text = await ask(question);
    if (question.shape !== 'details-page') {
      const answer = JSON.parse(text) as SummaryWire;
      return flattenGroups(groupTree(answer.groups), answer.total);
    }
    const answer = JSON.parse(text) as { rows: { worklogId: number; timeSpentSeconds: number }[]; total: { seconds: number; worklogs: number } };
    const rows: ShapeAnswer = answer.rows.map((row) => [row.worklogId, row.timeSpentSeconds]);
    rows.push(['total', answer.total.seconds, answer.total.worklogs]);
    return rows;
  };
  return Object.assign(answerOf, { ask });
}
