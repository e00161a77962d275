import type { TenantEventMap } from '../tenants/tenant-events.js';
import type { SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** A worklog change notice as a platform edge hands it over (a webhook or a product event). */
export type WorklogHint = TenantEventMap['worklogWebhook'];

/**
 * Applies a worklog webhook at once. Webhooks are hints (delivery is best effort, duplicated and
 * reordered — reference §2): a deletion tombstones the id at the event's time; a create or update
 * re-reads the worklog from Jira rather than trusting the body, so an old or duplicate delivery can
 * never overwrite newer data (newest `updated` wins) nor bring back a deleted worklog (Jira no
 * longer returns it). Polling stays the safety net for anything a webhook missed.
 */
export async function applyWorklogHint(context: SyncContext, hint: WorklogHint): Promise<'deleted' | 'upserted' | 'absent' | 'ignored'> {
  const id = Number(hint.worklogId);
  if (!Number.isSafeInteger(id)) return 'ignored';
  if (hint.event === 'worklog_deleted') {
    // Without Jira's deletion time, a tombstone at the event time is the safe stand-in: the
    // deletions feed will confirm it with Jira's own time.
    const deletedAtMs = hint.timestampMs ?? Number.MAX_SAFE_INTEGER;
    await context.store.applyBatch({ upserts: [], deletions: [{ clientWorklogId: id, deletedAtMs }] });
    return 'deleted';
  }
  const [worklog] = await context.jira.getWorklogs([id], { priority: 'incremental', ...(context.signal ? { signal: context.signal } : {}) });
  if (!worklog) return 'absent';
  await context.store.applyBatch({ upserts: [toWorklogRow(worklog)], deletions: [] });
  return 'upserted';
}
