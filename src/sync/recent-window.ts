import type { CallOptions, CallPriority } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import type { WorklogRow } from '../store/worklog-row.js';
import { isAppError } from '../platform/app-error.js';
import { applyPage, type SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** Rows of several issues committed together (one transaction, the resume point with them). */
const COMMIT_ROWS = 1000;

/** A day either side of any site time zone: JQL's `worklogDate` compares dates in the viewer's zone. */
const ZONE_MARGIN_MS = 86_400_000;

/** What {@link fetchRecentWindow} read and wrote. */
export interface RecentWindowResult {
  /** Issues JQL named after `afterIssueId` (some may have had no worklog in the window, or gone since). */
  issues: number;
  /** Worklogs started in the window that were written (new or newer than stored). */
  upserted: number;
  skippedStale: number;
  /** Jira calls made: JQL pages and issue worklog pages. */
  calls: number;
  /**
   * Issues JQL named whose worklogs Jira then refused (404: gone, hidden, or time tracking off).
   * While any is left, the window cannot be called exact: its worklogs arrive with the history.
   */
  unreadIssueIds: number[];
  /** The last issue read completely (JQL orders by id). */
  doneThroughIssueId: number | undefined;
}

/** Where and how far to read. */
export interface RecentWindowRead {
  fromMs: number;
  priority: CallPriority;
  /** Resume after this issue (where a read a crash or a cancel stopped had got to). */
  afterIssueId?: number | undefined;
  /**
   * State to commit with the rows of the issues read completely, in the same transaction (so the
   * progress a crash leaves never runs ahead of the rows): typically the resume point, the last
   * issue of the commit. Rows are committed a thousand or so at a time, not per issue: a window
   * spread over many issues with a worklog or two each would otherwise pay a transaction per issue.
   */
  stateOnIssueDone?: (issueId: number, unreadIssues: number) => Partial<SyncState>;
}

/** `yyyy-MM-dd` of an instant in UTC. */
function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Reads every worklog started at or after `fromMs` (issue 15's "recent first"): the issues with such
 * worklogs by JQL (`worklogDate >= <a day earlier>`, so no site time zone moves one out), then each
 * issue's worklogs with Jira's `startedAfter`, keeping those whose start is in the window. What this
 * costs is about the window's own worklogs plus a page per issue and the JQL pages — not the whole
 * history's, which `/worklog/updated` would page through first. Upserts are newest-wins, so running
 * beside the history backfill or an incremental sync is safe. An issue whose worklogs Jira refuses
 * between the search and its read is listed in `unreadIssueIds` and skipped. Deletions are not this
 * step's business: the incremental sync's deleted feed applies them. Resumable: the JQL pages are
 * read again from the start (a JQL page token does not outlive a session; an id-ordered page costs
 * 1 + its ids, little beside the issues' worklogs) and issues up to `afterIssueId` are skipped.
 */
export async function fetchRecentWindow(context: SyncContext, read: RecentWindowRead): Promise<RecentWindowResult> {
  if (!Number.isSafeInteger(read.fromMs) || read.fromMs < 0) throw new RangeError(`fromMs must be epoch milliseconds, got ${read.fromMs}`);
  const callOptions = { priority: read.priority, ...(context.signal ? { signal: context.signal } : {}) };
  const jql = `worklogDate >= "${utcDate(Math.max(0, read.fromMs - ZONE_MARGIN_MS))}" ORDER BY id ASC`;
  // One before: whether Jira's `startedAfter` includes its bound is not documented.
  const startedAfterMs = Math.max(0, read.fromMs - 1);
  const result: RecentWindowResult = { issues: 0, upserted: 0, skippedStale: 0, calls: 0, unreadIssueIds: [], doneThroughIssueId: read.afterIssueId };
  let pending: WorklogRow[] = [];
  const commit = async () => {
    if (pending.length === 0) return;
    const issueId = result.doneThroughIssueId!;
    const written = await applyPage(context, { upserts: pending, deletions: [], ...(read.stateOnIssueDone ? { state: read.stateOnIssueDone(issueId, result.unreadIssueIds.length) } : {}) });
    result.upserted += written.inserted + written.updated;
    result.skippedStale += written.skippedStale;
    pending = [];
  };
  let token: string | undefined;
  do {
    context.signal?.throwIfAborted();
    const page = await context.jira.searchIssueIds(jql, token, callOptions);
    result.calls++;
    for (const issueId of page.ids) {
      if (read.afterIssueId !== undefined && issueId <= read.afterIssueId) continue;
      result.issues++;
      const inWindow = await readIssueWindow(context, issueId, startedAfterMs, read.fromMs, callOptions, result);
      if (inWindow === undefined) result.unreadIssueIds.push(issueId);
      result.doneThroughIssueId = issueId;
      if (inWindow === undefined || inWindow.length === 0) continue;
      for (const row of inWindow) pending.push(row);
      if (pending.length >= COMMIT_ROWS) await commit();
    }
    token = page.nextPageToken;
  } while (token !== undefined);
  await commit();
  return result;
}

/** One issue's worklogs started in the window, all pages of them; undefined when Jira refuses the issue (404). */
async function readIssueWindow(context: SyncContext, issueId: number, startedAfterMs: number, fromMs: number, callOptions: CallOptions, result: RecentWindowResult): Promise<WorklogRow[] | undefined> {
  const rows: WorklogRow[] = [];
  let startAt = 0;
  for (;;) {
    let batch;
    try {
      batch = await context.jira.getIssueWorklogs(issueId, startAt, { ...callOptions, startedAfterMs });
    } catch (error) {
      if (isAppError(error, 'JIRA_NOT_FOUND')) return undefined;
      throw error;
    } finally {
      result.calls++;
    }
    for (const worklog of batch.worklogs) if (worklog.startedMs >= fromMs) rows.push(toWorklogRow(worklog));
    startAt += batch.worklogs.length;
    if (batch.worklogs.length === 0 || startAt >= batch.total) return rows;
  }
}
