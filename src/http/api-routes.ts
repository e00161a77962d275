import { Hono, type MiddlewareHandler } from 'hono';
import type { TallyEnv } from './tally-env.js';
import type { TenantId } from '../tenants/tenant.js';
import type { Clock } from '../platform/clock.js';
import type { ReportService } from '../reporting/report-service.js';
import { reportRoutes } from './report-routes.js';
import { AppError } from '../platform/app-error.js';
import type { PlatformEdge } from '../edges/edge.js';
import { bitbucketLinkRoutes, type BitbucketLinkDeps } from './bitbucket-link-routes.js';
import { adminRoutes, type AdminDeps } from './admin-routes.js';
import { logWorkAvailability, worklogRoutes } from './worklog-routes.js';
import type { WorklogWrites } from '../worklog-writes/worklog-writes.js';

/**
 * The authentication of `/api/*` over the platform edges: the first edge that recognises the
 * request (its `Authorization` scheme, its session cookie) authenticates it; a request no edge
 * recognises is refused with 401 `AUTH_MISSING`. Each edge proves the tenant its own way; the
 * routes behind only ever see `tenant` and `accountId`.
 */
export function authenticateByEdge(edges: readonly Pick<PlatformEdge, 'api'>[]): MiddlewareHandler<TallyEnv> {
  const authenticators = edges.flatMap((edge) => (edge.api ? [edge.api] : []));
  return (c, next) => {
    const authenticator = authenticators.find((candidate) => candidate.recognises(c));
    if (!authenticator) throw new AppError('AUTH_MISSING', 'This request carries no credentials Tally accepts');
    return authenticator.authenticate(c, next);
  };
}

/**
 * Tally's JSON API for its own page. Every route under `/api` goes through `authenticate`, built
 * by the composition root from the platform edges: it sets the verified `tenant` and `accountId`
 * (and may add headers to the answer, e.g. a fresh session token).
 */
export function apiRoutes(
  authenticate: MiddlewareHandler<TallyEnv>,
  deps: { syncStatus(tenantId: TenantId): Promise<unknown>; reports: ReportService; clock: Clock; bitbucketLinks?: BitbucketLinkDeps; admin?: AdminDeps; worklogWrites?: WorklogWrites },
): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.use('/api/*', authenticate);
  /** Who and where the caller is, as Tally sees it: never the shared secret or the client key. */
  routes.get('/api/session', async (c) => {
    const tenant = c.get('tenant');
    const accountId = c.get('accountId');
    const { timeZone } = await deps.reports.session({ tenantId: tenant.id, accountId });
    // A JQL filter runs as the viewer, so it is offered only where the edge handed over the
    // viewer's own Jira access (REPORT_JQL_NEEDS_VIEWER otherwise).
    const jqlFilter = c.get('viewerJiraAccess') !== undefined;
    // Log work and the timer write as the viewer: offered where the edge can act as them (docs/api.md).
    const logWork = deps.worklogWrites ? logWorkAvailability(c) : { available: false, reason: 'Log work is not enabled on this Tally.' };
    return c.json({ tenantId: tenant.id, siteUrl: tenant.baseUrl, accountId: accountId ?? null, timeZone, jqlFilter, logWork });
  });
  routes.route('/', reportRoutes(deps.reports, deps.clock));
  /** Where this site's synchronisation stands: phase, progress, an honest ETA, the points budget. */
  routes.get('/api/sync/status', async (c) => c.json(await deps.syncStatus(c.get('tenant').id)));
  /** Linking Bitbucket workspaces to this site (Jira site admins only; docs/api.md). */
  if (deps.bitbucketLinks) routes.route('/', bitbucketLinkRoutes(deps.bitbucketLinks));
  /** The admin page: sync facts, re-sync, reconcile, backups (Jira site admins only; docs/api.md). */
  if (deps.admin) routes.route('/', adminRoutes(deps.admin));
  /** Log work, edit, delete and the timer, written to Jira as the viewer (issue 16; docs/api.md). */
  if (deps.worklogWrites) routes.route('/', worklogRoutes(deps.worklogWrites));
  return routes;
}
