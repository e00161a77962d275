import type { SyncState } from '../store/tenant-store.js';

/** Points a bulk full sync spends per worklog: one for its id in `/updated`, one for its body in `/list`. */
const POINTS_PER_WORKLOG = 2;

/** Where a tenant's sync stands, as admins and the CLI show it. */
export interface SyncStatus {
  phase: SyncState['phase'];
  /** Share of the full sync done, measured in Jira time from the oldest change to the start instant. */
  fraction: number;
  worklogsWritten: number;
  /** Worklogs the full sync still has to read, extrapolated from what it read so far. */
  worklogsRemainingEstimate: number | undefined;
  /** Seconds left at the speed so far, or at the points quota if that is slower; undefined before there is a basis. */
  etaSeconds: number | undefined;
  lastFullSyncAtMs: number | undefined;
  lastReconciledAtMs: number | undefined;
}

/**
 * Estimates a tenant's progress. `/worklog/updated` gives no total, so progress is measured in
 * Jira time: the cursor walks from `fullSyncOriginMs` to the instant the full sync started. The
 * ETA is the slower of the pace so far and what the hourly points quota allows — for a big site
 * the quota, not the machine, decides (docs/benchmarks.md), and saying so is the honest answer.
 */
export function describeSyncStatus(state: SyncState, nowMs: number, pointsPerHour: number): SyncStatus {
  const base = {
    phase: state.phase,
    worklogsWritten: state.fullSyncWorklogs,
    lastFullSyncAtMs: state.fullSyncCompletedAtMs,
    lastReconciledAtMs: state.lastReconciledAtMs,
  };
  if (state.phase === 'incremental') return { ...base, fraction: 1, worklogsRemainingEstimate: 0, etaSeconds: 0 };
  const origin = state.fullSyncOriginMs;
  const target = state.fullSyncStartedAtMs;
  if (state.phase === 'none' || origin === undefined || target === undefined || target <= origin) {
    return { ...base, fraction: 0, worklogsRemainingEstimate: undefined, etaSeconds: undefined };
  }
  const fraction = Math.min(1, Math.max(0, (state.updatedCursorMs - origin) / (target - origin)));
  if (fraction < 0.001) return { ...base, fraction, worklogsRemainingEstimate: undefined, etaSeconds: undefined };
  const remaining = Math.round((state.fullSyncWorklogs * (1 - fraction)) / fraction);
  const elapsedSeconds = Math.max(0, (nowMs - target) / 1000);
  const paceSeconds = (elapsedSeconds * (1 - fraction)) / fraction;
  const quotaSeconds = ((remaining * POINTS_PER_WORKLOG) / pointsPerHour) * 3600;
  return { ...base, fraction, worklogsRemainingEstimate: remaining, etaSeconds: Math.max(paceSeconds, quotaSeconds) };
}
