import type { CallPriority } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import { readWorklogsByIssue, type IssueWorklogReadResult } from './issue-worklog-read.js';
import type { SyncContext } from './sync-context.js';

/** What {@link fetchRecentWindow} read and wrote. */
export type RecentWindowResult = IssueWorklogReadResult;

/** Where and how far to read. */
export interface RecentWindowRead {
  fromMs: number;
  priority: CallPriority;
  /** Resume after this issue (where a read a crash or a cancel stopped had got to). */
  afterIssueId?: number | undefined;
  /** Stop after about this many worklogs, or points (a turn); the result says `complete: false`. */
  maxWorklogs?: number;
  maxPoints?: number;
  /** State committed with the rows of the issues read completely (see `readWorklogsByIssue`). */
  stateOnIssueDone?: (issueId: number, unreadIssues: number) => Partial<SyncState>;
}

/**
 * Reads every worklog started at or after `fromMs` (issue 15's "recent first"), issue by issue:
 * JQL `worklogDate >=` a day earlier (so no site time zone moves one out), then each issue's
 * worklogs with `startedAfter`. What this costs is about the window's own worklogs plus a call and
 * a JQL id per issue — not the whole history's, which `/worklog/updated` would page through first.
 * An issue Jira refuses after the search is listed in `unreadIssueIds`: while any is, the window
 * is not called exact (its worklogs may still arrive with the history's feed).
 */
export function fetchRecentWindow(context: SyncContext, read: RecentWindowRead): Promise<RecentWindowResult> {
  if (!Number.isSafeInteger(read.fromMs) || read.fromMs < 0) throw new RangeError(`fromMs must be epoch milliseconds, got ${read.fromMs}`);
  return readWorklogsByIssue(context, {
    range: { startedFromMs: read.fromMs },
    priority: read.priority,
    afterIssueId: read.afterIssueId,
    ...(read.maxWorklogs !== undefined && Number.isFinite(read.maxWorklogs) ? { maxWorklogs: read.maxWorklogs } : {}),
    ...(read.maxPoints !== undefined && Number.isFinite(read.maxPoints) ? { maxPoints: read.maxPoints } : {}),
    ...(read.stateOnIssueDone ? { stateOnIssueDone: read.stateOnIssueDone } : {}),
  });
}
