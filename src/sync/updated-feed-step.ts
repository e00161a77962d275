import type { CallPriority, ChangedWorklogsPage } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import { isStalledPage, nextFeedCursor } from './feed-cursor.js';
import { sweepInstant } from './sweep-instant.js';
import { applyPage, type SyncContext, type SyncCounts } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** What one page of `/worklog/updated` did. */
export interface UpdatedStepResult {
  counts: Partial<SyncCounts>;
  nextSinceMs: number;
  lastPage: boolean;
}

/**
 * The page's worklog ids worth fetching. Changes at or before `alreadyCommittedUntilMs` (an
 * incremental run's re-read overlap: the cursor it committed) were read by an earlier run unless
 * they became visible late; a stored row at least as new as the change shows which were. Without
 * this, every interval re-fetched (`/worklog/list`, points) and re-wrote the newest changes of
 * each site, because the cursor rests on the newest change and the overlap reaches back past it.
 * With `Infinity` every change is checked against the store: a history read after the recent
 * window pays only for what the window did not already bring.
 */
export async function idsToFetch(context: SyncContext, page: ChangedWorklogsPage, alreadyCommittedUntilMs: number | undefined): Promise<number[]> {
  const newest = new Map<number, number>();
  for (const { worklogId, updatedTimeMs } of page.values) newest.set(worklogId, Math.max(updatedTimeMs, newest.get(worklogId) ?? -Infinity));
  if (alreadyCommittedUntilMs === undefined) return [...newest.keys()];
  const reread = [...newest].filter(([, updatedTimeMs]) => updatedTimeMs <= alreadyCommittedUntilMs).map(([id]) => id);
  if (reread.length === 0) return [...newest.keys()];
  for (const row of await context.store.getWorklogsByIds(reread)) {
    if (row.updatedMs >= newest.get(row.clientWorklogId)!) newest.delete(row.clientWorklogId);
  }
  return [...newest.keys()];
}

/**
 * Reads one page of `/worklog/updated` from `sinceMs`, fetches those worklogs with
 * `/worklog/list`, and commits the rows together with the next cursor in ONE transaction: a
 * process killed at any instant resumes from the last committed page, with no gap and no
 * duplicate. A stalled page (over 1000 changes at one instant) is swept first. `stateOnCommit`
 * answers undefined when the page moves no cursor; a page without rows then writes nothing.
 * `alreadyCommittedUntilMs`: see {@link idsToFetch}.
 */
export async function syncUpdatedPage(
  context: SyncContext,
  sinceMs: number,
  priority: CallPriority,
  stateOnCommit: (nextSinceMs: number, upserted: number) => Partial<SyncState> | undefined,
  alreadyCommittedUntilMs?: number,
): Promise<UpdatedStepResult> {
  const callOptions = { priority, ...(context.signal ? { signal: context.signal } : {}) };
  const page = await context.jira.getUpdatedWorklogs({ sinceMs }, callOptions);
  if (isStalledPage(sinceMs, page)) {
    const swept = await sweepInstant(context, sinceMs, priority);
    const nextSinceMs = sinceMs + 1;
    await context.store.applyBatch({ upserts: [], deletions: [], state: stateOnCommit(nextSinceMs, swept.upserted) });
    return { counts: { pages: 1, sweptInstants: 1, upserted: swept.upserted, skippedStale: swept.skippedStale }, nextSinceMs, lastPage: false };
  }
  const ids = await idsToFetch(context, page, alreadyCommittedUntilMs);
  const worklogs = ids.length > 0 ? await context.jira.getWorklogs(ids, callOptions) : [];
  context.signal?.throwIfAborted();
  const nextSinceMs = nextFeedCursor(sinceMs, page);
  const state = stateOnCommit(nextSinceMs, worklogs.length);
  // Nothing changed and no cursor moved (an incremental run that found nothing): no transaction.
  if (worklogs.length === 0 && state === undefined) return { counts: { pages: 1 }, nextSinceMs, lastPage: page.lastPage };
  const result = await applyPage(context, { upserts: worklogs.map(toWorklogRow), deletions: [], ...(state !== undefined ? { state } : {}) });
  return {
    counts: { pages: 1, upserted: result.inserted + result.updated, skippedStale: result.skippedStale },
    nextSinceMs,
    lastPage: page.lastPage,
  };
}
