/**
 * What the timer shows, as plain functions (unit-tested beside). The worklog a stop writes is
 * the elapsed time in whole minutes, at least one (docs/api.md): the display counts the same way.
 */
import { durationWords } from '../log-work/log-work-texts.js';

const MINUTE_MS = 60_000;

/** Whole minutes since `startedAt` (ISO) at `nowMs`; 0 for a start in the future (clock skew). */
export function elapsedMinutes(startedAt: string, nowMs: number): number {
  const elapsed = nowMs - Date.parse(startedAt);
  return Number.isFinite(elapsed) ? Math.max(0, Math.floor(elapsed / MINUTE_MS)) : 0;
}

/** The running time as shown: `0:07`, `1:05`, `12:30` (hours and minutes). */
export function elapsedClock(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The running time in words, for screen readers: "running for 1 hour 5 minutes". */
export function elapsedWords(minutes: number): string {
  return `running for ${durationWords(minutes * 60)}`;
}

/** Milliseconds until the display next changes (the next whole minute since the start), at least 1 s. */
export function msUntilNextMinute(startedAt: string, nowMs: number): number {
  const elapsed = nowMs - Date.parse(startedAt);
  if (!Number.isFinite(elapsed) || elapsed < 0) return MINUTE_MS;
  return Math.max(1000, MINUTE_MS - (elapsed % MINUTE_MS));
}

/** The clock time a timer started, in the viewer's locale and Jira zone (where the worklog will start: "09:30"). */
export function startedClock(startedAt: string, timeZone: string, locale?: string): string {
  const options = { hour: '2-digit', minute: '2-digit' } as const;
  try {
    return new Date(startedAt).toLocaleTimeString(locale, { ...options, timeZone });
  } catch {
    // A zone the runtime does not know: the browser's own.
    return new Date(startedAt).toLocaleTimeString(locale, options);
  }
}
