import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { JiraSite, SimProject, SimUser } from '../jira-site.js';
import { canBrowseProject } from '../jql/jql-values.js';
import { checkObject, integerList, readObjectBody, stringList } from './platform-input.js';
import { hasGlobalPermission, hasProjectPermission, hasProjectPermissionAnywhere, PERMISSIONS } from './platform-permission-grants.js';

/** "A maximum of 1000 projects and 1000 issues can be checked" (openapi: getBulkPermissions). */
const MAX_CHECKED = 1000;

function unknownKeys(keys: string[], type: 'GLOBAL' | 'PROJECT'): string[] {
  return keys.filter((key) => PERMISSIONS.get(key)?.type !== type);
}

type ProjectRequest = { permissions: string[]; projects: number[]; issues: number[] };

function parseProjectRequests(value: unknown): ProjectRequest[] | Response {
  const requests: ProjectRequest[] = [];
  for (const item of Array.isArray(value) ? value : []) {
    if (item === null) continue;
    const entry = checkObject(item, { permissions: 'string[]', projects: 'integer[]', issues: 'integer[]' });
    if (entry instanceof Response) return entry;
    const permissions = stringList(entry.permissions);
    if (permissions.length === 0) return jiraError(400, ['At least one project permission must be provided for each projectPermissions entry.']);
    const invalid = unknownKeys(permissions, 'PROJECT');
    if (invalid.length > 0) return jiraError(400, [`Unrecognized project permissions: ${invalid.slice(0, 5).join(', ')}`]);
    requests.push({ permissions, projects: integerList(entry.projects), issues: integerList(entry.issues) });
  }
  const projects = new Set(requests.flatMap((r) => r.projects)).size;
  const issues = new Set(requests.flatMap((r) => r.issues)).size;
  if (projects > MAX_CHECKED || issues > MAX_CHECKED) return jiraError(400, [`At most ${MAX_CHECKED} projects and ${MAX_CHECKED} issues can be checked.`]);
  return requests;
}

/** Grants per permission, merged across entries (the response lists each permission once). */
function grantProjects(site: JiraSite, user: SimUser, requests: ProjectRequest[]): Record<string, unknown>[] {
  const grants = new Map<string, { projects: Set<number>; issues: Set<number> }>();
  for (const request of requests) {
    for (const permission of request.permissions) {
      const grant = grants.get(permission) ?? { projects: new Set(), issues: new Set() };
      grants.set(permission, grant);
      for (const id of request.projects) {
        const project = site.projects.get(String(id));
        if (project && hasProjectPermission(user, permission, project)) grant.projects.add(id);
      }
      for (const id of request.issues) {
        const issue = site.issues.get(id);
        const project = issue && site.projects.get(issue.projectId);
        if (issue && project && hasProjectPermission(user, permission, project) && site.canBrowseIssue(issue, user)) grant.issues.add(id);
      }
    }
  }
  return [...grants].map(([permission, g]) => ({ permission, issues: [...g.issues], projects: [...g.projects] }));
}

function findContextProject(site: JiraSite, c: { req: { query(name: string): string | undefined } }, viewer: SimUser): SimProject | null | Response {
  const notFound = () => jiraError(404, ['No project could be found with the given id or key.']);
  const issueRef = c.req.query('issueId') ?? c.req.query('issueKey');
  if (issueRef) {
    const issue = site.findIssue(issueRef);
    if (!issue || !site.canBrowseIssue(issue, viewer)) return jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
    return site.projects.get(issue.projectId) ?? notFound();
  }
  const projectRef = c.req.query('projectId') ?? c.req.query('projectKey');
  if (!projectRef) return null;
  const project = [...site.projects.values()].find((p) => p.id === projectRef || p.key === projectRef.toUpperCase());
  return project && canBrowseProject(project, viewer) ? project : notFound();
}

/**
 * `POST /rest/api/3/permissions/check` (bulk grants for the caller or, for admins and Connect
 * apps, any `accountId`; unknown project and issue ids are ignored) and
 * `GET /rest/api/3/mypermissions` (global, project or issue context).
 */
export function permissionRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.post('/rest/api/3/permissions/check', async (c) => {
    const body = await readObjectBody(c.req.raw, { accountId: 'string', globalPermissions: 'string[]', projectPermissions: 'object[]' });
    if (body instanceof Response) return body;
    const caller = c.get('caller');
    const global = stringList(body.globalPermissions);
    const invalidGlobal = unknownKeys(global, 'GLOBAL');
    if (invalidGlobal.length > 0) return jiraError(400, [`Unrecognized global permissions: ${invalidGlobal.slice(0, 5).join(', ')}`]);
    const projectRequests = parseProjectRequests(body.projectPermissions);
    if (projectRequests instanceof Response) return projectRequests;
    let subject = caller.user;
    if (typeof body.accountId === 'string' && body.accountId !== caller.user.accountId) {
      // Admins may ask about anyone; so may Connect apps from their server (openapi: getBulkPermissions).
      if (caller.kind !== 'app' && !hasGlobalPermission(caller.user, 'ADMINISTER')) {
        return jiraError(403, ['You must have the Administer Jira global permission to check the permissions of other users.']);
      }
      const user = site.users.get(body.accountId);
      if (!user) return jiraError(400, [`The user with account ID '${body.accountId.slice(0, 128)}' does not exist.`]);
      subject = user;
    }
    return c.json({
      globalPermissions: [...new Set(global)].filter((key) => hasGlobalPermission(subject, key)),
      projectPermissions: grantProjects(site, subject, projectRequests),
    });
  });

  routes.get('/rest/api/3/mypermissions', (c) => {
    const keys = [...new Set((c.req.query('permissions') ?? '').split(',').map((k) => k.trim()).filter(Boolean))];
    if (keys.length === 0) return jiraError(400, ['The permissions parameter is required.'], { permissions: 'Provide at least one permission key.' });
    const invalid = keys.filter((key) => !PERMISSIONS.has(key));
    if (invalid.length > 0) return jiraError(400, [`Unrecognized permissions: ${invalid.slice(0, 5).join(', ')}`]);
    const viewer = c.get('caller').user;
    const project = findContextProject(site, c, viewer);
    if (project instanceof Response) return project;
    const permissions: Record<string, unknown> = {};
    for (const key of keys) {
      const info = PERMISSIONS.get(key);
      if (!info) continue;
      const havePermission =
        info.type === 'GLOBAL'
          ? hasGlobalPermission(viewer, key)
          : project
            ? hasProjectPermission(viewer, key, project)
            : hasProjectPermissionAnywhere(site, viewer, key);
      permissions[key] = { ...info, havePermission };
    }
    return c.json({ permissions });
  });

  return routes;
}
