/**
 * Calendar dates as `YYYY-MM-DD` strings (the API's work dates). Arithmetic runs on UTC
 * midnights, so no local time zone or daylight-saving change can shift a date.
 */

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Whether `text` is a real calendar date in `YYYY-MM-DD` form. */
export function isCalendarDate(text: string): boolean {
  const match = YMD.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return formatUtcDate(date) === text;
}

/** The UTC midnight of a `YYYY-MM-DD` date. */
export function parseCalendarDate(text: string): Date {
  const match = YMD.exec(text);
  if (!match) throw new Error(`not a YYYY-MM-DD date: ${text}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** `YYYY-MM-DD` of a UTC instant's calendar date. */
export function formatUtcDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** The date `days` after (or before, when negative) `date`. */
export function addDays(date: string, days: number): string {
  return formatUtcDate(new Date(parseCalendarDate(date).getTime() + days * DAY_MS));
}

/** Number of days from `from` to `to`, both included (1 for the same day). */
export function daysInRange(from: string, to: string): number {
  return Math.round((parseCalendarDate(to).getTime() - parseCalendarDate(from).getTime()) / DAY_MS) + 1;
}

/** Today's date in an IANA time zone (the report's zone, not the browser's). */
export function todayIn(timeZone: string, nowMs: number): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(nowMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${pad(part('year'), 4)}-${pad(part('month'))}-${pad(part('day'))}`;
}

/** ISO 8601 week key (`YYYY-Www`, Monday first, the week-numbering year) of a date. */
export function isoWeekKey(date: string): string {
  const day = parseCalendarDate(date);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // The ISO week belongs to the year of its Thursday.
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursdayOrdinal = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS);
  return `${pad(year, 4)}-W${pad(Math.floor(firstThursdayOrdinal / 7) + 1)}`;
}

/** Monday of the ISO week of `date`. */
export function startOfWeek(date: string): string {
  return addDays(date, -((parseCalendarDate(date).getUTCDay() + 6) % 7));
}

/** First day of the month of `date`. */
export function startOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** Last day of the month of `date`. */
export function endOfMonth(date: string): string {
  const first = parseCalendarDate(startOfMonth(date));
  return formatUtcDate(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)));
}
