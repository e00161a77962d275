import type { ChangedWorklog } from '../jira/jira-client.js';
import { nextFeedCursor } from './feed-cursor.js';
import { applyPage, type SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** What a reconciliation found and did; kept in the sync state and logged (no worklog content). */
export interface ReconcileReport {
  /** Worklogs Jira shows that were missing or older in the store, now repaired. */
  repaired: number;
  /** Stored worklogs Jira confirms deleted (in `/worklog/deleted`), now removed and tombstoned. */
  removedDeleted: number;
  /** Stored worklogs Jira no longer shows but does not list as deleted: hidden from the app user
   * (visibility or app access rules) — reported and kept, never deleted on absence alone. */
  invisible: number[];
  /** Worklog ids Jira listed (the app user's visible set). */
  jiraVisible: number;
  stored: number;
}

const LIST_BATCH = 1000;
/** `/worklog/updated` and `/deleted` hide the last minute (Jira REST v3 docs); plus margin. */
const HIDDEN_WINDOW_MS = 2 * 60_000;

/**
 * Compares the tenant's stored ids and `updated` times with Jira's whole visible set
 * (`/worklog/updated` from 0) and repairs drift: missing or stale rows are re-read and upserted;
 * rows Jira no longer shows are removed only when `/worklog/deleted` confirms the deletion.
 * Nothing is deleted unless the whole feed was read: an error midway throws before any removal.
 * Costs about one point per visible worklog, so the scheduler runs it as a backfill.
 */
export async function reconcileTenant(context: SyncContext): Promise<ReconcileReport> {
  const options = { priority: 'backfill' as const, ...(context.signal ? { signal: context.signal } : {}) };
  // Changes younger than this are hidden from the feed (and may be in the store via webhooks):
  // they are no evidence of anything, so absence is judged only for older rows.
  const horizonMs = (await context.jira.getServerTimeMs(options)) - HIDDEN_WINDOW_MS;
  const jira = new Map<number, number>();
  let sinceMs = 0;
  for (;;) {
    const page = await context.jira.getUpdatedWorklogs({ sinceMs }, options);
    for (const v of page.values) jira.set(v.worklogId, Math.max(jira.get(v.worklogId) ?? 0, v.updatedTimeMs));
    const next = nextFeedCursor(sinceMs, page);
    if (page.lastPage) break;
    // A stalled page cannot be paged past; ids beyond it are repaired by the sweep of the sync.
    sinceMs = next > sinceMs ? next : sinceMs + 1;
  }
  const stored = new Map<number, number>();
  for await (const rows of context.store.streamWorklogs(5000)) for (const row of rows) stored.set(row.clientWorklogId, row.updatedMs);

  const toFetch = [...jira].filter(([id, updatedMs]) => (stored.get(id) ?? -1) < updatedMs).map(([id]) => id);
  let repaired = 0;
  for (let i = 0; i < toFetch.length; i += LIST_BATCH) {
    const worklogs = await context.jira.getWorklogs(toFetch.slice(i, i + LIST_BATCH), options);
    const result = await applyPage(context, { upserts: worklogs.map(toWorklogRow), deletions: [] });
    repaired += result.inserted + result.updated;
  }

  const absent = [...stored].filter(([id, updatedMs]) => !jira.has(id) && updatedMs < horizonMs).map(([id]) => id);
  const oldest = absent.reduce((min, id) => Math.min(min, stored.get(id) ?? 0), Number.MAX_SAFE_INTEGER);
  const confirmed = absent.length > 0 ? await confirmedDeletions(context, absent, oldest) : new Map<number, number>();
  if (confirmed.size > 0) {
    await context.store.applyBatch({ upserts: [], deletions: [...confirmed].map(([clientWorklogId, deletedAtMs]) => ({ clientWorklogId, deletedAtMs })) });
  }
  const invisible = absent.filter((id) => !confirmed.has(id));
  if (invisible.length > 0 || confirmed.size > 0 || repaired > 0) {
    context.logger.warn({ tenantId: context.tenantId, repaired, removedDeleted: confirmed.size, invisible: invisible.length }, 'reconciliation found drift');
  }
  await context.store.applyBatch({
    upserts: [],
    deletions: [],
    state: { lastReconciledAtMs: horizonMs + HIDDEN_WINDOW_MS, lastReconcile: { repaired, removedDeleted: confirmed.size, invisible: invisible.length, jiraVisible: jira.size } },
  });
  return { repaired, removedDeleted: confirmed.size, invisible, jiraVisible: jira.size, stored: stored.size };
}

/** Reads `/worklog/deleted` from `fromMs` and returns which of `ids` it lists, with their deletion times. */
async function confirmedDeletions(context: SyncContext, ids: number[], fromMs: number): Promise<Map<number, number>> {
  const wanted = new Set(ids);
  const found = new Map<number, number>();
  const options = { priority: 'backfill' as const, ...(context.signal ? { signal: context.signal } : {}) };
  let sinceMs = Math.max(0, fromMs - 60_000);
  for (;;) {
    const page = await context.jira.getDeletedWorklogs({ sinceMs }, options);
    for (const v of page.values as ChangedWorklog[]) if (wanted.has(v.worklogId)) found.set(v.worklogId, v.updatedTimeMs);
    const next = nextFeedCursor(sinceMs, page);
    if (page.lastPage || found.size === wanted.size) return found;
    sinceMs = next > sinceMs ? next : sinceMs + 1;
  }
}
