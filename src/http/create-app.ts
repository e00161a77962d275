import { dataStatementRoutes } from './data-statement-route.js';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '../config/load-config.js';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import { redactUrl, type Logger } from '../platform/logger.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { AuditLog } from '../tenants/audit-log.js';
import type { TenantId } from '../tenants/tenant.js';
import { buildJiraDescriptor, CONNECT_ROUTES } from '../edges/jira-connect/descriptor.js';
import type { ConnectAuthDeps } from '../edges/jira-connect/connect-auth.js';
import { lifecycleRoutes } from '../edges/jira-connect/lifecycle-routes.js';
import { webhookRoutes } from '../edges/jira-connect/webhook-routes.js';
import { pageRoutes } from '../edges/jira-connect/page-routes.js';
import { reportAssetRoutes } from './report-page.js';
import { apiRoutes } from './api-routes.js';
import type { ReportService } from '../reporting/report-service.js';
import { createErrorHandler, errorResponse } from './error-handler.js';
import { securityHeaders } from './security-headers.js';
import type { TallyEnv } from './tally-env.js';

/** Everything the HTTP app needs; wired in `src/main.ts` (or a test). */
export interface AppDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  registry: TenantRegistry;
  installKeys: ConnectAuthDeps['installKeys'];
  events: TenantEvents;
  /** The control database's audit log: lifecycle events, never secrets or worklog content. */
  audit: AuditLog;
  /** A tenant's sync status for `/api/sync/status` (the sync module builds it). */
  syncStatus(tenantId: TenantId): Promise<unknown>;
  /** Report questions (src/reporting/report-service.ts). */
  reports: ReportService;
  /** Whether the control database and job runner answer; `/readyz` reports it. */
  isReady(): Promise<boolean>;
  /**
   * The authentication of `/api/*` (src/http/api-routes.ts), built by the composition root from
   * the platform edges; sets the verified `tenant` and `accountId`.
   */
  apiAuthentication: MiddlewareHandler<TallyEnv>;
  /** More routes of platform edges, mounted at the root (each authenticates its own requests). */
  edgeRoutes?: readonly Hono<any>[];
}

/** Lifecycle and webhook bodies are a few kilobytes; anything near this is hostile. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Builds Tally's HTTP app: a function from Request to Response, usable in-process (`app.fetch`)
 * and served by `main.ts`. Public by design: the descriptor, `/healthz`, `/readyz`, `/data-statement`
 * (it describes Tally, not a tenant). Everything
 * else is authenticated by the route's token class before any handler runs.
 */
export function createApp(deps: AppDeps): Hono<TallyEnv> {
  const app = new Hono<TallyEnv>();
  const auth: ConnectAuthDeps = {
    registry: deps.registry,
    installKeys: deps.installKeys,
    clock: deps.clock,
    baseUrl: deps.config.baseUrl,
    leewaySeconds: 30,
  };

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug({ method: c.req.method, path: redactUrl(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
  app.use('*', securityHeaders({ baseUrl: deps.config.baseUrl }));
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, new AppError('REQUEST_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`)) }));

  app.get(CONNECT_ROUTES.descriptor, (c) => c.json(buildJiraDescriptor(deps.config)));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ready = await deps.isReady().catch(() => false);
    return c.json({ status: ready ? 'ready' : 'unavailable' }, ready ? 200 : 503);
  });

  app.route('/', dataStatementRoutes(deps.config));
  app.route('/', lifecycleRoutes({ auth, config: deps.config, registry: deps.registry, events: deps.events, audit: deps.audit, logger: deps.logger }));
  app.route('/', webhookRoutes({ auth, events: deps.events, logger: deps.logger }));
  app.route('/', reportAssetRoutes());
  app.route('/', pageRoutes(auth));
  for (const routes of deps.edgeRoutes ?? []) app.route('/', routes);
  app.route('/', apiRoutes(deps.apiAuthentication, { syncStatus: deps.syncStatus, reports: deps.reports, clock: deps.clock }));

  app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
  app.onError(createErrorHandler(deps.logger));
  return app;
}
