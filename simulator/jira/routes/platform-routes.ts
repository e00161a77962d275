import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { searchRoutes } from './platform-search-routes.js';
import { bulkFetchRoutes } from './platform-bulkfetch-routes.js';
import { userRoutes } from './platform-user-routes.js';
import { permissionRoutes } from './platform-permission-routes.js';
import { serverRoutes } from './platform-server-routes.js';
import { projectRoutes } from './platform-project-routes.js';
import { timeTrackingRoutes } from './platform-timetracking-routes.js';
import { userPropertyRoutes } from './user-property-routes.js';

/**
 * The non-worklog Jira platform endpoints Tally uses (jira-platform-openapi-excerpt.json):
 * JQL search, bulk issue fetch, users, permissions, server info, project search and the
 * time-tracking provider; and user entity properties (jira-entity-properties-openapi-excerpt.json). Mounted after authentication; every route reads `c.get('caller')`.
 */
export function platformRoutes(deps: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.route('/', searchRoutes(deps));
  routes.route('/', bulkFetchRoutes(deps));
  routes.route('/', userRoutes(deps));
  routes.route('/', permissionRoutes(deps));
  routes.route('/', serverRoutes(deps));
  routes.route('/', projectRoutes(deps));
  routes.route('/', timeTrackingRoutes(deps));
  routes.route('/', userPropertyRoutes(deps));
  return routes;
}
