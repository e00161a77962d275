import { Hono } from 'hono';
import type { TallyEnv } from './tally-env.js';
import { connectAuth, type ConnectAuthDeps } from '../connect/connect-auth.js';
import type { TenantId } from '../tenants/tenant.js';
import type { Clock } from '../platform/clock.js';
import type { ReportService } from '../reporting/report-service.js';
import { reportRoutes } from './report-routes.js';

/**
 * Tally's JSON API for its own page, authenticated by context tokens (`AP.context.getToken()`).
 * Every route under `/api` goes through the same middleware; reports join in issue 5.
 */
export function apiRoutes(auth: ConnectAuthDeps, deps: { syncStatus(tenantId: TenantId): Promise<unknown>; reports: ReportService; clock: Clock }): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  // Every answer carries a fresh session token (X-Tally-Token) for a page running outside Jira.
  routes.use('/api/*', connectAuth(auth, { tokenClass: 'context', issueSessionToken: true }));
  /** Who and where the caller is, as Tally sees it: never the shared secret or the client key. */
  routes.get('/api/session', async (c) => {
    const tenant = c.get('tenant');
    const accountId = c.get('accountId');
    const { timeZone } = await deps.reports.session({ tenantId: tenant.id, accountId });
    return c.json({ tenantId: tenant.id, siteUrl: tenant.baseUrl, accountId: accountId ?? null, timeZone });
  });
  routes.route('/', reportRoutes(deps.reports, deps.clock));
  /** Where this site's synchronisation stands: phase, progress, an honest ETA, the points budget. */
  routes.get('/api/sync/status', async (c) => c.json(await deps.syncStatus(c.get('tenant').id)));
  return routes;
}
