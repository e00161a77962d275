import type { SyncState } from '../store/tenant-store.js';

/** Progress of a full sync, estimated from how far its cursor moved through Jira's time. */
export interface SyncProgress {
  fraction: number;
  etaSeconds: number | undefined;
  worklogs: number;
}

/**
 * `/worklog/updated` gives no total, so progress is measured in Jira time: the cursor walks from
 * the oldest change (`originMs`, the cursor after the first page) to the instant the full sync
 * started. The ETA assumes the remaining history is as dense as what was read so far.
 */
export function estimateProgress(state: SyncState, originMs: number, elapsedSeconds: number): SyncProgress {
  const target = state.fullSyncStartedAtMs ?? state.updatedCursorMs;
  if (state.phase === 'incremental') return { fraction: 1, etaSeconds: 0, worklogs: state.fullSyncWorklogs };
  const span = target - originMs;
  const fraction = span > 0 ? Math.min(1, Math.max(0, (state.updatedCursorMs - originMs) / span)) : 0;
  const etaSeconds = fraction > 0.001 ? (elapsedSeconds * (1 - fraction)) / fraction : undefined;
  return { fraction, etaSeconds, worklogs: state.fullSyncWorklogs };
}

/** One line: a 30-character bar, percent, worklogs and ETA. */
export function renderProgress(progress: SyncProgress): string {
  const filled = Math.round(progress.fraction * 30);
  const eta = progress.etaSeconds === undefined ? 'ETA …' : `ETA ${formatDuration(progress.etaSeconds)}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(progress.fraction * 100).toFixed(1).padStart(5)}%  ${progress.worklogs} worklogs  ${eta}`;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
