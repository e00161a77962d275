import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { SimProject, SimUser } from '../jira-site.js';
import { canBrowseProject } from '../jql/jql-values.js';
import { integerParam, listParam } from './platform-input.js';
import { renderProjectRef } from './platform-issue-bean.js';
import { hasGlobalPermission, hasProjectPermission } from './platform-permission-grants.js';

const ORDER_FIELDS = ['category', 'key', 'name', 'owner', 'issueCount', 'lastIssueUpdatedDate', 'archivedDate', 'deletedDate'];
const ACTIONS = new Set(['view', 'browse', 'edit', 'create']);
/** "Must be less than or equal to 100. If a value greater than 100 is provided, … default to 100." */
const MAX_PAGE = 100;
/** "Up to 50 project IDs / keys can be provided" (openapi: searchProjects). */
const MAX_FILTER_VALUES = 50;

function allowed(project: SimProject, viewer: SimUser, action: string): boolean {
  if (action === 'edit') return hasProjectPermission(viewer, 'ADMINISTER_PROJECTS', project);
  if (action === 'create') return hasProjectPermission(viewer, 'CREATE_ISSUES', project);
  if (action === 'view' && hasGlobalPermission(viewer, 'ADMINISTER')) return true;
  return canBrowseProject(project, viewer);
}

/**
 * `GET /rest/api/3/project/search`: a `PageBeanProject` of the projects the caller may see,
 * filtered by `id`, `keys`, `query` (key or name, case-insensitive) and `typeKey`, ordered by
 * key or name (other orders fall back to key: the simulator has no categories, leads or counts).
 * No match is an empty page, not a 404.
 */
export function projectRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.get('/rest/api/3/project/search', (c) => {
    const startAt = integerParam(c.req.query('startAt'), 'startAt', 0);
    if (startAt instanceof Response) return startAt;
    const requestedMax = integerParam(c.req.query('maxResults'), 'maxResults', 50);
    if (requestedMax instanceof Response) return requestedMax;
    const maxResults = Math.min(requestedMax, MAX_PAGE);
    const orderBy = c.req.query('orderBy') ?? 'key';
    const orderField = orderBy.replace(/^[+-]/, '');
    if (!ORDER_FIELDS.includes(orderField)) return jiraError(400, [`Invalid orderBy value: '${orderBy.slice(0, 40)}'.`]);
    const action = c.req.query('action') ?? 'view';
    if (!ACTIONS.has(action)) return jiraError(400, [`Invalid action value: '${action.slice(0, 40)}'.`]);
    const ids = listParam(c.req.queries('id'));
    const keys = listParam(c.req.queries('keys')).map((k) => k.toUpperCase());
    if (ids.length > MAX_FILTER_VALUES || keys.length > MAX_FILTER_VALUES) {
      return jiraError(400, [`At most ${MAX_FILTER_VALUES} project ids and ${MAX_FILTER_VALUES} keys can be provided.`]);
    }
    if (ids.some((id) => !/^\d+$/.test(id))) return jiraError(400, ['Project ids must be numbers.']);
    const query = c.req.query('query')?.toLowerCase();
    const typeKeys = listParam(c.req.queries('typeKey'));
    const statuses = listParam(c.req.queries('status'));
    const viewer = c.get('caller').user;

    const matching = [...site.projects.values()]
      .filter((p) => allowed(p, viewer, action))
      .filter((p) => ids.length === 0 || ids.includes(p.id))
      .filter((p) => keys.length === 0 || keys.includes(p.key))
      .filter((p) => !query || p.key.toLowerCase() === query || p.name.toLowerCase().includes(query))
      .filter(() => typeKeys.length === 0 || typeKeys.includes('software'))
      .filter(() => statuses.length === 0 || statuses.includes('live'))
      .sort((a, b) => (orderField === 'name' ? a.name.localeCompare(b.name) : a.key.localeCompare(b.key)) * (orderBy.startsWith('-') ? -1 : 1));

    const page = matching.slice(startAt, startAt + maxResults);
    const pageUrl = (start: number) => {
      const params = new URL(c.req.url).searchParams;
      params.set('startAt', String(start));
      params.set('maxResults', String(maxResults));
      return `${site.baseUrl}/rest/api/3/project/search?${params.toString()}`;
    };
    const isLast = startAt + page.length >= matching.length;
    const body: Record<string, unknown> = { self: pageUrl(startAt), maxResults, startAt, total: matching.length, isLast };
    if (!isLast) body.nextPage = pageUrl(startAt + page.length);
    body.values = page.map((project) => ({
      expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
      ...renderProjectRef(site, project),
      style: 'classic',
      isPrivate: false,
      properties: {},
    }));
    return c.json(body);
  });

  return routes;
}
