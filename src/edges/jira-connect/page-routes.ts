import { Hono } from 'hono';
import type { TallyEnv } from '../../http/tally-env.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_ROUTES } from './descriptor.js';
import { renderReportPage } from '../../http/report-page.js';

function placeholderPage(title: string, body: string): string {
  // No inline script and nothing from the request is echoed: the CSP and XSS rules of
  // security-and-reliability.md §2.6 hold even for a placeholder.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1><p>${body}</p></main></body></html>`;
}

/**
 * The iframe pages Jira loads (`?jwt=` server tokens with the exact qsh). The report page is the
 * built React app with a session token for its API calls (session-token.ts); the admin page is
 * still a placeholder.
 */
export function pageRoutes(auth: ConnectAuthDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  const pageAuth = connectAuth(auth, { tokenClass: 'server', allowQueryToken: true });
  const reportPageAuth = connectAuth(auth, { tokenClass: 'server', allowQueryToken: true, issueSessionToken: true });
  routes.get(CONNECT_ROUTES.reportsPage, reportPageAuth, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(renderReportPage({ token: c.get('sessionToken') }));
  });
  routes.get(CONNECT_ROUTES.adminPage, pageAuth, (c) =>
    c.html(placeholderPage('Tally sync status', 'Synchronisation status will be shown here.')),
  );
  return routes;
}
