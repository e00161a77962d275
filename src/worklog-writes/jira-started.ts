/**
 * Jira's `started`: `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm` (the worklog OpenAPI excerpt; Jira refuses
 * any other pattern). Tally builds it from a calendar date and a wall-clock time in the viewer's
 * own Jira time zone, as Jira's log-work dialog does, with the zone's offset at that moment (never
 * a fixed offset). Pure: zones come from the runtime's ICU data via `Intl`.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

/** A wall-clock date and time, as the person entered them. */
export interface WallTime {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:mm`, 24-hour. */
  time: string;
}

/** Whether `date` is a real calendar date `YYYY-MM-DD` (no 2026-02-30), years 1900–9999. */
export function isCalendarDate(date: string): boolean {
  const match = DATE.exec(date);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900) return false;
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** Whether `time` is `HH:mm` between 00:00 and 23:59. */
export function isWallClockTime(time: string): boolean {
  const match = TIME.exec(time);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60;
}

/** Whether the runtime knows `timeZone` (an IANA name such as `Europe/Berlin`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of `instantMs` in `timeZone` (seconds precision). */
function wallFieldsAt(instantMs: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year as number, month: parts.month as number, day: parts.day as number, hour: parts.hour as number, minute: parts.minute as number, second: parts.second as number };
}

/** The zone's offset from UTC at `instantMs`, in whole minutes (east positive). */
export function zoneOffsetMinutes(instantMs: number, timeZone: string): number {
  const wall = wallFieldsAt(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall time in `timeZone` names, as `java.time.ZonedDateTime.of` resolves it (Jira
 * is Java): in a repeated hour (autumn) the earlier offset; in a skipped hour (spring) the time
 * moves forward by the gap, e.g. 02:30 on Berlin's spring day is 03:30 +0200.
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number {
  const [year, month, day] = wall.date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = wall.time.split(':').map(Number) as [number, number];
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force a day either side cover any transition near this wall time.
  const before = zoneOffsetMinutes(wallAsUtc - 86_400_000, timeZone);
  const after = zoneOffsetMinutes(wallAsUtc + 86_400_000, timeZone);
  const valid = [...new Set([before, after])]
    .map((offset) => wallAsUtc - offset * 60_000)
    .filter((instant) => zoneOffsetMinutes(instant, timeZone) * 60_000 === wallAsUtc - instant)
    .sort((a, b) => a - b);
  // Earlier instant first = the earlier (pre-transition) offset in an overlap; none valid = a gap.
  return valid[0] ?? wallAsUtc - before * 60_000;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `instantMs` as Jira's `started` text in `timeZone` (milliseconds kept). */
export function formatJiraStarted(instantMs: number, timeZone: string): string {
  const wall = wallFieldsAt(instantMs, timeZone);
  const offset = zoneOffsetMinutes(instantMs, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const millis = ((instantMs % 1000) + 1000) % 1000;
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}.${pad(millis, 3)}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** The date and time a person would read for `instantMs` in `timeZone` (the edit form's values). */
export function wallTimeOf(instantMs: number, timeZone: string): WallTime {
  const wall = wallFieldsAt(instantMs, timeZone);
  return { date: `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`, time: `${pad(wall.hour)}:${pad(wall.minute)}` };
}
