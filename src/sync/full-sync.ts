import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { CallPriority } from '../jira/jira-client.js';
import { initialHistoryRead, type SyncState } from '../store/tenant-store.js';
import { pipelineUpdatedFeed } from './pipelined-updated-feed.js';
import { addCounts, emptyCounts, type SyncContext, type SyncCounts } from './sync-context.js';

/** Deletions are read from a little before the full sync started, for clock skew between Jira's nodes. */
const DELETION_CURSOR_MARGIN_MS = 5 * 60_000;

/** `/worklog/list` calls in flight during a full sync; pages still commit in order. */
const LIST_CALLS_IN_FLIGHT = 3;

/** The outcome of {@link runFullSync}: done, or stopped after `maxPages` with progress kept. */
export interface FullSyncResult {
  done: boolean;
  counts: SyncCounts;
}

/**
 * Starts (or restarts) a full sync at Jira's current time: cursors reset, the bulk load opened on
 * an empty store. `recentWindow`: a recent-first sync — the window's start is kept and a live
 * incremental cursor starts here too, a little before Jira's time like the deletion cursor.
 */
export async function startFullSync(context: SyncContext, options: { recentWindow?: (jiraNowMs: number) => number; priority?: CallPriority } = {}): Promise<SyncState> {
  // The turn's priority: a new site's first call at `backfill` waited for the next hour whenever
  // the hour was into its reserve, holding a job slot idle (bench:backfill: 15% of each hour unused).
  const jiraNowMs = await context.jira.getServerTimeMs({ priority: options.priority ?? 'backfill', ...(context.signal ? { signal: context.signal } : {}) });
  if ((await context.store.countWorklogs()) === 0) await context.store.beginBulkLoad();
  const liveFromMs = Math.max(0, jiraNowMs - DELETION_CURSOR_MARGIN_MS);
  await context.store.applyBatch({
    upserts: [],
    deletions: [],
    state: {
      phase: 'full',
      updatedCursorMs: 0,
      deletedCursorMs: liveFromMs,
      fullSyncStartedAtMs: jiraNowMs,
      fullSyncWorklogs: 0,
      fullSyncOriginMs: undefined,
      fullSyncPoints: 0,
      recentWindowWorklogs: 0,
      recentWindowPoints: 0,
      recentFromMs: options.recentWindow?.(jiraNowMs),
      recentDoneThroughIssueId: undefined,
      recentReadAtMs: undefined,
      recentUnreadIssues: 0,
      liveUpdatedCursorMs: options.recentWindow ? liveFromMs : undefined,
      ...initialHistoryRead,
    },
  });
  context.logger.info({ tenantId: context.tenantId, recentFirst: options.recentWindow !== undefined }, 'full sync started');
  return context.store.getSyncState();
}

/**
 * The full synchronisation a new tenant gets (the statement: "a full synchronization of worklogs
 * when the application is installed"): `/worklog/updated` from `since=0` to the end, each page's
 * rows and cursor committed together. Re-runnable at any point: it resumes from the committed
 * cursor. The deletion cursor starts at Jira's time when the full sync began, so deletions made
 * while it runs are applied by the first incremental sync. `skipStoredAsNew` (after the recent
 * window): worklogs already stored at least as new are not fetched again. When it finishes, the
 * incremental cursor is the later of the history's and the live sync's (each read everything
 * before its own; the history started at 0, so together they read everything before the later).
 */
export async function runFullSync(context: SyncContext, options: { maxPages?: number; restart?: boolean; skipStoredAsNew?: boolean; priority?: CallPriority } = {}): Promise<FullSyncResult> {
  const counts = emptyCounts();
  let state = await context.store.getSyncState();
  if (state.phase !== 'full' || options.restart) state = await startFullSync(context, options.priority ? { priority: options.priority } : {});
  let sinceMs = state.updatedCursorMs;
  let written = state.fullSyncWorklogs;
  let originMs = state.fullSyncOriginMs;
  const maxPages = options.maxPages ?? Infinity;
  while (counts.pages < maxPages) {
    context.signal?.throwIfAborted();
    const step = await pipelineUpdatedFeed(context, {
      sinceMs,
      concurrency: LIST_CALLS_IN_FLIGHT,
      maxPages: maxPages - counts.pages,
      ...(options.skipStoredAsNew ? { skipStoredAsNew: true } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
      stateOnCommit: (nextSinceMs, upserted) => {
        written += upserted;
        const first = originMs === undefined;
        originMs ??= nextSinceMs;
        return { updatedCursorMs: nextSinceMs, fullSyncWorklogs: written, ...(first ? { fullSyncOriginMs: nextSinceMs } : {}) };
      },
    });
    addCounts(counts, step.counts);
    sinceMs = step.nextSinceMs;
    if (step.lastPage) {
      // The live sync ran before this call in its turn, never during it: the state read above holds its cursor.
      await finishFullSync(context, state, sinceMs, written);
      return { done: true, counts };
    }
  }
  return { done: false, counts };
}

/**
 * Ends a full sync whose history was read up to `historyCursorMs` (the feed's cursor; 0 when the
 * history was read issue by issue): the incremental cursor is the later of it and the live sync's
 * (each read everything before its own), the issue ids kept as resume points are removed, and the
 * report indexes are rebuilt.
 */
export async function finishFullSync(context: SyncContext, state: SyncState, historyCursorMs: number, written: number): Promise<void> {
  const liveCursorMs = state.liveUpdatedCursorMs ?? 0;
  await context.store.applyBatch({
    upserts: [],
    deletions: [],
    // Resume points are issue ids kept only while their read runs: gone now.
    state: {
      phase: 'incremental',
      updatedCursorMs: Math.max(historyCursorMs, liveCursorMs),
      liveUpdatedCursorMs: undefined,
      recentDoneThroughIssueId: undefined,
      historyFirstIssueId: undefined,
      historyLastIssueId: undefined,
      historyDoneThroughIssueId: undefined,
      fullSyncCompletedAtMs: Math.max(historyCursorMs, state.fullSyncStartedAtMs ?? 0),
    },
  });
  // Rebuilding the indexes is one statement (about 4 ms per 1,000 rows): a turn of its own.
  await takeEventLoopTurn();
  await context.store.endBulkLoad();
  context.logger.info({ tenantId: context.tenantId, worklogs: written }, 'full sync finished');
}
