import { Hono } from 'hono';
import type { JiraSite, SimUser } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';
import { appRequestQsh } from './connect-token.js';
import { encodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';

/** Where Jira Cloud shows an app's page: `/plugins/servlet/ac/{appKey}/{moduleKey}`. */
export const APP_PAGE_PATH = '/plugins/servlet/ac/:appKey/:moduleKey';

/** Lifetime of the page-load token; Tally's own session tokens take over once the page is up. */
const PAGE_TOKEN_SECONDS = 180;

interface PageModule {
  key?: unknown;
  url?: unknown;
}

function findPageModule(descriptor: Record<string, unknown>, moduleKey: string): string | undefined {
  const modules = (descriptor.modules ?? {}) as Record<string, unknown>;
  for (const kind of ['generalPages', 'adminPages', 'jiraProjectPages']) {
    const list = modules[kind];
    if (!Array.isArray(list)) continue;
    const page = (list as PageModule[]).find((module) => module.key === moduleKey);
    if (page && typeof page.url === 'string') return page.url;
  }
  return undefined;
}

function viewerOf(site: JiraSite, requested: string | undefined): SimUser | undefined {
  if (requested !== undefined) return site.users.get(requested);
  // Nobody logs in to the simulator: by default the page opens as the first site admin.
  return [...site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian' && user.active);
}

/**
 * The simulated Jira's page host. Real Jira renders its own chrome around an iframe whose URL
 * carries a fresh `?jwt=` (HS256, the shared secret, the exact qsh of the page URL, `sub` = the
 * viewer). There is no chrome here: the route answers 302 to that signed URL, so a browser (or a
 * test) opens the app's page exactly as the iframe would load it. `?as=<accountId>` picks the
 * viewer. Public: the simulator has no login.
 */
export function pageHostRoutes(site: JiraSite): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.get(APP_PAGE_PATH, (c) => {
    const app = site.findApp(c.req.param('appKey'));
    if (!app || !app.enabled) return c.text('No such app on this site', 404);
    const pagePath = findPageModule(app.descriptor, c.req.param('moduleKey'));
    if (pagePath === undefined) return c.text('No such page module', 404);
    const viewer = viewerOf(site, c.req.query('as'));
    if (!viewer) return c.text('No such user', 404);
    const url = new URL(pagePath, `${app.baseUrl.replace(/\/+$/, '')}/`);
    // Connect page URLs may carry context parameters; Tally's pages take none.
    url.search = '';
    const target = `${app.baseUrl.replace(/\/+$/, '')}${url.pathname}`;
    const iat = Math.floor(site.clock.now() / 1000);
    const jwt = encodeSymmetric(
      { iss: app.clientKey, sub: viewer.accountId, iat, exp: iat + PAGE_TOKEN_SECONDS, qsh: appRequestQsh('GET', target, app.baseUrl) },
      app.sharedSecret,
      SymmetricAlgorithm.HS256,
    );
    return c.redirect(`${target}?jwt=${encodeURIComponent(jwt)}`, 302);
  });
  return routes;
}
