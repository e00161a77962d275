/**
 * Jira's date-time wire format, `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm` (offset without a colon),
 * rendered in the viewing user's time zone (jira-connect-protocol.md §1.4). The simulator's own
 * implementation: it shares no code with Tally's parser on purpose.
 */

/** The pattern Jira Cloud accepts for `started` on write; `Z` and nanoseconds are rejected. */
export const JIRA_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})([+-])(\d{2})(\d{2})$/;

/** Offsets per zone, keyed by 15-minute bucket: numeric keys keep paging fast. */
const offsetCache = new Map<string, Map<number, number>>();
const formatterCache = new Map<string, Intl.DateTimeFormat>();

/** A zone's fixed offset in minutes (`UTC`, `+0300`), or undefined for an IANA zone; cached per name. */
const fixedOffsets = new Map<string, number | undefined>();

function fixedOffsetOf(timeZone: string): number | undefined {
  if (fixedOffsets.has(timeZone)) return fixedOffsets.get(timeZone);
  let minutes: number | undefined;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') minutes = 0;
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(timeZone);
  if (fixed) minutes = (Number(fixed[2]) * 60 + Number(fixed[3])) * (fixed[1] === '-' ? -1 : 1);
  fixedOffsets.set(timeZone, minutes);
  return minutes;
}

/** The UTC offset in minutes of `timeZone` at instant `epochMs` (positive east of Greenwich). */
export function offsetMinutesAt(timeZone: string, epochMs: number): number {
  const fixed = fixedOffsetOf(timeZone);
  if (fixed !== undefined) return fixed;
  // Offsets change at most on quarter hours; caching by 15-minute bucket keeps paging fast.
  const bucket = Math.floor(epochMs / 900_000);
  let zoneCache = offsetCache.get(timeZone);
  if (!zoneCache) {
    zoneCache = new Map();
    offsetCache.set(timeZone, zoneCache);
  }
  const cached = zoneCache.get(bucket);
  if (cached !== undefined) return cached;
  let formatter = formatterCache.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatterCache.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(new Date(bucket * 900_000)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  const minutes = match ? (Number(match[2]) * 60 + Number(match[3])) * (match[1] === '-' ? -1 : 1) : 0;
  if (zoneCache.size > 500_000) zoneCache.clear();
  zoneCache.set(bucket, minutes);
  return minutes;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Formats an instant in `timeZone` (an IANA name, `UTC`, or a fixed `+0300`). */
export function formatJiraDate(epochMs: number, timeZone: string): string {
  const offset = offsetMinutesAt(timeZone, epochMs);
  const local = new Date(epochMs + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
    `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60), 2)}${pad(abs % 60, 2)}`
  );
}

/** Parses Jira's strict format to epoch ms; undefined when it does not match or is no real date. */
export function parseJiraDate(text: string): number | undefined {
  const m = JIRA_DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, sign, oh, om] = m.map((part, i) => (i === 8 ? part : Number(part))) as [
    unknown, number, number, number, number, number, number, number, string, number, number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(utc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
  const offset = (oh * 60 + om) * (sign === '-' ? -1 : 1);
  return utc - offset * 60_000;
}
