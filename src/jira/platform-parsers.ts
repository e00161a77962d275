import { z } from 'zod';
import { AppError } from '../platform/app-error.js';
import type { JiraIssue, JiraIssuesResult, JiraProject, JiraUser, PermissionGrants } from './jira-client.js';

/**
 * Parsers for the Jira platform answers reports read live (jira-platform-openapi-excerpt.json):
 * bulk issue fetch, bulk users, project search and permission checks. Same contract as
 * worklog-parsers.ts: unknown fields are ignored, a missing or malformed required field fails the
 * whole answer with `JIRA_RESPONSE_INVALID` (retryable), and messages name fields, never values.
 * Fields the excerpt does not mark required are read tolerantly. Every function here is pure.
 */

/** Issue and project ids are numeric strings in `IssueBean` and `Project`; permission grants carry numbers. */
const numericId = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const id = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(id) && id >= 0) return id;
  ctx.addIssue({ code: 'custom', message: 'expected a non-negative integer id' });
  return z.NEVER;
});

const projectWire = z.object({ id: z.union([z.string(), z.number()]).transform(String), key: z.string().min(1), name: z.string() }).loose();

const issueWire = z
  .object({
    id: numericId,
    key: z.string().min(1),
    fields: z
      .object({
        summary: z.string().nullish(),
        project: projectWire,
        parent: z
          .object({ id: numericId, key: z.string().min(1), fields: z.object({ summary: z.string().nullish() }).loose().nullish() })
          .loose()
          .nullish(),
      })
      .loose(),
  })
  .loose();

const bulkIssuesWire = z
  .object({
    issues: z.array(issueWire).optional(),
    // `IssueError.id` is optional in the excerpt; an error without one names nothing to retry.
    issueErrors: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String).optional() }).loose()).optional(),
  })
  .loose();

const userWire = z
  .object({
    accountId: z.string().min(1),
    displayName: z.string().nullish(),
    active: z.boolean().nullish(),
    timeZone: z.string().nullish(),
    avatarUrls: z.object({ '48x48': z.string().nullish() }).loose().nullish(),
  })
  .loose();

const userPageWire = z.object({ values: z.array(userWire), isLast: z.boolean().nullish() }).loose();

const projectPageWire = z.object({ values: z.array(projectWire), isLast: z.boolean().nullish() }).loose();

const grantsWire = z
  .object({
    globalPermissions: z.array(z.string()),
    projectPermissions: z.array(z.object({ permission: z.string(), issues: z.array(numericId), projects: z.array(numericId) }).loose()),
  })
  .loose();

function parseOrThrow<T>(schema: z.ZodType<T, unknown>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new AppError('JIRA_RESPONSE_INVALID', `Jira's ${what} answer is not in the expected shape`, { details });
}

/**
 * A `BulkIssueResults` of `POST /issue/bulkfetch` asked for `summary`, `project` and `parent`.
 * Issues come back sorted by id (Jira documents ascending order; sorting again costs nothing).
 * A summary Jira leaves out becomes `''`; a parent without one too.
 */
export function parseBulkIssues(json: unknown): JiraIssuesResult {
  const wire = parseOrThrow(bulkIssuesWire, json, 'bulk issue fetch');
  const issues: JiraIssue[] = (wire.issues ?? []).map((issue) => ({
    id: issue.id,
    key: issue.key,
    summary: issue.fields.summary ?? '',
    project: { id: issue.fields.project.id, key: issue.fields.project.key, name: issue.fields.project.name },
    parent: issue.fields.parent ? { id: issue.fields.parent.id, key: issue.fields.parent.key, summary: issue.fields.parent.fields?.summary ?? '' } : null,
  }));
  issues.sort((a, b) => a.id - b.id);
  const failedIdsOrKeys = (wire.issueErrors ?? []).flatMap((error) => (error.id === undefined ? [] : [error.id]));
  return { issues, failedIdsOrKeys };
}

/**
 * One `PageBeanUser` of `GET /user/bulk`. A missing `displayName` becomes `''` and a missing
 * `active` counts as active (the excerpt requires neither).
 */
export function parseUserPage(json: unknown): { users: JiraUser[]; isLast: boolean | undefined } {
  const wire = parseOrThrow(userPageWire, json, 'bulk user');
  return {
    users: wire.values.map((user) => ({
      accountId: user.accountId,
      displayName: user.displayName ?? '',
      avatarUrl: user.avatarUrls?.['48x48'] ?? null,
      active: user.active ?? true,
      timeZone: user.timeZone ?? undefined,
    })),
    isLast: wire.isLast ?? undefined,
  };
}

/** One `PageBeanProject` of `GET /project/search`, reduced to id, key and name. */
export function parseProjectPage(json: unknown): { projects: JiraProject[]; isLast: boolean | undefined } {
  const wire = parseOrThrow(projectPageWire, json, 'project search');
  return { projects: wire.values.map((p) => ({ id: p.id, key: p.key, name: p.name })), isLast: wire.isLast ?? undefined };
}

/** A `BulkPermissionGrants` of `POST /permissions/check`; a permission listed twice is merged. */
export function parsePermissionGrants(json: unknown): PermissionGrants {
  const wire = parseOrThrow(grantsWire, json, 'permission check');
  const projectPermissions = new Map<string, { projectIds: Set<number>; issueIds: Set<number> }>();
  for (const grant of wire.projectPermissions) {
    const entry = projectPermissions.get(grant.permission) ?? { projectIds: new Set<number>(), issueIds: new Set<number>() };
    projectPermissions.set(grant.permission, entry);
    for (const id of grant.projects) entry.projectIds.add(id);
    for (const id of grant.issues) entry.issueIds.add(id);
  }
  return { globalPermissions: new Set(wire.globalPermissions), projectPermissions };
}
