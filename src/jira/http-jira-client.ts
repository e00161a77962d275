import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { TenantId } from '../tenants/tenant.js';
import {
  MAX_IDS_PER_PERMISSION_CHECK,
  MAX_ISSUES_PER_FETCH,
  MAX_PROJECTS_PER_FETCH,
  MAX_USERS_PER_FETCH,
  type CallOptions,
  type FeedCursor,
  type JiraClient,
  type PermissionCheck,
} from './jira-client.js';
import type { TenantJiraAccess } from './jira-credentials.js';
import type { RateLimitCoordinator } from './rate-limit-coordinator.js';
import type { Sleep } from './sleep.js';
import { createJiraRequestRunner, type JiraCallLogger } from './jira-request-runner.js';
import { feedUrl } from './feed-url.js';
import { parseChangedWorklogsPage, parseFailedWebhooks, parseIssueWorklogsPage, parseSearchIdsPage, parseServerTimeMs } from './worklog-parsers.js';
import { parseBulkIssues, parsePermissionGrants, parseProjectPage, parseUserPage } from './platform-parsers.js';
import { inlineWorklogListDecoder, type WorklogListDecoder } from './worklog-list-decoder.js';

/** Dependencies and limits of {@link createHttpJiraClient}. */
export interface HttpJiraClientOptions {
  tenantId: TenantId;
  access: TenantJiraAccess;
  fetch: Fetch;
  clock: Clock;
  sleep: Sleep;
  /** The process's one coordinator, shared by every tenant's client. */
  coordinator: RateLimitCoordinator;
  /** Per attempt, body included; default 30 s. */
  requestTimeoutMs?: number;
  /** Attempts per call for transient failures (5xx, timeouts, resets, unusable bodies); default 6. */
  maxAttempts?: number;
  /** 429 answers a call may meet before it fails with `JIRA_RATE_LIMITED`; default 12. */
  maxRateLimitedAttempts?: number;
  /** Largest body read; default 64 MiB. */
  maxResponseBytes?: number;
  /** Jitter source for backoff; default `Math.random`. */
  random?: () => number;
  logger?: JiraCallLogger;
  /** Where `/worklog/list` answers are decoded; default inline (the process's parse pool in production). */
  worklogListDecoder?: WorklogListDecoder;
}

/** `POST /worklog/list` takes at most 1000 ids (jira-connect-protocol.md §1.2). */
const MAX_LIST_IDS = 1000;
/** `/issue/{id}/worklog` pages default to, and are capped at, 5000 (§1.3). */
const ISSUE_WORKLOG_PAGE = 5000;
/** `/search/jql` returns up to 5000 issues when only ids are asked for (OpenAPI excerpt, searchAndReconsile). */
const SEARCH_ID_PAGE = 5000;

/** Only what reports show: `id` and `key` always come (OpenAPI excerpt, IssueBean). */
const ISSUE_FIELDS = ['summary', 'project', 'parent'];
/** `accountId` is at most 128 characters (OpenAPI excerpt, bulkGetUsers). */
const MAX_ACCOUNT_ID_LENGTH = 128;

const isIssueRef = (value: number | string): boolean =>
  typeof value === 'number' ? Number.isSafeInteger(value) && value >= 0 : /^(\d{1,16}|[A-Za-z][A-Za-z0-9_]*-\d{1,16})$/.test(value);
const isAccountId = (value: string): boolean => typeof value === 'string' && value.length > 0 && value.length <= MAX_ACCOUNT_ID_LENGTH;
const isId = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/**
 * Reads a `startAt`/`isLast` paged list to its end. Jira may return fewer items than asked for
 * (it caps `maxResults` as it likes), so paging stops only on `isLast: true`, an empty page, or,
 * where Jira leaves `isLast` out, once `enough` says every wanted item came. `maxPages` bounds it.
 */
async function readAllPages<T>(
  readPage: (startAt: number) => Promise<{ items: T[]; isLast: boolean | undefined }>,
  enough: (items: T[]) => boolean,
  maxPages: number,
): Promise<T[]> {
  const items: T[] = [];
  let startAt = 0;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await readPage(startAt);
    items.push(...page.items);
    startAt += page.items.length;
    if (page.items.length === 0 || page.isLast === true || (page.isLast === undefined && enough(items))) break;
  }
  return items;
}

