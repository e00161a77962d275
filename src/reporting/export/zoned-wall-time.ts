import { AppError } from '../../platform/app-error.js';
import { ZoneOffsets } from '../engine/zone-offsets.js';

// Jira's `started` as stored: 2026-03-05T09:30:00.000+0100 (REST v3 worklog schema); the colon in
// the offset, `Z` and a missing fraction are accepted too, so an ISO 8601 instant also reads.
const JIRA_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

// Upper bounds of month, day, hour, minute, second, offset hours, offset minutes.
const FIELD_MAX = [12, 31, 23, 59, 59, 18, 59];

/** Epoch ms of a Jira timestamp, or undefined when it is not one. */
export function parseJiraTimestamp(text: string): number | undefined {
  const match = JIRA_TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = match;
  const fields = [Number(month), Number(day), Number(hour), Number(minute), Number(second), Number(offsetHours ?? 0), Number(offsetMinutes ?? 0)];
  if (!fields.every((value, index) => value >= (index < 2 ? 1 : 0) && value <= (FIELD_MAX[index] ?? 0))) return undefined;
  const ms = Number((fraction ?? '0').padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms);
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  // Date.UTC rolls 2026-02-31 over into March; such a date is not a timestamp.
  if (new Date(local).getUTCDate() !== fields[1]) return undefined;
  return local - offsetMs;
}

/** Wall-clock time in one IANA zone. */
export interface ZonedWallTime {
  readonly timeZone: string;
  /**
   * The wall time of `instantMs` in the zone, as epoch ms whose UTC fields read as that wall
   * time (what spreadsheets store: a date-time without a zone). Exact to the millisecond.
   */
  toWallMs(instantMs: number): number;
}

/**
 * Converts instants to wall time in `timeZone` (an IANA name or `UTC`), with the same offset
 * tables the report engine computes work dates from (src/reporting/engine/zone-offsets.ts), so an
 * export's "Started" and "Work date" columns can never disagree. Throws a `REQUEST_INVALID`
 * AppError for a zone the runtime does not know.
 */
export function createZonedWallTime(timeZone: string): ZonedWallTime {
  let offsets: ZoneOffsets;
  try {
    offsets = new ZoneOffsets(timeZone);
  } catch (error) {
    throw new AppError('REQUEST_INVALID', `Unknown time zone "${timeZone}"`, { cause: error });
  }
  return { timeZone, toWallMs: (instantMs) => instantMs + offsets.offsetAt(instantMs) };
}

/** `YYYY-MM-DD HH:mm:ss` of a wall time from {@link ZonedWallTime.toWallMs}: a form Excel reads as a date-time. */
export function formatWallTime(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19).replace('T', ' ');
}
