import { Hono } from 'hono';
import type { TallyEnv } from '../../http/tally-env.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_ROUTES } from './descriptor.js';
import { renderReportPage } from '../../http/report-page.js';

/**
 * The iframe pages Jira loads (`?jwt=` server tokens with the exact qsh). Both are the built
 * React app with a session token for its API calls (session-token.ts): the report page, and the
 * admin page, which opens the app's admin view (Bitbucket workspaces). Jira shows the admin page
 * to site admins only, but the page holds nothing of its own: its API calls check the viewer again.
 */
export function pageRoutes(auth: ConnectAuthDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  const pageAuth = connectAuth(auth, { tokenClass: 'server', allowQueryToken: true, issueSessionToken: true });
  routes.get(CONNECT_ROUTES.reportsPage, pageAuth, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(renderReportPage({ token: c.get('sessionToken') }));
  });
  routes.get(CONNECT_ROUTES.adminPage, pageAuth, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(renderReportPage({ token: c.get('sessionToken'), view: 'admin', title: 'Tally settings' }));
  });
  return routes;
}
