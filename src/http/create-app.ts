import { dataStatementRoutes } from './data-statement-route.js';
import { Hono } from 'hono';
import { limitBody } from './body-limit.js';
import type { Config } from '../config/load-config.js';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import { redactUrl, type Logger } from '../platform/logger.js';
import type { TenantId } from '../tenants/tenant.js';
import type { PlatformEdge } from '../edges/edge.js';
import type { OwnedData } from '../privacy/data-statement/data-statement.js';
import { reportAssetRoutes } from './report-page.js';
import { apiRoutes, authenticateByEdge } from './api-routes.js';
import type { ReportService } from '../reporting/report-service.js';
import { createErrorHandler, errorResponse } from './error-handler.js';
import { securityHeaders } from './security-headers.js';
import type { TallyEnv } from './tally-env.js';
import type { BitbucketLinkDeps } from './bitbucket-link-routes.js';
import type { AdminDeps } from './admin-routes.js';
import type { MetricsRegistry } from '../platform/metrics.js';
import { metricsRoutes } from './metrics-route.js';
import type { WorklogWrites } from '../worklog-writes/worklog-writes.js';

/** Everything the HTTP app needs; wired in `src/main.ts` (or a test). */
export interface AppDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The platform edges that are on: their routes are mounted, and `/api/*` is authenticated by them. */
  edges: readonly PlatformEdge[];
  /** What the edges keep in the control database, for the data statement (src/edges/edge.ts `ownedDataOf`). */
  ownedData?: OwnedData;
  /** A tenant's sync status for `/api/sync/status` (the sync module builds it). */
  syncStatus(tenantId: TenantId): Promise<unknown>;
  /** Report questions (src/reporting/report-service.ts). */
  reports: ReportService;
  /**
   * Whether the control database and job runner answer, and any detail worth an operator's eye
   * (e.g. an edge's tenant paused on a revoked token); `/readyz` reports it.
   */
  readiness(): Promise<{ ready: boolean; detail?: unknown }>;
  /** What `/metrics` renders (mounted only with `TALLY_METRICS_TOKEN`). */
  metrics?: Pick<MetricsRegistry, 'render' | 'contentType'>;
  /** The Jira side of linking Bitbucket workspaces (`/api/bitbucket/*`); absent: those routes are not mounted. */
  bitbucketLinks?: BitbucketLinkDeps;
  /** The admin page's API (`/api/admin/*`); absent: those routes are not mounted. */
  admin?: AdminDeps;
  /** Log work and the timer (`/api/worklogs`, `/api/timer`), written as the viewer; absent: not mounted. */
  worklogWrites?: WorklogWrites;
}

/** Lifecycle and webhook bodies are a few kilobytes; anything near this is hostile. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Builds Tally's HTTP app: a function from Request to Response, usable in-process (`app.fetch`)
 * and served by `main.ts`. Public by design: `/healthz`, `/readyz`, `/data-statement` (it
 * describes Tally, not a tenant) and the page's static assets. Each edge's routes authenticate
 * their own requests; `/api/*` is authenticated by the edge that recognises the request. The app
 * names no edge: removing one from `edges` removes its routes and nothing else.
 */
export function createApp(deps: AppDeps): Hono<TallyEnv> {
  const app = new Hono<TallyEnv>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug({ method: c.req.method, path: redactUrl(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
  // Framing is allowed to the hosts of the edges that are on, and to nobody else.
  const frameAncestors = [...new Set(deps.edges.flatMap((edge) => edge.frameAncestors ?? []))];
  app.use('*', securityHeaders({ baseUrl: deps.config.baseUrl, frameAncestors }));
  app.use('*', limitBody({ maxBytes: MAX_BODY_BYTES, onTooLarge: (c) => errorResponse(c, new AppError('REQUEST_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`)) }));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const { ready, detail } = await deps.readiness().catch(() => ({ ready: false, detail: undefined }));
    return c.json({ status: ready ? 'ready' : 'unavailable', ...(detail !== undefined ? { detail } : {}) }, ready ? 200 : 503);
  });

  if (deps.metrics) app.route('/', metricsRoutes({ registry: deps.metrics, token: deps.config.metricsToken }));
  app.route('/', dataStatementRoutes(deps.config, deps.ownedData ? { owned: deps.ownedData } : {}));
  app.route('/', reportAssetRoutes());
  for (const edge of deps.edges) if (edge.routes) app.route('/', edge.routes);
  app.route('/', apiRoutes(authenticateByEdge(deps.edges), { syncStatus: deps.syncStatus, reports: deps.reports, clock: deps.clock, ...(deps.bitbucketLinks ? { bitbucketLinks: deps.bitbucketLinks } : {}), ...(deps.admin ? { admin: deps.admin } : {}), ...(deps.worklogWrites ? { worklogWrites: deps.worklogWrites } : {}) }));

  app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
  app.onError(createErrorHandler(deps.logger));
  return app;
}
