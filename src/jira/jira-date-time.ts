/**
 * Tally's own parsers for the instants Jira sends. Jira renders worklog dates as
 * `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm` in the viewing user's offset (jira-connect-protocol.md §1.4:
 * "parse offset-aware and never assume +0000"); `X-RateLimit-Reset` is ISO 8601 such as
 * `2026-01-01T01:01:01Z` or the older `yyyy-MM-ddTHH:mmZ` (§3). `Date.parse` is not used on
 * them: its acceptance of other forms differs between engines.
 */

/**
 * Jira's form, read tolerantly: seconds and the fraction may be missing, the fraction may have
 * 1–9 digits (kept to the millisecond), the offset may be `Z`, `±hh`, `±hhmm` or `±hh:mm`.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 9110 IMF-fixdate, the form HTTP `Date` and `Retry-After` use: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Epoch ms of a UTC calendar time, or undefined when a field is out of range (e.g. 31 April). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const result = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(result);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return result;
}

/** Offset east of UTC in minutes for `Z`, `±hh`, `±hhmm` or `±hh:mm`; undefined when out of range. */
function offsetMinutes(text: string): number | undefined {
  if (text === 'Z') return 0;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return (text.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Parses a Jira date-time (tolerant form above) to epoch ms, honouring its offset. Returns
 * undefined for anything else, including impossible dates. Pure.
 */
export function parseJiraDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const fraction = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  const local = utcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), Number(fraction));
  const offset = offsetMinutes(m[8] as string);
  if (local === undefined || offset === undefined) return undefined;
  return local - offset * 60_000;
}

/** Parses an HTTP date (IMF-fixdate, e.g. the `Date` header) to epoch ms; undefined otherwise. Pure. */
export function parseHttpDate(text: string): number | undefined {
  const m = HTTP_DATE.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2] as string) + 1;
  if (month === 0) return undefined;
  return utcMs(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0);
}
