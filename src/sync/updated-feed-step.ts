import type { CallPriority } from '../jira/jira-client.js';
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
 * Reads one page of `/worklog/updated` from `sinceMs`, fetches those worklogs with
 * `/worklog/list`, and commits the rows together with the next cursor in ONE transaction: a
 * process killed at any instant resumes from the last committed page, with no gap and no
 * duplicate. A stalled page (over 1000 changes at one instant) is swept first.
 */
export async function syncUpdatedPage(
  context: SyncContext,
  sinceMs: number,
  priority: CallPriority,
  stateOnCommit: (nextSinceMs: number, upserted: number) => Partial<SyncState>,
): Promise<UpdatedStepResult> {
  const callOptions = { priority, ...(context.signal ? { signal: context.signal } : {}) };
  const page = await context.jira.getUpdatedWorklogs({ sinceMs }, callOptions);
  if (isStalledPage(sinceMs, page)) {
    const swept = await sweepInstant(context, sinceMs, priority);
    const nextSinceMs = sinceMs + 1;
    await context.store.applyBatch({ upserts: [], deletions: [], state: stateOnCommit(nextSinceMs, swept.upserted) });
    return { counts: { pages: 1, sweptInstants: 1, upserted: swept.upserted, skippedStale: swept.skippedStale }, nextSinceMs, lastPage: false };
  }
  const ids = [...new Set(page.values.map((v) => v.worklogId))];
  const worklogs = ids.length > 0 ? await context.jira.getWorklogs(ids, callOptions) : [];
  context.signal?.throwIfAborted();
  const nextSinceMs = nextFeedCursor(sinceMs, page);
  const result = await applyPage(context, {
    upserts: worklogs.map(toWorklogRow),
    deletions: [],
    state: stateOnCommit(nextSinceMs, worklogs.length),
  });
  return {
    counts: { pages: 1, upserted: result.inserted + result.updated, skippedStale: result.skippedStale },
    nextSinceMs,
    lastPage: page.lastPage,
  };
}
