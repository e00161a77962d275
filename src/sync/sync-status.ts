import type { SyncState } from '../store/tenant-store.js';

/**
 * Points a bulk full sync spends per worklog by Tally's estimate: one for its id in `/updated`, one
 * for its body in `/list` — the ETA's assumption until enough of the history was read to measure.
 */
const POINTS_PER_WORKLOG = 2;
/** History worklogs read before their measured points replace the assumption. */
const MEASURED_AFTER_WORKLOGS = 1000;

/** The least share of the app's quota an ETA assumes a tenant gets (one of many backfilling sites still gets turns). */
const MIN_TENANT_SHARE = 0.01;

/**
 * The share of the app's points this hour that `tenantId` spent, when the hour has seen enough
 * spending to say (else 1): the quota actually available to a tenant that shares it with others
 * syncing at the same time. From the rate-limit gate's per-tenant estimate.
 */
export function tenantQuotaShare(pointsSpentByTenant: Readonly<Record<string, number>>, tenantId: string): number {
  const total = Object.values(pointsSpentByTenant).reduce((sum, points) => sum + points, 0);
  if (total < 1000) return 1;
  return (pointsSpentByTenant[tenantId] ?? 0) / total;
}

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
  /**
   * Every worklog started at or after this instant is held exactly (Jira's set, kept by the
   * incremental sync): 0 once the whole history is; the recent window's start while a recent-first
   * sync loads the history; undefined while nothing is complete yet.
   */
  completeFromMs: number | undefined;
  /**
   * What the first sync cost in Jira points (Tally's estimate from Jira's answers: 1 + objects per
   * call): in all, per worklog written, and for the recent window alone; the per-worklog figures are
   * undefined until there is something to divide by.
   */
  points: { spent: number; perWorklog: number | undefined; recentWindowPerWorklog: number | undefined };
}

/** Where the complete range starts: see {@link SyncStatus.completeFromMs}. */
export function completeFromMs(state: SyncState): number | undefined {
  if (state.phase === 'incremental') return 0;
  if (state.phase === 'full' && state.recentFromMs !== undefined && state.recentReadAtMs !== undefined && state.recentUnreadIssues === 0) return state.recentFromMs;
  return undefined;
}

/** The feed's progress: its cursor's walk in Jira time from where the history starts to the full sync's start. */
function feedFraction(state: SyncState, targetMs: number): number | undefined {
  const origin = state.fullSyncOriginMs;
  if (origin === undefined || targetMs <= origin) return undefined;
  return Math.min(1, Math.max(0, (state.updatedCursorMs - origin) / (targetMs - origin)));
}

/** An issue-by-issue history's progress: its walk over issue ids from the first to the last (ids rise with creation, like the work). */
function issueFraction(state: SyncState): number | undefined {
  const first = state.historyFirstIssueId;
  const last = state.historyLastIssueId;
  if (first === undefined || last === undefined) return undefined;
  if (state.historyDoneThroughIssueId === undefined) return 0;
  if (last <= first) return 1;
  return Math.min(1, Math.max(0, (state.historyDoneThroughIssueId - first) / (last - first)));
}

/**
 * Estimates a tenant's progress. `/worklog/updated` gives no total, so progress is measured in
 * Jira time: the cursor walks from `fullSyncOriginMs` to the instant the full sync started (an
 * issue-by-issue history: over issue ids from its first issue to its last). The
 * ETA is the slower of the pace so far and what the hourly points quota allows — for a big site
 * the quota, not the machine, decides (docs/benchmarks.md), and saying so is the honest answer.
 * `tenantShare`: the share of the app's quota this tenant gets now ({@link tenantQuotaShare}).
 */
export function describeSyncStatus(state: SyncState, nowMs: number, pointsPerHour: number, tenantShare = 1): SyncStatus {
  const written = state.fullSyncWorklogs + state.recentWindowWorklogs;
  const base = {
    phase: state.phase,
    completeFromMs: completeFromMs(state),
    points: {
      spent: state.fullSyncPoints,
      perWorklog: written > 0 && state.fullSyncPoints > 0 ? state.fullSyncPoints / written : undefined,
      recentWindowPerWorklog: state.recentWindowWorklogs > 0 ? state.recentWindowPoints / state.recentWindowWorklogs : undefined,
    },
    worklogsWritten: state.fullSyncWorklogs,
    lastFullSyncAtMs: state.fullSyncCompletedAtMs,
    lastReconciledAtMs: state.lastReconciledAtMs,
  };
  if (state.phase === 'incremental') return { ...base, fraction: 1, worklogsRemainingEstimate: 0, etaSeconds: 0 };
  const target = state.fullSyncStartedAtMs;
  const fraction = state.phase === 'none' || target === undefined ? undefined : state.historyPath === 'issues' ? issueFraction(state) : feedFraction(state, target);
  if (fraction === undefined) return { ...base, fraction: 0, worklogsRemainingEstimate: undefined, etaSeconds: undefined };
  if (fraction < 0.001 || target === undefined) return { ...base, fraction, worklogsRemainingEstimate: undefined, etaSeconds: undefined };
  const remaining = Math.round((state.fullSyncWorklogs * (1 - fraction)) / fraction);
  const elapsedSeconds = Math.max(0, (nowMs - target) / 1000);
  const paceSeconds = (elapsedSeconds * (1 - fraction)) / fraction;
  // The history's own cost so far (the recent window's read is priced differently), once measurable.
  const historyPoints = state.fullSyncPoints - state.recentWindowPoints;
  const perWorklog = state.fullSyncWorklogs >= MEASURED_AFTER_WORKLOGS && historyPoints > 0 ? historyPoints / state.fullSyncWorklogs : POINTS_PER_WORKLOG;
  const quotaSeconds = ((remaining * perWorklog) / (pointsPerHour * Math.min(1, Math.max(MIN_TENANT_SHARE, tenantShare)))) * 3600;
  return { ...base, fraction, worklogsRemainingEstimate: remaining, etaSeconds: Math.max(paceSeconds, quotaSeconds) };
}
