import type { CallPriority } from '../jira/jira-client.js';
import { recentWindowStartMs, type BackfillPolicy } from './backfill-policy.js';
import { runFullSync, startFullSync, type FullSyncResult } from './full-sync.js';
import { runIncrementalSync } from './incremental-sync.js';
import { runIssueHistoryTurn } from './issue-history.js';
import { fetchRecentWindow } from './recent-window.js';
import { addCounts, emptyCounts, type SyncContext } from './sync-context.js';
import type { SyncState } from '../store/tenant-store.js';

/** A turn's budget is counted in feed pages; the issue-by-issue history reads about a page's worth of worklogs for each. */
const WORKLOGS_PER_PAGE = 1000;

/**
 * A turn of a first sync that has not yet become a long tail ends where it does (`maxPoints`), so
 * the next turn already waits behind small sites: not a whole turn later.
 */
function untilLongTail(state: SyncState, longTailPoints: number, spentThisTurn = 0): { maxPoints?: number } {
  const left = longTailPoints - state.fullSyncPoints - spentThisTurn;
  return Number.isFinite(left) && left > 0 && state.fullSyncPoints <= longTailPoints ? { maxPoints: left } : {};
}

/**
 * A new site's first sync, recent first (issue 15): (1) the recent window — every worklog started
 * since `recentFromMs`, read by JQL and per-issue `startedAfter`, in turns of `maxPages` × 1,000 worklogs at incremental
 * priority because a person is waiting for this month's report; (2) on every turn after it, a live
 * incremental sync on its own cursor from the install instant, with the deleted feed, so the window
 * stays exact while (3) the history loads in fair turns of `maxPages`: issue by issue with
 * `startedBefore` the window (src/sync/issue-history.ts) while that costs fewer points per worklog
 * than the feed, else through `/worklog/updated` from 0, fetching no body already stored at least
 * as new (nothing is paid for twice). A full sync that started as bulk (the switch, or before this
 * existed) finishes as bulk. Resumable at every step; the state says how far each got.
 */
export async function runRecentFirstFullSync(
  context: SyncContext,
  options: {
    policy: BackfillPolicy;
    maxPages: number;
    restart: boolean;
    priority: CallPriority;
    /** A window that cost more ends its turn after the live sync: the history then waits its turn behind small sites (LONG_TAIL_POINTS). A window is read `maxPages` × 1,000 worklogs a turn. */
    longTailPoints: number;
  },
): Promise<FullSyncResult> {
  const counts = emptyCounts();
  let windowPoints = 0;
  let windowRead = true;
  let state = await context.store.getSyncState();
  if (state.phase !== 'full' || options.restart) state = await startFullSync(context, { recentWindow: (jiraNowMs) => recentWindowStartMs(options.policy, jiraNowMs), priority: options.priority });
  if (state.recentFromMs === undefined) return runFullSync(context, { maxPages: options.maxPages, priority: options.priority });
  if (state.recentReadAtMs === undefined) {
    const unreadBefore = state.recentUnreadIssues;
    const pointsBefore = context.jira.pointsSpent?.() ?? 0;
    const read = await fetchRecentWindow(context, {
      fromMs: state.recentFromMs,
      priority: 'incremental',
      afterIssueId: state.recentDoneThroughIssueId,
      // In turns like the history's: a big window's later turns wait behind small sites (LONG_TAIL_POINTS).
      maxWorklogs: options.maxPages * WORKLOGS_PER_PAGE,
      ...untilLongTail(state, options.longTailPoints),
      stateOnIssueDone: (issueId, unread) => ({ recentDoneThroughIssueId: issueId, recentUnreadIssues: unreadBefore + unread }),
    });
    // Not `pages`: those are feed pages (the metric and the turn's budget count them); the window's calls are logged.
    addCounts(counts, { upserted: read.upserted, skippedStale: read.skippedStale });
    windowRead = read.complete;
    const readAtMs = windowRead ? await context.jira.getServerTimeMs({ priority: 'incremental', ...(context.signal ? { signal: context.signal } : {}) }) : undefined;
    const unread = unreadBefore + read.unreadIssueIds.length;
    // A read resumed after a crash counts what this run spent and wrote: the estimate of a resumed read is low, never double.
    const points = state.recentWindowPoints + (context.jira.pointsSpent?.() ?? 0) - pointsBefore;
    await context.store.applyBatch({
      upserts: [],
      deletions: [],
      state: { recentDoneThroughIssueId: read.doneThroughIssueId, recentUnreadIssues: unread, recentWindowWorklogs: state.recentWindowWorklogs + read.upserted, recentWindowPoints: points, ...(readAtMs !== undefined ? { recentReadAtMs: readAtMs } : {}) },
    });
    context.logger.info({ tenantId: context.tenantId, worklogs: read.upserted, issues: read.issues, calls: read.calls, points, unreadIssues: unread }, windowRead ? 'recent window read' : 'recent window: a turn read');
    windowPoints = points;
  }
  // A turn's budget of its own: the live sync is the window's exactness, and usually a page or two.
  const live = await runIncrementalSync(context, { maxPages: options.maxPages, live: true });
  addCounts(counts, live.counts);
  if (!live.done || !windowRead || windowPoints > options.longTailPoints) return { done: false, counts };
  // The history issue by issue, while that proves cheaper than the feed; a feed already under way (before this path existed) goes on.
  if (state.historyPath === 'issues' || (state.historyPath === undefined && state.fullSyncOriginMs === undefined)) {
    // `state` is this turn's start: the window's points of this turn count toward the long tail too.
    const spentThisTurn = state.recentReadAtMs === undefined ? windowPoints - state.recentWindowPoints : 0;
    const byIssue = await runIssueHistoryTurn(context, { maxWorklogs: Math.max(1, options.maxPages - counts.pages) * WORKLOGS_PER_PAGE, priority: options.priority, ...untilLongTail(state, options.longTailPoints, spentThisTurn) });
    addCounts(counts, byIssue.counts);
    // Switching to the feed ends the turn: the feed starts on the next.
    return { done: byIssue.outcome === 'done', counts };
  }
  const history = await runFullSync(context, { maxPages: Math.max(1, options.maxPages - counts.pages), skipStoredAsNew: true, priority: options.priority });
  addCounts(counts, history.counts);
  return { done: history.done, counts };
}
