/**
 * Tally's view of Jira's worklog API and of the few platform reads reports need (port). Shapes
 * here are Tally's own, already parsed and validated at the edge: numbers are numbers, dates
 * carry both the text as received and the instant. The HTTP implementation handles
 * authentication, rate limits, retries and faults; a caller sees either a parsed answer or an
 * AppError (`JIRA_*`), never a half-read page.
 */

/** One entry of `/worklog/updated` or `/worklog/deleted`. */
export interface ChangedWorklog {
  worklogId: number;
  /** Epoch ms; for `/deleted` the deletion time. */
  updatedTimeMs: number;
}

/** A page of a change feed. */
export interface ChangedWorklogsPage {
  values: ChangedWorklog[];
  sinceMs: number;
  untilMs: number;
  lastPage: boolean;
  /** Jira's `nextPage` URL, when given; follow it verbatim (it may carry more than `since`). */
  nextPage: string | undefined;
}

/** Where to read a change feed from: a `since`, or a `nextPage` URL Jira handed out. */
export type FeedCursor = { sinceMs: number } | { nextPage: string };

/** A worklog as Jira returned it, reduced to what Tally may store. */
export interface JiraWorklog {
  id: number;
  issueId: number;
  /** `author.accountId`; null when absent. */
  authorAccountId: string | null;
  /** The comment as received (ADF JSON text on v3), null when absent. */
  commentJson: string | null;
  created: string;
  updated: string;
  started: string;
  timeSpentSeconds: number;
  startedMs: number;
  updatedMs: number;
}

/** A page of `GET /issue/{id}/worklog`. */
export interface IssueWorklogsPage {
  worklogs: JiraWorklog[];
  startAt: number;
  maxResults: number;
  total: number;
}

/** A webhook delivery Jira gave up on (`GET /webhook/failed`, Connect apps only, kept 72 h). */
export interface FailedWebhook {
  /** The `X-Atlassian-Webhook-Identifier` it was sent with. */
  id: string;
  /** The body as Jira would have sent it (JSON text), when Jira kept it. */
  body: string | undefined;
  failureTimeMs: number;
}

/**
 * Why a call is made. `backfill` calls wait while less than the reserve of the hour's points is
 * left; `incremental` (syncs) and `interactive` (reads a person is waiting for: reports,
 * pickers) never wait for that reserve — only for the pauses Jira's 429s impose on everyone.
 */
export type CallPriority = 'incremental' | 'backfill' | 'interactive';

