import { Hono } from 'hono';
import type { TallyEnv } from '../http/tally-env.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_ROUTES } from './descriptor.js';

function placeholderPage(title: string, body: string): string {
  // No inline script and nothing from the request is echoed: the CSP and XSS rules of
  // security-and-reliability.md §2.6 hold even for a placeholder.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1><p>${body}</p></main></body></html>`;
}

/**
 * The iframe pages Jira loads (`?jwt=` server tokens with the exact qsh). Their content arrives
 * with the reports and sync issues; today they prove the page authentication.
 */
export function pageRoutes(auth: ConnectAuthDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  const pageAuth = connectAuth(auth, { tokenClass: 'server', allowQueryToken: true });
  routes.get(CONNECT_ROUTES.reportsPage, pageAuth, (c) =>
    c.html(placeholderPage('Time reports', 'Tally is installed on this site. Reports appear here once the first synchronisation has finished.')),
  );
  routes.get(CONNECT_ROUTES.adminPage, pageAuth, (c) =>
    c.html(placeholderPage('Tally sync status', 'Synchronisation status will be shown here.')),
  );
  return routes;
}
