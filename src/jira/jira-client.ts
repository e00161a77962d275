/**
 * Tally's view of Jira's worklog API (port). Shapes here are Tally's own, already parsed and
 * validated at the edge: numbers are numbers, dates carry both the text as received and the
 * instant. The HTTP implementation handles authentication, rate limits, retries and faults; a
 * caller sees either a parsed answer or an AppError (`JIRA_*`), never a half-read page.
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

/** Why a call is made: the shared points budget serves `incremental` before `backfill`. */
export type CallPriority = 'incremental' | 'backfill' | 'interactive';

/** Per-call options. */
export interface CallOptions {
  /** Default `incremental`. `backfill` calls wait while the hour's points run low. */
  priority?: CallPriority;
  /** Ends every wait and the request in flight; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The worklog API of one tenant's Jira. */
export interface JiraClient {
  getUpdatedWorklogs(cursor: FeedCursor, options?: CallOptions): Promise<ChangedWorklogsPage>;
  getDeletedWorklogs(cursor: FeedCursor, options?: CallOptions): Promise<ChangedWorklogsPage>;
  /** `POST /worklog/list` for at most 1000 ids; ids Jira does not return are simply absent. */
  getWorklogs(ids: readonly number[], options?: CallOptions): Promise<JiraWorklog[]>;
  getIssueWorklogs(issueId: number, startAt: number, options?: CallOptions): Promise<IssueWorklogsPage>;
  /** Issue ids matching JQL, a page at a time (`/search/jql`, ids only). */
  searchIssueIds(jql: string, nextPageToken: string | undefined, options?: CallOptions): Promise<{ ids: number[]; nextPageToken: string | undefined }>;
  /** Failed webhook deliveries after `afterMs` (oldest first), a page at a time. */
  getFailedWebhooks(afterMs: number, options?: CallOptions): Promise<{ values: FailedWebhook[]; hasMore: boolean }>;
  /** Jira's current time (from `serverInfo`), for watermarks taken from Jira's clock. */
  getServerTimeMs(options?: CallOptions): Promise<number>;
}
