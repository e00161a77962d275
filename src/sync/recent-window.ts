import type { CallPriority } from '../jira/jira-client.js';
import { isAppError } from '../platform/app-error.js';
import { applyPage, type SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** A day either side of any site time zone: JQL's `worklogDate` compares dates in the viewer's zone. */
const ZONE_MARGIN_MS = 86_400_000;

/** What {@link fetchRecentWindow} read and wrote. */
export interface RecentWindowResult {
  /** Issues JQL named (some may have had no worklog in the window, or gone since). */
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
 * step's business: the incremental sync's deleted feed applies them.
 */
export async function fetchRecentWindow(context: SyncContext, window: { fromMs: number; priority: CallPriority }): Promise<RecentWindowResult> {
  if (!Number.isSafeInteger(window.fromMs) || window.fromMs < 0) throw new RangeError(`fromMs must be epoch milliseconds, got ${window.fromMs}`);
  const callOptions = { priority: window.priority, ...(context.signal ? { signal: context.signal } : {}) };
  const jql = `worklogDate >= "${utcDate(Math.max(0, window.fromMs - ZONE_MARGIN_MS))}" ORDER BY id ASC`;
  // One before: whether Jira's `startedAfter` includes its bound is not documented.
  const startedAfterMs = Math.max(0, window.fromMs - 1);
  const result: RecentWindowResult = { issues: 0, upserted: 0, skippedStale: 0, calls: 0, unreadIssueIds: [] };
  let token: string | undefined;
  do {
    context.signal?.throwIfAborted();
    const page = await context.jira.searchIssueIds(jql, token, callOptions);
    result.calls++;
    result.issues += page.ids.length;
    for (const issueId of page.ids) {
      let startAt = 0;
      for (;;) {
        let batch;
        try {
          batch = await context.jira.getIssueWorklogs(issueId, startAt, { ...callOptions, startedAfterMs });
        } catch (error) {
          if (isAppError(error, 'JIRA_NOT_FOUND')) {
            result.unreadIssueIds.push(issueId);
            break;
          }
          throw error;
        } finally {
          result.calls++;
        }
        const inWindow = batch.worklogs.filter((worklog) => worklog.startedMs >= window.fromMs);
        if (inWindow.length > 0) {
          const written = await applyPage(context, { upserts: inWindow.map(toWorklogRow), deletions: [] });
          result.upserted += written.inserted + written.updated;
          result.skippedStale += written.skippedStale;
        }
        startAt += batch.worklogs.length;
        if (batch.worklogs.length === 0 || startAt >= batch.total) break;
      }
    }
    token = page.nextPageToken;
  } while (token !== undefined);
  return result;
}
