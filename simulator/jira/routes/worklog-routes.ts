import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { worklogFeedRoutes } from './worklog-feed-routes.js';
import { worklogListRoute } from './worklog-list-route.js';
import { issueWorklogRoutes } from './issue-worklog-routes.js';

/** Every worklog endpoint of the simulated Jira, v2 and v3. */
export function worklogRoutes(deps: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.route('/', worklogFeedRoutes(deps));
  routes.route('/', worklogListRoute(deps));
  routes.route('/', issueWorklogRoutes(deps));
  return routes;
}
