import type { SyncStatus } from '../sync/sync-status.js';

/**
 * One line: a 30-character bar, percent, worklogs and ETA; while a recent-first sync loads the
 * history, also from when the stored worklogs are complete (UTC).
 */
export function renderProgress(status: SyncStatus): string {
  const filled = Math.round(status.fraction * 30);
  const eta = status.etaSeconds === undefined ? 'ETA …' : `ETA ${formatDuration(status.etaSeconds)}`;
  const complete = status.phase !== 'incremental' && status.completeFromMs !== undefined && status.completeFromMs > 0 ? `  complete from ${new Date(status.completeFromMs).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(status.fraction * 100).toFixed(1).padStart(5)}%  ${status.worklogsWritten} worklogs  ${eta}${complete}`;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
