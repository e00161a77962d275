/**
 * `bench:reports` "via api": the four shapes asked through Tally's real report HTTP handler
 * (`reportRoutes`) served as production serves it (`@hono/node-server` on a loopback port) and
 * asked over a kept-alive HTTP connection — the request's parsing, JSON body and validation, the
 * report service (filter resolution, viewer scope, engine, labels), JSON serialisation and the
 * response's bytes through the socket.
 *
 * Why not Hono's in-process `app.request`: it wraps every call in undici's `Request` and
 * `Response`, whose web-stream bodies Node 20 makes transferable (a weak handle the young
 * generation's collector treats as a root), so each scavenge kept the last answers' ~50 KB
 * strings and promoted them — 1.3–2 MB copied per scavenge, pauses of 1.3–3.9 ms that production's
 * server (which writes string bodies without an undici `Response`) does not have. On PostgreSQL those
 * pauses landed in the calls that wait for the database (the only ones that yield to the event
 * loop), so the harness made PostgreSQL's p95 look worse than it is (docs/benchmarks.md).
 *
 * Two things differ from production, both outside what the benchmark measures: the
 * token check is replaced by a middleware that sets the tenant (an HMAC verification, tens of
 * microseconds), and live Jira data comes from a synthetic in-memory source (in production it is
 * a memory cache after the first question; the benchmark has no Jira holding its generated issues).
 */
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
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

/** A runner: the answer compared against raw SQL, and `ask`, the timed request (its body as text). */
export type ApiShapeRunner = ((question: ShapeQuestion) => Promise<ShapeAnswer>) & { ask(question: ShapeQuestion): Promise<string>; close(): Promise<void> };

/** POSTs `body` as JSON over `agent`'s kept-alive connection; the answer's status and text. */
function postJson(agent: Agent, port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Serves the report routes over already loaded columns (loading is timed separately by the bench)
 * on a loopback port until `close`.
 */
export async function apiShapeRunnerViaHttp(deps: { columns: WorklogColumns; store: TenantStore; tenantId: string; yearIssueIds: readonly number[] }): Promise<ApiShapeRunner> {
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
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
  });
  // The connection stays open between shapes, however long the raw SQL's timing in between takes:
  // a server that closes an idle kept-alive socket races the client's next request (ECONNRESET).
  (server as Server).keepAliveTimeout = 0;
  const port = (server.address() as AddressInfo).port;
  // One connection, kept alive: the benchmark asks one question at a time, as one viewer does.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** One request through the server, to the last byte of its answer: what the benchmark times. */
  const ask = async (question: ShapeQuestion): Promise<string> => {
    const path = question.shape === 'details-page' ? '/api/reports/details' : '/api/reports/summary';
    const { status, text } = await postJson(agent, port, path, JSON.stringify(bodyOf(question)));
    if (status !== 200) throw new Error(`${question.shape}: the report API answered ${status}: ${text}`);
    return text;
  };
  const close = async (): Promise<void> => {
    agent.destroy();
    await new Promise<void>((done) => server.close(() => done()));
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
  return Object.assign(answerOf, { ask, close });
}
