/**
 * What the admin view says about the sync, webhooks, reconciliation and backups, as plain
 * functions of the overview (unit-tested beside). Times are the viewer's locale and zone; the
 * ETA is the server's honest estimate — the slower of the pace so far and Jira's points quota —
 * and "estimating" until there is a basis for one.
 */
import type { AdminSyncStatus } from '../../api/api-types.js';

/** Shown instead of the whole admin view when Tally answers 403: the viewer is not a Jira site admin. */
export const NOT_SITE_ADMIN_MESSAGE = 'Only Jira site admins can see and change Tally’s settings. Ask a site admin of this Jira site if you need something here.';

const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

/** A span of seconds, rounded to what a person plans with: "45 seconds", "12 minutes", "3 hours 20 minutes", "2 days 4 hours". */
export function spanText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < MINUTE_S) return unit(s, 'second');
  if (s < HOUR_S) return unit(Math.round(s / MINUTE_S), 'minute');
  if (s < DAY_S) {
    const hours = Math.floor(s / HOUR_S);
    const minutes = Math.round((s % HOUR_S) / MINUTE_S);
    return minutes === 0 ? unit(hours, 'hour') : `${unit(hours, 'hour')} ${unit(minutes, 'minute')}`;
  }
  const days = Math.floor(s / DAY_S);
  const hours = Math.round((s % DAY_S) / HOUR_S);
  return hours === 0 ? unit(days, 'day') : `${unit(days, 'day')} ${unit(hours, 'hour')}`;
}

/** The phase in words. */
export function phaseText(status: AdminSyncStatus): string {
  if (status.paused) return 'Paused: Tally cannot reach Jira';
  if (status.phase === 'none') return 'Waiting to start the first sync';
  if (status.phase === 'full') return 'Full sync running';
  return 'Up to date: following changes as they happen';
}

/** The progress as a whole percentage (what the progress bar's `aria-valuenow` holds). */
export function percentDone(status: AdminSyncStatus): number {
  return Math.min(100, Math.max(0, Math.floor(status.fraction * 100)));
}

/** The ETA in words: an estimate only where there is a basis for one, never a guess. */
export function etaText(status: AdminSyncStatus): string {
  if (status.phase === 'incremental') return 'Done.';
  if (status.etaSeconds === undefined) return 'Estimating the time left: Tally needs to read more of the history first.';
  return `About ${spanText(status.etaSeconds)} left (at the pace so far or within Jira’s hourly points quota, whichever is slower).`;
}

/** "3,120 worklogs read, about 12,400 to go" (the remainder only when estimated). */
export function worklogsText(status: AdminSyncStatus, locale?: string): string {
  const read = `${status.worklogsWritten.toLocaleString(locale)} worklogs read`;
  const remaining = status.worklogsRemainingEstimate;
  return status.phase === 'full' && remaining !== undefined && remaining > 0 ? `${read}, about ${remaining.toLocaleString(locale)} to go` : read;
}

/** An instant as the viewer reads it ("Mar 5, 2026, 14:32"), or "never". */
export function instantText(atMs: number | null | undefined, locale?: string): string {
  if (atMs === null || atMs === undefined) return 'never';
  return new Date(atMs).toLocaleString(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** How long ago, from `nowMs` ("2 minutes ago"; "just now" under ten seconds). */
export function agoText(atMs: number, nowMs: number): string {
  const seconds = (nowMs - atMs) / 1000;
  return seconds < 10 ? 'just now' : `${spanText(seconds)} ago`;
}

/** A webhook's lag in words ("arrived 2 seconds after the change"), or why it is unknown. */
export function lagText(lagMs: number | null): string {
  if (lagMs === null) return 'its delay is unknown (the event carried no time)';
  if (lagMs < 1000) return 'arrived within a second of the change';
  return `arrived ${spanText(lagMs / 1000)} after the change`;
}

/** A size in bytes as a person reads it ("1.4 MB"; powers of 1000, like file managers). */
export function sizeText(bytes: number, locale?: string): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${units[unit]}`;
}

/** A count with its noun ("1 worklog", "3 worklogs"). */
export function worklogCount(n: number, locale?: string): string {
  return `${n.toLocaleString(locale)} ${n === 1 ? 'worklog' : 'worklogs'}`;
}
