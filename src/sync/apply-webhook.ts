import type { SyncState } from '../store/tenant-store.js';
import type { TenantEventMap } from '../tenants/tenant-events.js';
import type { SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** A worklog change notice as a platform edge hands it over (a webhook or a product event). */
export type WorklogHint = TenantEventMap['worklogWebhook'];

/**
 * Whether a notice is Tally's own, emitted after it wrote a worklog as a person: a hint like a
 * webhook, but it says nothing about whether Jira's webhooks arrive, so it is not counted as a
 * webhook receipt on the admin page.
 */
export function isOwnWriteNotice(hint: Pick<WorklogHint, 'source'>): boolean {
  return hint.source === 'tally-write';
}

/**
 * Applies a worklog webhook at once. Webhooks are hints (delivery is best effort, duplicated and
 * reordered — reference §2): a deletion tombstones the id at the event's time; a create or update
 * re-reads the worklog from Jira rather than trusting the body, so an old or duplicate delivery can
 * never overwrite newer data (newest `updated` wins) nor bring back a deleted worklog (Jira no
 * longer returns it). Polling stays the safety net for anything a webhook missed. `state` (the
 * receipt's time and lag) is written in the same transaction, or alone when nothing else is.
 */
export async function applyWorklogHint(context: SyncContext, hint: WorklogHint, state?: Partial<SyncState>): Promise<'deleted' | 'upserted' | 'absent' | 'ignored'> {
  const withState = state === undefined ? {} : { state };
  const writeStateOnly = async () => {
    if (state !== undefined) await context.store.applyBatch({ upserts: [], deletions: [], state });
  };
  const id = Number(hint.worklogId);
  if (!Number.isSafeInteger(id)) {
    await writeStateOnly();
    return 'ignored';
  }
  if (hint.event === 'worklog_deleted') {
    // Without Jira's deletion time, a tombstone at the event time is the safe stand-in: the
    // deletions feed will confirm it with Jira's own time.
    const deletedAtMs = hint.timestampMs ?? Number.MAX_SAFE_INTEGER;
    await context.store.applyBatch({ upserts: [], deletions: [{ clientWorklogId: id, deletedAtMs }], ...withState });
    return 'deleted';
  }
  const [worklog] = await context.jira.getWorklogs([id], { priority: 'incremental', ...(context.signal ? { signal: context.signal } : {}) });
  if (!worklog) {
    await writeStateOnly();
    return 'absent';
  }
  await context.store.applyBatch({ upserts: [toWorklogRow(worklog)], deletions: [], ...withState });
  return 'upserted';
}
