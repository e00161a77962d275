import type { CallPriority } from '../jira/jira-client.js';
import type { JiraWorklog } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import { isStalledPage, nextFeedCursor } from './feed-cursor.js';
import { applyPage, type SyncContext, type SyncCounts } from './sync-context.js';
import { idsToFetch, syncUpdatedPage } from './updated-feed-step.js';
import { toWorklogRow } from './worklog-mapping.js';

interface InFlight {
  nextSinceMs: number;
  lastPage: boolean;
  worklogs: Promise<JiraWorklog[]>;
}

/** Options of {@link pipelineUpdatedFeed}. */
export interface PipelineOptions {
  sinceMs: number;
  /** `/worklog/list` calls in flight at once (the lean pipeline of limits.md peaks at 3). */
  concurrency: number;
  maxPages: number;
  /** The state written with each page's rows, in the same transaction. */
  stateOnCommit(nextSinceMs: number, upserted: number): Partial<SyncState>;
  /**
   * Fetch only worklogs the store does not hold at least as new as the feed's change (one store
   * read per page): for a history read after the recent window, so no body is paid for twice.
   */
  skipStoredAsNew?: boolean;
  /** The calls' priority (default `backfill`: they wait while the hour's reserve is all that is left). */
  priority?: CallPriority;
}

/**
 * Reads `/worklog/updated` from `sinceMs` to its end with up to `concurrency` `/worklog/list`
 * calls in flight while earlier pages are written: the feed is read ahead (each page names the
 * next cursor), bodies arrive in parallel, and pages are COMMITTED IN ORDER, each with its
 * cursor — so a crash or an error loses only uncommitted work, and resuming from the committed
 * cursor is exact. A stalled page drains the pipeline and is swept before reading on.
 */
export async function pipelineUpdatedFeed(context: SyncContext, options: PipelineOptions): Promise<{ counts: Partial<SyncCounts>; lastPage: boolean; nextSinceMs: number }> {
  const priority = options.priority ?? 'backfill';
  const callOptions = { priority, ...(context.signal ? { signal: context.signal } : {}) };
  const counts = { pages: 0, upserted: 0, skippedStale: 0, sweptInstants: 0 };
  const inFlight: InFlight[] = [];
  let sinceMs = options.sinceMs;
  let committedSinceMs = options.sinceMs;
  let reachedEnd = false;
  let stalled = false;
  try {
    for (;;) {
      while (!reachedEnd && !stalled && inFlight.length < options.concurrency && counts.pages + inFlight.length < options.maxPages) {
        context.signal?.throwIfAborted();
        const page = await context.jira.getUpdatedWorklogs({ sinceMs }, callOptions);
        if (isStalledPage(sinceMs, page)) {
          stalled = true;
          break;
        }
        const ids = options.skipStoredAsNew ? await idsToFetch(context, page, Infinity) : [...new Set(page.values.map((v) => v.worklogId))];
        const worklogs = ids.length > 0 ? context.jira.getWorklogs(ids, callOptions) : Promise.resolve([]);
        // Rejections are observed when the page's turn comes; until then keep them from being "unhandled".
        worklogs.catch(() => undefined);
        sinceMs = nextFeedCursor(sinceMs, page);
        inFlight.push({ nextSinceMs: sinceMs, lastPage: page.lastPage, worklogs });
        reachedEnd = page.lastPage;
      }
      const head = inFlight.shift();
      if (!head) break;
      const worklogs = await head.worklogs;
      context.signal?.throwIfAborted();
      const result = await applyPage(context, { upserts: worklogs.map(toWorklogRow), deletions: [], state: options.stateOnCommit(head.nextSinceMs, worklogs.length) });
      counts.pages++;
      counts.upserted += result.inserted + result.updated;
      counts.skippedStale += result.skippedStale;
      committedSinceMs = head.nextSinceMs;
      if (head.lastPage) return { counts, lastPage: true, nextSinceMs: committedSinceMs };
    }
  } finally {
    inFlight.splice(0);
  }
  if (stalled) {
    // Everything before the stalled instant is committed; sweep it the careful, sequential way.
    const step = await syncUpdatedPage(context, committedSinceMs, priority, options.stateOnCommit);
    counts.pages += step.counts.pages ?? 0;
    counts.upserted += step.counts.upserted ?? 0;
    counts.skippedStale += step.counts.skippedStale ?? 0;
    counts.sweptInstants += step.counts.sweptInstants ?? 0;
    return { counts, lastPage: step.lastPage, nextSinceMs: step.nextSinceMs };
  }
  return { counts, lastPage: false, nextSinceMs: committedSinceMs };
}
