import type { ChangedWorklogsPage } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import { isStalledPage, nextFeedCursor } from './feed-cursor.js';
import { repairStalledDeletions } from './repair-stalled-deletions.js';
import { syncUpdatedPage } from './updated-feed-step.js';
import { addCounts, applyPage, emptyCounts, type SyncContext, type SyncCounts } from './sync-context.js';

/**
 * How far back each incremental run re-reads. `/worklog/updated` hides the last minute (Jira REST
 * v3 docs), and a change may become visible a little after its `updatedTime`; re-reading a minute
 * costs a few duplicate ids and makes a late-visible change impossible to miss (newest wins).
 */
export const OVERLAP_MS = 60_000;

/**
 * One incremental synchronisation: changed worklogs since the cursor (minus the overlap), then
 * deletions since the deletion cursor. Each page commits with its cursor; cursors never move
 * backwards. Safe to run at any time, any number of times. `state`: the tenant's sync state when
 * the caller has just read it (under the tenant's key nobody else writes it meanwhile). `live`:
 * the incremental sync that runs while a recent-first full sync loads the history, on its own
 * cursor (`liveUpdatedCursorMs`), so changes since the install keep the recent window exact.
 */
export async function runIncrementalSync(context: SyncContext, options: { maxPages?: number; state?: SyncState; live?: boolean } = {}): Promise<{ done: boolean; counts: SyncCounts }> {
  const counts = emptyCounts();
  const state = options.state ?? (await context.store.getSyncState());
  const cursorMs = options.live ? state.liveUpdatedCursorMs : state.phase === 'incremental' ? state.updatedCursorMs : undefined;
  if (cursorMs === undefined) throw new Error(options.live ? 'the live incremental sync needs a recent-first full sync under way' : 'incremental sync needs a finished full sync');
  const cursorPatch = (ms: number): Partial<SyncState> => (options.live ? { liveUpdatedCursorMs: ms } : { updatedCursorMs: ms });
  const maxPages = options.maxPages ?? Infinity;
  let committedUpdated = cursorMs;
  let sinceMs = Math.max(0, cursorMs - OVERLAP_MS);
  for (;;) {
    if (counts.pages >= maxPages) return { done: false, counts };
    context.signal?.throwIfAborted();
    // An empty last page leaves the cursor where it is: then there is nothing to commit.
    const committedBefore = committedUpdated;
    const step = await syncUpdatedPage(context, sinceMs, 'incremental', (nextSinceMs) => (nextSinceMs > committedBefore ? cursorPatch(nextSinceMs) : undefined), cursorMs);
    addCounts(counts, step.counts);
    committedUpdated = Math.max(committedUpdated, step.nextSinceMs);
    sinceMs = step.nextSinceMs;
    if (step.lastPage) break;
  }
  const deletions = await syncDeletions(context, state.deletedCursorMs, maxPages - counts.pages);
  addCounts(counts, deletions.counts);
  return { done: deletions.done, counts };
}

/**
 * Applies `/worklog/deleted` from `cursorMs` (minus the overlap): rows removed and tombstoned so an
 * older page can never bring them back. Deletions are exempt from app access rules (reference
 * §1.1), so restricted worklogs are deleted too.
 */
async function syncDeletions(context: SyncContext, cursorMs: number, pageBudget: number): Promise<{ done: boolean; counts: Partial<SyncCounts> }> {
  const counts = { pages: 0, deleted: 0 };
  // Issues whose worklogs this run removed: a stalled instant is repaired through them.
  const touchedIssues = new Set<number>();
  let committed = cursorMs;
  // The deletion cursor as stored now.
  let written = cursorMs;
  let sinceMs = Math.max(0, cursorMs - OVERLAP_MS);
  const options = { priority: 'incremental' as const, ...(context.signal ? { signal: context.signal } : {}) };
  for (;;) {
    if (counts.pages >= pageBudget) return { done: false, counts };
    context.signal?.throwIfAborted();
    const page: ChangedWorklogsPage = await context.jira.getDeletedWorklogs({ sinceMs }, options);
    const next = nextFeedCursor(sinceMs, page);
    committed = Math.max(committed, next);
    const stalled = isStalledPage(sinceMs, page);
    if (stalled) committed = Math.max(committed, sinceMs + 1);
    // A page without deletions that moves no cursor (the usual incremental run) writes nothing.
    if (page.values.length > 0 || (!stalled && committed > written)) {
      const applied = await applyPage(context, {
        upserts: [],
        deletions: page.values.map((v) => ({ clientWorklogId: v.worklogId, deletedAtMs: v.updatedTimeMs })),
        state: stalled ? {} : { deletedCursorMs: committed },
      });
      if (!stalled) written = committed;
      for (const issueId of applied.deletedIssueIds) touchedIssues.add(issueId);
    }
    counts.pages++;
    counts.deleted += page.values.length;
    if (stalled) {
      // The feed cannot page past this instant: repair through the issues, then move on.
      counts.deleted += await repairStalledDeletions(context, [...touchedIssues], sinceMs);
      await context.store.applyBatch({ upserts: [], deletions: [], state: { deletedCursorMs: committed } });
      written = committed;
    }
    sinceMs = next > sinceMs ? next : sinceMs + 1;
    if (page.lastPage) return { done: true, counts };
  }
}
