import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { TenantId } from '../tenants/tenant.js';
import type { CallOptions, FeedCursor, JiraClient } from './jira-client.js';
import type { TenantJiraAccess } from './jira-credentials.js';
import type { RateLimitCoordinator } from './rate-limit-coordinator.js';
import type { Sleep } from './sleep.js';
import { createJiraRequestRunner, type JiraCallLogger } from './jira-request-runner.js';
import { feedUrl } from './feed-url.js';
import { parseChangedWorklogsPage, parseFailedWebhooks, parseIssueWorklogsPage, parseSearchIdsPage, parseServerTimeMs } from './worklog-parsers.js';
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
 */
export function createHttpJiraClient(options: HttpJiraClientOptions): JiraClient {
  const base = options.access.baseUrl.replace(/\/+$/, '');
  const listDecoder = options.worklogListDecoder ?? inlineWorklogListDecoder;
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
  });

  const feed = async (kind: 'updated' | 'deleted', cursor: FeedCursor, callOptions: CallOptions | undefined) =>
    run(
      {
        method: 'GET',
        url: feedUrl(base, kind, cursor),
        endpoint: `GET /rest/api/3/worklog/${kind}`,
        parse: (json) => parseChangedWorklogsPage(json),
        countObjects: (page) => page.values.length,
      },
      callOptions,
    );

  return {
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
        },
        callOptions,
      );
    },

    async getIssueWorklogs(issueId, startAt, callOptions) {
      if (!Number.isSafeInteger(issueId) || issueId < 0 || !Number.isSafeInteger(startAt) || startAt < 0) {
        throw new AppError('INTERNAL', 'getIssueWorklogs takes a non-negative integer issue id and startAt');
      }
      return run(
        {
          method: 'GET',
          url: `${base}/rest/api/3/issue/${issueId}/worklog?startAt=${startAt}&maxResults=${ISSUE_WORKLOG_PAGE}`,
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
      return run(
        {
          method: 'POST',
          url: `${base}/rest/api/3/search/jql`,
          endpoint: 'POST /rest/api/3/search/jql',
          body: { jql, fields: ['id'], maxResults: SEARCH_ID_PAGE, ...(nextPageToken === undefined ? {} : { nextPageToken }) },
          parse: (json) => parseSearchIdsPage(json),
          countObjects: (page) => page.ids.length,
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
