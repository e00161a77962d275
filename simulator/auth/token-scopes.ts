import { endpointTemplate } from '../limits/endpoint-template.js';

/** The scopes one operation accepts: every classic scope, or every granular one ("Beta" in the spec). */
export interface OperationScopes {
  classic: readonly string[];
  granular: readonly string[];
}

const WORKLOG_READ = ['read:comment:jira', 'read:group:jira', 'read:issue-worklog:jira', 'read:issue-worklog.property:jira', 'read:project-role:jira', 'read:user:jira', 'read:avatar:jira'];
const USER_READ = ['read:application-role:jira', 'read:group:jira', 'read:user:jira', 'read:avatar:jira'];

/**
 * `x-atlassian-oauth2-scopes` of every operation the simulator serves, keyed `METHOD template`
 * (v3 paths; v2 maps onto them), copied from Atlassian's OpenAPI excerpts
 * (jira-worklog-openapi-excerpt.json, jira-platform-openapi-excerpt.json,
 * jira-entity-properties-openapi-excerpt.json; self-hosted-site.md §1.4).
 * `token-scopes.test.ts` fails when a served `/rest/` route is missing here.
 */
const OPERATION_SCOPES: Record<string, OperationScopes> = {
  'GET /rest/api/3/worklog/updated': { classic: ['read:jira-work'], granular: ['read:issue-worklog:jira', 'read:issue-worklog.property:jira'] },
  'GET /rest/api/3/worklog/deleted': { classic: ['read:jira-work'], granular: ['read:issue-worklog:jira', 'read:issue-worklog.property:jira'] },
  'POST /rest/api/3/worklog/list': { classic: ['read:jira-work'], granular: WORKLOG_READ },
  'GET /rest/api/3/issue/{issueIdOrKey}/worklog': { classic: ['read:jira-work'], granular: WORKLOG_READ.filter((s) => s !== 'read:comment:jira') },
  'GET /rest/api/3/issue/{issueIdOrKey}/worklog/{id}': { classic: ['read:jira-work'], granular: WORKLOG_READ },
  'POST /rest/api/3/issue/{issueIdOrKey}/worklog': {
    classic: ['write:jira-work'],
    granular: ['write:issue-worklog:jira', 'write:issue-worklog.property:jira', 'read:avatar:jira', 'read:group:jira', 'read:issue-worklog:jira', 'read:project-role:jira', 'read:user:jira', 'read:issue-worklog.property:jira'],
  },
  'PUT /rest/api/3/issue/{issueIdOrKey}/worklog/{id}': {
    classic: ['write:jira-work'],
    granular: [...WORKLOG_READ, 'write:comment:jira', 'write:issue-worklog:jira', 'write:issue-worklog.property:jira'],
  },
  'DELETE /rest/api/3/issue/{issueIdOrKey}/worklog/{id}': { classic: ['write:jira-work'], granular: ['delete:issue-worklog:jira', 'delete:issue-worklog.property:jira', 'write:issue.time-tracking:jira'] },
  'DELETE /rest/api/3/issue/{issueIdOrKey}/worklog': {
    classic: ['write:jira-work'],
    granular: ['delete:issue-worklog:jira', 'delete:issue-worklog.property:jira', 'write:issue.time-tracking:jira', 'read:group:jira', 'read:issue-worklog:jira', 'read:project-role:jira', 'read:user:jira', 'read:issue-worklog.property:jira'],
  },
  'POST /rest/api/3/issue/{issueIdOrKey}/worklog/move': {
    classic: ['write:jira-work'],
    granular: ['read:issue-worklog:jira', 'write:issue-worklog:jira', 'delete:issue-worklog:jira', 'read:issue-worklog.property:jira', 'write:issue-worklog.property:jira', 'delete:issue-worklog.property:jira', 'write:issue.time-tracking:jira', 'read:group:jira', 'read:project-role:jira', 'read:user:jira'],
  },
  'GET /rest/api/3/search/jql': { classic: ['read:jira-work'], granular: ['read:issue-details:jira', 'read:audit-log:jira', 'read:avatar:jira', 'read:field-configuration:jira', 'read:issue-meta:jira'] },
  'POST /rest/api/3/search/jql': { classic: ['read:jira-work'], granular: ['read:issue-details:jira', 'read:field.default-value:jira', 'read:field.option:jira', 'read:field:jira', 'read:group:jira'] },
  'POST /rest/api/3/issue/bulkfetch': {
    classic: ['read:jira-work'],
    granular: ['read:issue-meta:jira', 'read:issue-security-level:jira', 'read:issue.vote:jira', 'read:issue.changelog:jira', 'read:avatar:jira', 'read:issue:jira', 'read:status:jira', 'read:user:jira', 'read:field-configuration:jira'],
  },
  'GET /rest/api/3/myself': { classic: ['read:jira-user'], granular: USER_READ },
  'GET /rest/api/3/user/bulk': { classic: ['read:jira-user'], granular: USER_READ },
  'POST /rest/api/3/permissions/check': { classic: [], granular: ['read:permission:jira'] },
  'GET /rest/api/3/mypermissions': { classic: ['read:jira-work'], granular: ['read:permission:jira'] },
  'GET /rest/api/3/project/search': {
    classic: ['read:jira-work'],
    granular: ['read:issue-type:jira', 'read:project:jira', 'read:project.property:jira', 'read:user:jira', 'read:application-role:jira', 'read:avatar:jira', 'read:group:jira', 'read:issue-type-hierarchy:jira', 'read:project-category:jira', 'read:project-version:jira', 'read:project.component:jira'],
  },
  'GET /rest/api/3/user/properties': { classic: ['read:jira-user'], granular: ['read:user.property:jira'] },
  'GET /rest/api/3/user/properties/{propertyKey}': { classic: ['read:jira-user'], granular: ['read:user.property:jira'] },
  'PUT /rest/api/3/user/properties/{propertyKey}': { classic: ['write:jira-work'], granular: ['write:user.property:jira'] },
  'DELETE /rest/api/3/user/properties/{propertyKey}': { classic: ['write:jira-work'], granular: ['delete:user.property:jira'] },
  // The key-less PUT/DELETE only answer 405 ("the property key is not specified"); Jira names no
  // scope for them, so they ask what the keyed write does.
  'PUT /rest/api/3/user/properties': { classic: ['write:jira-work'], granular: ['write:user.property:jira'] },
  'DELETE /rest/api/3/user/properties': { classic: ['write:jira-work'], granular: ['delete:user.property:jira'] },
  'GET /rest/api/3/serverInfo': { classic: [], granular: [] },
  'GET /rest/api/3/configuration/timetracking': { classic: ['manage:jira-configuration'], granular: ['read:issue.time-tracking:jira'] },
  'PUT /rest/api/3/configuration/timetracking': { classic: ['manage:jira-configuration'], granular: ['write:issue.time-tracking:jira'] },
  'GET /rest/api/3/webhook/failed': {
    classic: ['read:jira-work', 'manage:jira-webhook'],
    granular: ['read:issue-details:jira', 'read:webhook:jira', 'read:comment.property:jira', 'read:group:jira', 'read:issue-type:jira', 'read:project-role:jira', 'read:epic:jira-software'],
  },
};

