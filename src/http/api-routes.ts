import { Hono } from 'hono';
import type { TallyEnv } from './tally-env.js';
import { connectAuth, type ConnectAuthDeps } from '../connect/connect-auth.js';

/**
 * Tally's JSON API for its own page, authenticated by context tokens (`AP.context.getToken()`).
 * Every route under `/api` goes through the same middleware; reports join in issue 5.
 */
export function apiRoutes(auth: ConnectAuthDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.use('/api/*', connectAuth(auth, { tokenClass: 'context' }));
  /** Who and where the caller is, as Tally sees it: never the shared secret or the client key. */
  routes.get('/api/session', (c) => {
    const tenant = c.get('tenant');
    return c.json({ tenantId: tenant.id, siteUrl: tenant.baseUrl, accountId: c.get('accountId') ?? null });
  });
  return routes;
}
