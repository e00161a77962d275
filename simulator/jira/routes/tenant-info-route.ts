import { Hono } from 'hono';
import type { SimEnv } from '../../http/sim-env.js';

/**
 * `GET /_edge/tenant_info` on the site host, unauthenticated: `{"cloudId":"<uuid>"}`
 * (self-hosted-site.md §1.3). Credentials sent along are ignored; the cloud id is the one the
 * gateway `api.atlassian.com/ex/jira/{cloudId}` and Forge use, stable for the site's life.
 */
export function tenantInfoRoutes(cloudId: string): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.get('/_edge/tenant_info', (c) => c.json({ cloudId }));
  return routes;
}