/** The admin webhook REST API (`/rest/webhooks/1.0/webhook[/{id}]`): not in the OpenAPI spec. */
const ADMIN_WEBHOOK_TEMPLATE = /^\/rest\/webhooks\/1\.0\/webhook(\/\{id\})?$/;

/**
 * The scopes a request needs, or undefined for a route this table does not know (the caller then
 * refuses it: a scoped token grants nothing it does not name). `adminWebhookScopes` are the
 * classic scopes the admin webhook API asks of a scoped token (unverified, §4.1).
 */
export function findOperationScopes(method: string, pathname: string, adminWebhookScopes: readonly string[]): OperationScopes | undefined {
  const template = endpointTemplate(pathname).replace(/^\/rest\/api\/2\//, '/rest/api/3/');
  if (ADMIN_WEBHOOK_TEMPLATE.test(template)) return { classic: adminWebhookScopes, granular: adminWebhookScopes };
  return OPERATION_SCOPES[`${method.toUpperCase()} ${template}`];
}

/** Whether `granted` holds every classic scope or every granular scope of `needed`. */
export function scopesSatisfy(granted: readonly string[], needed: OperationScopes): boolean {
  const has = (scope: string) => granted.includes(scope);
  return needed.classic.every(has) || (needed.granular.length > 0 && needed.granular.every(has));
}
