import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { JiraSite, SimUser } from '../jira-site.js';
import { renderUserDetails } from '../render.js';
import { integerParam } from './platform-input.js';

/** The brief's bound on ids per `/user/bulk` call; Jira's own limit is not documented. */
export const MAX_BULK_ACCOUNT_IDS = 200;
/** `maxResults` default of `/user/bulk` (openapi: bulkGetUsers) — only 10 users unless asked. */
const DEFAULT_BULK_PAGE = 10;

/** A stable group id derived from the name (Jira group ids are UUIDs). */
function groupId(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Jira's `User`: the `UserDetails` fields plus `emailAddress` where the viewer may see it. The
 * simulator shows an email only to the user themself and to site admins (Atlassian's default
 * profile visibility hides it from others and from apps).
 */
export function renderUser(site: JiraSite, user: SimUser, viewer: SimUser): Record<string, unknown> {
  const body = renderUserDetails(site, user.accountId, '3');
  const rendered: Record<string, unknown> = { self: body.self, accountId: user.accountId, accountType: user.accountType };
  if (user.emailAddress && user.active && (viewer.accountId === user.accountId || viewer.siteAdmin)) {
    rendered.emailAddress = user.emailAddress;
  }
  return { ...rendered, avatarUrls: body.avatarUrls, displayName: user.displayName, active: user.active, timeZone: user.timeZone };
}

function renderMyself(site: JiraSite, user: SimUser, expand: string[]): Record<string, unknown> {
  const groups = expand.includes('groups')
    ? user.groups.map((name) => ({ name, groupId: groupId(name), self: `${site.baseUrl}/rest/api/3/group?groupId=${groupId(name)}` }))
    : [];
  return {
    ...renderUser(site, user, user),
    locale: 'en_US',
    groups: { size: user.groups.length, items: groups },
    applicationRoles: { size: user.accountType === 'atlassian' ? 1 : 0, items: [] },
    expand: 'groups,applicationRoles',
  };
}

/**
 * `GET /rest/api/3/user/bulk` (a `PageBeanUser` of the named accounts, in request order, deleted
 * users as the inactive "Former user" Jira keeps; ids it never knew are left out) and
 * `GET /rest/api/3/myself`.
 */
export function userRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.get('/rest/api/3/user/bulk', (c) => {
    const ids = [...new Set((c.req.queries('accountId') ?? []).map((id) => id.trim()).filter(Boolean))];
    if (ids.length === 0) return jiraError(400, ['You must specify at least one accountId.'], { accountId: 'accountId is required.' });
    if (ids.length > MAX_BULK_ACCOUNT_IDS) {
      return jiraError(400, [`You can request at most ${MAX_BULK_ACCOUNT_IDS} accountIds at a time.`]);
    }
    if (ids.some((id) => id.length > 128)) return jiraError(400, ['accountId must be at most 128 characters.']);
    const startAt = integerParam(c.req.query('startAt'), 'startAt', 0);
    if (startAt instanceof Response) return startAt;
    const maxResults = integerParam(c.req.query('maxResults'), 'maxResults', DEFAULT_BULK_PAGE);
    if (maxResults instanceof Response) return maxResults;
    const viewer = c.get('caller').user;
    const users = ids.map((id) => site.users.get(id)).filter((u): u is SimUser => u !== undefined);
    const page = users.slice(startAt, startAt + maxResults);
    const query = (start: number) =>
      `${site.baseUrl}/rest/api/3/user/bulk?startAt=${start}&maxResults=${maxResults}` +
      ids.map((id) => `&accountId=${encodeURIComponent(id)}`).join('');
    const isLast = startAt + page.length >= users.length;
    const body: Record<string, unknown> = { self: query(startAt), maxResults, startAt, total: users.length, isLast };
    if (!isLast) body.nextPage = query(startAt + page.length);
    body.values = page.map((user) => renderUser(site, user, viewer));
    return c.json(body);
  });

  routes.get('/rest/api/3/myself', (c) => {
    const expand = (c.req.query('expand') ?? '').split(',').map((e) => e.trim());
    return c.json(renderMyself(site, c.get('caller').user, expand));
  });

  return routes;
}