/** Per-call options. */
export interface CallOptions {
  /** Default `incremental`. `backfill` calls wait while the hour's points run low; see {@link CallPriority}. */
  priority?: CallPriority;
  /** Ends every wait and the request in flight; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * An issue as `POST /issue/bulkfetch` describes it now. Held in memory only: the data statement
 * lets Tally store nothing about issues beyond their ids.
 */
export interface JiraIssue {
  id: number;
  key: string;
  summary: string;
  project: JiraProject;
  /** The parent (epic, or the parent of a sub-task); null when the issue has none. */
  parent: { id: number; key: string; summary: string } | null;
}

/** What `getIssues` returned. */
export interface JiraIssuesResult {
  /** The issues Jira returned, in ascending id order; ids it does not know or the app cannot browse are simply absent. */
  issues: JiraIssue[];
  /**
   * Ids or keys Jira listed in `issueErrors`: it could not return them this time ("due to a
   * retriable error or payload constraint", OpenAPI excerpt BulkIssueResults); not proof they are gone.
   */
  failedIdsOrKeys: string[];
}

/** A person as `GET /user/bulk` describes them now (memory only). */
export interface JiraUser {
  accountId: string;
  displayName: string;
  /** The 48×48 avatar URL, null when Jira gave none. */
  avatarUrl: string | null;
  active: boolean;
  /** IANA zone, when the user's profile visibility lets the app see it. */
  timeZone: string | undefined;
}

/** A project reference (`GET /project/search`, issue fields). */
export interface JiraProject {
  /** Jira's project id (numeric text). */
  id: string;
  key: string;
  name: string;
}

/** One `projectPermissions` entry of a permission check. */
export interface ProjectPermissionQuery {
  /** Project permission keys, e.g. `BROWSE_PROJECTS`. */
  permissions: readonly string[];
  projectIds?: readonly number[];
  issueIds?: readonly number[];
}

/** A `POST /permissions/check` question about one account. */
export interface PermissionCheck {
  accountId: string;
  /** Global permission keys, e.g. `ADMINISTER`. */
  globalPermissions?: readonly string[];
  projectPermissions?: readonly ProjectPermissionQuery[];
}

/** What Jira granted; permissions and ids not granted are absent. */
export interface PermissionGrants {
  globalPermissions: Set<string>;
  /** By project permission key: the projects and issues it is granted on. */
  projectPermissions: Map<string, { projectIds: Set<number>; issueIds: Set<number> }>;
}

/** Most ids or keys per `getIssues` call: "You can request up to 100 issues" (OpenAPI excerpt, bulkFetchIssues). */
export const MAX_ISSUES_PER_FETCH = 100;
/**
 * Most account ids per `getUsers` call. Jira documents no limit for `/user/bulk`; 50 ids keep the
 * query string near 3 KB with real account ids (`557058:` + UUID), well inside URL limits.
 */
export const MAX_USERS_PER_FETCH = 50;
/** Most project ids, and separately keys, per `getProjects` call: "Up to 50" (OpenAPI excerpt, searchProjects). */
export const MAX_PROJECTS_PER_FETCH = 50;
/** "A maximum of 1000 projects and 1000 issues can be checked" (OpenAPI excerpt, getBulkPermissions). */
export const MAX_IDS_PER_PERMISSION_CHECK = 1000;

/** The worklog API of one tenant's Jira. */
export interface JiraClient {
  /**
   * Points this client's answered calls cost so far, by Tally's estimate from Jira's answers
   * (1 + objects returned; the rate-limit gate records the same). For what a sync phase costs.
   */
  pointsSpent?(): number;
  getUpdatedWorklogs(cursor: FeedCursor, options?: CallOptions): Promise<ChangedWorklogsPage>;
  getDeletedWorklogs(cursor: FeedCursor, options?: CallOptions): Promise<ChangedWorklogsPage>;
  /** `POST /worklog/list` for at most 1000 ids; ids Jira does not return are simply absent. */
  getWorklogs(ids: readonly number[], options?: CallOptions): Promise<JiraWorklog[]>;
  /**
   * An issue's worklogs a page at a time (ordered by creation). `startedAfterMs` asks Jira for those
   * started at or after it (`startedAfter`), `startedBeforeMs` for those started before it
   * (`startedBefore`); whether Jira's bounds are inclusive is not documented, so callers filter on
   * `startedMs` themselves.
   */
  getIssueWorklogs(issueId: number, startAt: number, options?: CallOptions & { startedAfterMs?: number; startedBeforeMs?: number }): Promise<IssueWorklogsPage>;
  /**
   * Issue ids matching JQL, a page at a time (`/search/jql`, ids only). `pageSize`: at most this
   * many ids a page (default the most Jira gives); a reader that resumes by `id >` asks for fewer,
   * so a stop costs at most a small page of ids read twice.
   */
  searchIssueIds(jql: string, nextPageToken: string | undefined, options?: CallOptions & { pageSize?: number }): Promise<{ ids: number[]; nextPageToken: string | undefined }>;
  /** Failed webhook deliveries after `afterMs` (oldest first), a page at a time. */
  getFailedWebhooks(afterMs: number, options?: CallOptions): Promise<{ values: FailedWebhook[]; hasMore: boolean }>;
  /** Jira's current time (from `serverInfo`), for watermarks taken from Jira's clock. */
  getServerTimeMs(options?: CallOptions): Promise<number>;
  /**
   * `POST /issue/bulkfetch` for at most {@link MAX_ISSUES_PER_FETCH} ids or keys (keys match
   * case-insensitively, and a moved issue's old key finds it), with only summary, project and parent.
   */
  getIssues(idsOrKeys: readonly (number | string)[], options?: CallOptions): Promise<JiraIssuesResult>;
  /** `GET /user/bulk` for at most {@link MAX_USERS_PER_FETCH} account ids, every page; unknown ids are absent. */
  getUsers(accountIds: readonly string[], options?: CallOptions): Promise<JiraUser[]>;
  /**
   * `GET /project/search` for projects named by id or key (at most {@link MAX_PROJECTS_PER_FETCH}
   * of each), every page; unknown ones and ones the app cannot see are absent.
   */
  getProjects(query: { ids?: readonly string[]; keys?: readonly string[] }, options?: CallOptions): Promise<JiraProject[]>;
  /**
   * `POST /permissions/check` for any account (Connect apps may ask about anyone from their
   * server, OpenAPI excerpt), at most {@link MAX_IDS_PER_PERMISSION_CHECK} distinct project and issue ids.
   */
  checkPermissions(check: PermissionCheck, options?: CallOptions): Promise<PermissionGrants>;
}
