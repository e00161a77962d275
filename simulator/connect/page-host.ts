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
  // Web panels (the issue view's right-hand context) are iframes like pages; Jira loads them with the issue in context.
  for (const kind of ['generalPages', 'adminPages', 'jiraProjectPages', 'webPanels']) {
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
 * Fills in the module URL's context parameters as Jira does. Only `{issue.key}` and `{issue.id}`
 * are modelled: the issue comes from `?issue=<key or id>` (the page a person has open) and must be
 * one the viewer may browse, as Jira shows a panel only on an issue the viewer sees.
 */
function resolveContext(pagePath: string, site: JiraSite, viewer: SimUser, issueRef: string | undefined): { path: string } | { problem: string } {
  if (!/\{issue\.(key|id)\}/.test(pagePath)) return { path: pagePath };
  const issue = issueRef === undefined ? undefined : site.findIssue(issueRef);
  if (!issue || !site.canBrowseIssue(issue, viewer)) return { problem: 'This panel needs ?issue=<an issue the viewer can see>' };
  return { path: pagePath.replaceAll('{issue.key}', encodeURIComponent(issue.key)).replaceAll('{issue.id}', String(issue.id)) };
}

/**
 * The simulated Jira's page host. Real Jira renders its own chrome around an iframe whose URL
 * carries a fresh `?jwt=` (HS256, the shared secret, the exact qsh of the page URL, `sub` = the
 * viewer). There is no chrome here: the route answers 302 to that signed URL, so a browser (or a
 * test) opens the app's page exactly as the iframe would load it. `?as=<accountId>` picks the
 * viewer; a web panel's `?issue=<key>` the issue in context. The module URL's own query stays and
 * is covered by the qsh. Public: the simulator has no login.
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
    const resolved = resolveContext(pagePath, site, viewer, c.req.query('issue'));
    if ('problem' in resolved) return c.text(resolved.problem, 404);
    const url = new URL(resolved.path, `${app.baseUrl.replace(/\/+$/, '')}/`);
    const target = `${app.baseUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`;
    const iat = Math.floor(site.clock.now() / 1000);
    const jwt = encodeSymmetric(
      { iss: app.clientKey, sub: viewer.accountId, iat, exp: iat + PAGE_TOKEN_SECONDS, qsh: appRequestQsh('GET', target, app.baseUrl) },
      app.sharedSecret,
      SymmetricAlgorithm.HS256,
    );
    return c.redirect(`${target}${url.search ? '&' : '?'}jwt=${encodeURIComponent(jwt)}`, 302);
  });
  return routes;
}
