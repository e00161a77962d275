import { Hono } from 'hono';
import type { TallyEnv } from './tally-env.js';
import { connectAuth, type ConnectAuthDeps } from '../connect/connect-auth.js';
import type { TenantId } from '../tenants/tenant.js';

/**
 * Tally's JSON API for its own page, authenticated by context tokens (`AP.context.getToken()`).
 * Every route under `/api` goes through the same middleware; reports join in issue 5.
 */
export function apiRoutes(auth: ConnectAuthDeps, deps: { syncStatus(tenantId: TenantId): Promise<unknown> }): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.use('/api/*', connectAuth(auth, { tokenClass: 'context' }));
  /** Who and where the caller is, as Tally sees it: never the shared secret or the client key. */
  routes.get('/api/session', (c) => {
    const tenant = c.get('tenant');
    return c.json({ tenantId: tenant.id, siteUrl: tenant.baseUrl, accountId: c.get('accountId') ?? null });
  });
  /** Where this site's synchronisation stands: phase, progress, an honest ETA, the points budget. */
  routes.get('/api/sync/status', async (c) => c.json(await deps.syncStatus(c.get('tenant').id)));
  return routes;
}
