import type { SyncState } from '../store/tenant-store.js';

/** What the admin page shows of a tenant's sync besides its status (docs/api.md, `GET /api/admin/overview`). */
export interface SyncAdminFacts {
  /** When an incremental run last ended synced (Tally's clock); null before the first. */
  lastIncrementalSyncAtMs: number | null;
  webhook: {
    /** When the last worklog change notice (a platform's webhook or event) reached Tally (Tally's clock); null before the first. */
    lastReceivedAtMs: number | null;
    /** Receipt time less the event's own timestamp; null when that event carried none. */
    lastLagMs: number | null;
  };
  /** The last reconciliation's findings, counts only; null before the first. */
  reconciliation: null | {
    atMs: number;
    /** Worklogs Jira shows that the store lacked or held older: repaired. */
    missing: number;
    /** Stored worklogs Jira confirmed deleted: removed. */
    extra: number;
    /** Stored worklogs Jira no longer shows to the app but never listed as deleted: kept. */
    invisible: number;
    /** Worklogs Jira listed to the app. */
    jiraVisible: number;
  };
}

/**
 * The admin facts of a sync state. `lastSyncedAtMs`: the exact end of the tenant's last synced run
 * in this process, when it ran one — the stored time lags it by up to ten minutes (sync-service.ts).
 */
export function syncAdminFacts(state: SyncState, lastSyncedAtMs: number | undefined): SyncAdminFacts {
  const stored = state.lastIncrementalSyncAtMs;
  const lastIncremental = stored === undefined ? lastSyncedAtMs : lastSyncedAtMs === undefined ? stored : Math.max(stored, lastSyncedAtMs);
  const findings = state.lastReconcile;
  return {
    lastIncrementalSyncAtMs: lastIncremental ?? null,
    webhook: { lastReceivedAtMs: state.lastWebhookReceivedAtMs ?? null, lastLagMs: state.lastWebhookLagMs ?? null },
    reconciliation:
      findings === undefined || state.lastReconciledAtMs === undefined
        ? null
        : { atMs: state.lastReconciledAtMs, missing: findings.repaired, extra: findings.removedDeleted, invisible: findings.invisible, jiraVisible: findings.jiraVisible },
  };
}