function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`createHttpJiraClient: ${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Tally's {@link JiraClient} over HTTP against `/rest/api/3` of one tenant's site. Every call
 * goes through the shared rate-limit coordinator and the bounded retry policy of
 * {@link createJiraRequestRunner}, with a fresh `Authorization` per attempt, redirects refused
 * and bodies size-capped and validated whole. Calls are reads only, so retrying is safe.
 * Options are checked when built (RangeError).
 *
 * - A feed `nextPage` is followed verbatim only on the site's own origin and base path; any other
 *   is rebuilt from its `since`, so a signed token never leaves for another host (§2.5).
 * - `getWorklogs([])` answers `[]` without a call; more than 1000 ids throw `INTERNAL` (a caller
 *   bug) before anything is sent; duplicate ids are sent once.
 * - `getIssueWorklogs` of an issue Jira answers 404 for (missing, hidden, or time tracking off,
 *   §1.3) throws `JIRA_NOT_FOUND`, not retryable: it is no proof the worklogs are gone.
 * - The platform reads (`getIssues`, `getUsers`, `getProjects`, `checkPermissions`) send
 *   duplicates once and throw `INTERNAL` (a caller bug) before anything is sent when over their
 *   per-call limit or given malformed ids; the first three answer empty without a call when asked
 *   for nothing. Points estimates follow §3: issues and projects 1 each, users and grants 2.
 */
export function createHttpJiraClient(options: HttpJiraClientOptions): JiraClient {
  const base = options.access.baseUrl.replace(/\/+$/, '');
  const listDecoder = options.worklogListDecoder ?? inlineWorklogListDecoder;
  let pointsSpent = 0;
  const run = createJiraRequestRunner({
    tenantId: options.tenantId,
    access: options.access,
    fetch: options.fetch,
    clock: options.clock,
    sleep: options.sleep,
    coordinator: options.coordinator,
    requestTimeoutMs: requirePositiveInteger('requestTimeoutMs', options.requestTimeoutMs ?? 30_000),
    maxAttempts: requirePositiveInteger('maxAttempts', options.maxAttempts ?? 6),
    maxRateLimitedAttempts: requirePositiveInteger('maxRateLimitedAttempts', options.maxRateLimitedAttempts ?? 12),
    maxResponseBytes: requirePositiveInteger('maxResponseBytes', options.maxResponseBytes ?? 64 * 1024 * 1024),
    random: options.random ?? Math.random,
    logger: options.logger,
    onPointsSpent: (points) => (pointsSpent += points),
  });

  const feed = async (kind: 'updated' | 'deleted', cursor: FeedCursor, callOptions: CallOptions | undefined) => {
    const url = feedUrl(base, kind, cursor);
    return run(
      {
        method: 'GET',
        url,
        endpoint: `GET /rest/api/3/worklog/${kind}`,
        parse: (json) => parseChangedWorklogsPage(json, url),
        countObjects: (page) => page.values.length,
      },
      callOptions,
    );
  };

  return {
    pointsSpent: () => pointsSpent,
    getUpdatedWorklogs: (cursor, callOptions) => feed('updated', cursor, callOptions),
    getDeletedWorklogs: (cursor, callOptions) => feed('deleted', cursor, callOptions),

    async getWorklogs(ids, callOptions) {
      const unique = [...new Set(ids)];
      if (unique.length > MAX_LIST_IDS) throw new AppError('INTERNAL', `getWorklogs takes at most ${MAX_LIST_IDS} ids, got ${unique.length}`);
      if (!unique.every((id) => Number.isSafeInteger(id) && id >= 0)) throw new AppError('INTERNAL', 'getWorklogs takes non-negative integer ids only');
      // Jira answers 400 to an empty list (§1.2); there is nothing to ask for.
      if (unique.length === 0) return [];
      return run(
        {
          method: 'POST',
          url: `${base}/rest/api/3/worklog/list`,
          endpoint: 'POST /rest/api/3/worklog/list',
          body: { ids: unique },
          decodeBody: (bytes) => listDecoder.decode(bytes),
          countObjects: (worklogs) => worklogs.length,
          maxObjects: unique.length,
        },
        callOptions,
      );
    },

    async getIssueWorklogs(issueId, startAt, callOptions) {
      if (!Number.isSafeInteger(issueId) || issueId < 0 || !Number.isSafeInteger(startAt) || startAt < 0) {
        throw new AppError('INTERNAL', 'getIssueWorklogs takes a non-negative integer issue id and startAt');
      }
      const startedAfterMs = callOptions?.startedAfterMs;
      if (startedAfterMs !== undefined && (!Number.isSafeInteger(startedAfterMs) || startedAfterMs < 0)) {
        throw new AppError('INTERNAL', 'getIssueWorklogs takes startedAfterMs as non-negative epoch milliseconds');
      }
      const startedBeforeMs = callOptions?.startedBeforeMs;
      if (startedBeforeMs !== undefined && (!Number.isSafeInteger(startedBeforeMs) || startedBeforeMs < 0)) {
        throw new AppError('INTERNAL', 'getIssueWorklogs takes startedBeforeMs as non-negative epoch milliseconds');
      }
      const startedAfter = (startedAfterMs === undefined ? '' : `&startedAfter=${startedAfterMs}`) + (startedBeforeMs === undefined ? '' : `&startedBefore=${startedBeforeMs}`);
      return run(
        {
          method: 'GET',
          url: `${base}/rest/api/3/issue/${issueId}/worklog?startAt=${startAt}&maxResults=${ISSUE_WORKLOG_PAGE}${startedAfter}`,
          endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}/worklog',
          parse: (json) => parseIssueWorklogsPage(json),
          countObjects: (page) => page.worklogs.length,
        },
        callOptions,
      );
    },

    getFailedWebhooks(afterMs, callOptions) {
      return run(
        {
          method: 'GET',
          url: `${base}/rest/api/3/webhook/failed?maxResults=100&after=${Math.max(0, Math.floor(afterMs))}`,
          endpoint: 'GET /rest/api/3/webhook/failed',
          parse: (json) => parseFailedWebhooks(json),
          countObjects: (page) => page.values.length,
        },
        callOptions,
      );
    },

    searchIssueIds(jql, nextPageToken, callOptions) {
      const maxResults = Math.max(1, Math.min(SEARCH_ID_PAGE, Math.floor(callOptions?.pageSize ?? SEARCH_ID_PAGE)));
      return run(
        {
          method: 'POST',
          url: `${base}/rest/api/3/search/jql`,
          endpoint: 'POST /rest/api/3/search/jql',
          body: { jql, fields: ['id'], maxResults, ...(nextPageToken === undefined ? {} : { nextPageToken }) },
          parse: (json) => parseSearchIdsPage(json),
          countObjects: (page) => page.ids.length,
          maxObjects: maxResults,
        },
        callOptions,
      );
    },

    async getIssues(idsOrKeys, callOptions) {
      const unique = [...new Set(idsOrKeys.map((ref) => (typeof ref === 'number' ? String(ref) : ref)))];
      if (unique.length > MAX_ISSUES_PER_FETCH) throw new AppError('INTERNAL', `getIssues takes at most ${MAX_ISSUES_PER_FETCH} ids or keys, got ${unique.length}`);
      if (!idsOrKeys.every(isIssueRef)) throw new AppError('INTERNAL', 'getIssues takes issue ids and keys only');
      // Jira answers 400 to an empty list; there is nothing to ask for.
      if (unique.length === 0) return { issues: [], failedIdsOrKeys: [] };
      return run(
        {
          method: 'POST',
          url: `${base}/rest/api/3/issue/bulkfetch`,
          endpoint: 'POST /rest/api/3/issue/bulkfetch',
          body: { issueIdsOrKeys: unique, fields: ISSUE_FIELDS },
          parse: (json) => parseBulkIssues(json),
          countObjects: (result) => result.issues.length,
        },
        callOptions,
      );
    },

    async getUsers(accountIds, callOptions) {
      const unique = [...new Set(accountIds)];
      if (unique.length > MAX_USERS_PER_FETCH) throw new AppError('INTERNAL', `getUsers takes at most ${MAX_USERS_PER_FETCH} account ids, got ${unique.length}`);
      if (!unique.every(isAccountId)) throw new AppError('INTERNAL', `getUsers takes account ids of 1 to ${MAX_ACCOUNT_ID_LENGTH} characters only`);
      if (unique.length === 0) return [];
      const ids = unique.map((id) => `&accountId=${encodeURIComponent(id)}`).join('');
      // `maxResults` defaults to 10 (OpenAPI excerpt), so ask for all of them and still follow pages.
      const users = await readAllPages(
        async (startAt) => {
          const page = await run(
            {
              method: 'GET',
              url: `${base}/rest/api/3/user/bulk?startAt=${startAt}&maxResults=${unique.length}${ids}`,
              endpoint: 'GET /rest/api/3/user/bulk',
              parse: (json) => parseUserPage(json),
              countObjects: (result) => 2 * result.users.length,
            },
            callOptions,
          );
          return { items: page.users, isLast: page.isLast };
        },
        (items) => new Set(items.map((user) => user.accountId)).size >= unique.length,
        unique.length,
      );
      return [...new Map(users.map((user) => [user.accountId, user])).values()];
    },

    async getProjects(query, callOptions) {
      const ids = [...new Set(query.ids ?? [])];
      const keys = [...new Set((query.keys ?? []).map((key) => key.toUpperCase()))];
      if (ids.length > MAX_PROJECTS_PER_FETCH || keys.length > MAX_PROJECTS_PER_FETCH) {
        throw new AppError('INTERNAL', `getProjects takes at most ${MAX_PROJECTS_PER_FETCH} ids and ${MAX_PROJECTS_PER_FETCH} keys`);
      }
      if (!ids.every((id) => /^\d{1,16}$/.test(id)) || !keys.every((key) => /^[A-Z][A-Z0-9_]*$/.test(key))) {
        throw new AppError('INTERNAL', 'getProjects takes numeric project ids and project keys only');
      }
      const found = new Map<string, { id: string; key: string; name: string }>();
      // Separate calls: whether Jira ANDs or ORs `id` with `keys` is not documented.
      for (const [name, values] of [['id', ids], ['keys', keys]] as const) {
        if (values.length === 0) continue;
        const filter = values.map((value) => `&${name}=${encodeURIComponent(value)}`).join('');
        const projects = await readAllPages(
          async (startAt) => {
            const page = await run(
              {
                method: 'GET',
                url: `${base}/rest/api/3/project/search?startAt=${startAt}&maxResults=${MAX_PROJECTS_PER_FETCH}${filter}`,
                endpoint: 'GET /rest/api/3/project/search',
                parse: (json) => parseProjectPage(json),
                countObjects: (result) => result.projects.length,
              },
              callOptions,
            );
            return { items: page.projects, isLast: page.isLast };
          },
          (items) => items.length >= values.length,
          values.length + 1,
        );
        for (const project of projects) found.set(project.id, project);
      }
      return [...found.values()];
    },

    async checkPermissions(check: PermissionCheck, callOptions) {
      if (!isAccountId(check.accountId)) throw new AppError('INTERNAL', 'checkPermissions takes one account id');
      const projectPermissions = (check.projectPermissions ?? []).map((entry) => ({
        permissions: [...new Set(entry.permissions)],
        projects: [...new Set(entry.projectIds ?? [])],
        issues: [...new Set(entry.issueIds ?? [])],
      }));
      const projectIds = new Set(projectPermissions.flatMap((entry) => entry.projects));
      const issueIds = new Set(projectPermissions.flatMap((entry) => entry.issues));
      if (projectIds.size > MAX_IDS_PER_PERMISSION_CHECK || issueIds.size > MAX_IDS_PER_PERMISSION_CHECK) {
        throw new AppError('INTERNAL', `checkPermissions takes at most ${MAX_IDS_PER_PERMISSION_CHECK} project ids and ${MAX_IDS_PER_PERMISSION_CHECK} issue ids`);
      }
      if (![...projectIds, ...issueIds].every(isId) || projectPermissions.some((entry) => entry.permissions.length === 0)) {
        throw new AppError('INTERNAL', 'checkPermissions takes integer ids and at least one permission per project entry');
      }
      const globalPermissions = [...new Set(check.globalPermissions ?? [])];
      return run(
        {
          method: 'POST',
          url: `${base}/rest/api/3/permissions/check`,
          endpoint: 'POST /rest/api/3/permissions/check',
          body: {
            accountId: check.accountId,
            ...(globalPermissions.length > 0 ? { globalPermissions } : {}),
            ...(projectPermissions.length > 0 ? { projectPermissions } : {}),
          },
          parse: (json) => parsePermissionGrants(json),
          // Permissions are identity objects, 2 points each (§3); "permission-check calls costing too many points" (security-and-reliability.md).
          countObjects: (grants) =>
            2 * (grants.globalPermissions.size + [...grants.projectPermissions.values()].reduce((sum, g) => sum + g.projectIds.size + g.issueIds.size, 0)),
        },
        callOptions,
      );
    },

    getServerTimeMs(callOptions) {
      return run(
        {
          method: 'GET',
          url: `${base}/rest/api/3/serverInfo`,
          endpoint: 'GET /rest/api/3/serverInfo',
          parse: (json, headers) => parseServerTimeMs(json, headers.get('date')),
          countObjects: () => 1,
        },
        callOptions,
      );
    },
  };
}
