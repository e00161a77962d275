import type { SyncState } from '../src/store/tenant-store.js';
import { describeSyncStatus } from '../src/sync/sync-status.js';
import type { SiteActivity } from './instance-activity.js';

/** One site's row: its URL, its store's sync state and what the instances did there. */
export interface SiteRow {
  url: string;
  state: SyncState;
  activity: SiteActivity;
}

/** The table's lines, and per site line a key that changes only when its instance or phase does. */
export interface SiteTable {
  lines: string[];
  /** `keys[i]` belongs to `lines[i]`; the header's key is the header itself. */
  keys: string[];
}

/** The instance calling the site now, else the last one that did; `—` before any call. */
function currentInstance(activity: SiteActivity): string {
  const busy = [...activity.inFlight].filter(([, n]) => n > 0).map(([name]) => name);
  return busy.length > 0 ? busy.join('+') : (activity.lastInstance ?? '—');
}

/** Jira calls per instance, `tally-1 12 · tally-2 0`, instances in name order. */
function callsByInstance(activity: SiteActivity): string {
  return [...activity.calls].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name} ${n}`).join(' · ');
}

/**
 * The demo's live view, one line per site: which instance is syncing it (calling its Jira now, or
 * last), the phase with the full sync's progress, the worklogs written, and the Jira calls each
 * instance made to it. Pure.
 */
export function renderSiteTable(rows: readonly SiteRow[], nowMs: number): SiteTable {
  const header = `  ${'site'.padEnd(24)}${'instance'.padEnd(18)}${'phase'.padEnd(16)}${'worklogs'.padStart(9)}   Jira calls by instance`;
  const lines = [header];
  const keys = [header];
  for (const row of rows) {
    const instance = currentInstance(row.activity);
    const status = describeSyncStatus(row.state, nowMs, Number.MAX_SAFE_INTEGER);
    const phase = row.state.phase === 'full' ? `full ${Math.floor(status.fraction * 100)}%` : row.state.phase === 'incremental' ? 'synced' : 'waiting';
    lines.push(`  ${row.url.replace(/^https?:\/\//, '').padEnd(24)}${instance.padEnd(18)}${phase.padEnd(16)}${String(status.worklogsWritten).padStart(9)}   ${callsByInstance(row.activity)}`);
    keys.push(`${instance}|${row.state.phase}`);
  }
  return { lines, keys };
}
