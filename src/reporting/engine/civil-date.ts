/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian), and the report
 * model's date keys. Pure integer maths (Howard Hinnant's `days_from_civil`/`civil_from_days`),
 * no Date objects: the engine turns millions of rows into day numbers and keys only the buckets.
 */

export const DAY_MS = 86_400_000;

/** Day number of a civil date; `month` 1–12. Exact for any year a JS number holds. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The civil date of a day number. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` date; throws RangeError for anything else (including 2026-02-30). */
export function parseDateKey(date: string): number {
  const match = DATE_PATTERN.exec(date);
  const [year, month, day] = match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])];
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  if (match === null || month < 1 || month > 12 || back.month !== month || back.day !== day) {
    throw new RangeError(`Expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return days;
}

const pad = (value: number, width: number) => (value < 0 ? `-${String(-value).padStart(width, '0')}` : String(value).padStart(width, '0'));

/** `YYYY-MM-DD` of a day number. */
export function dayKey(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Months since year 0 (`year * 12 + month - 1`): consecutive months are consecutive numbers. */
export function monthNumber(days: number): number {
  const { year, month } = civilFromDays(days);
  return year * 12 + month - 1;
}

/** `YYYY-MM` of a {@link monthNumber}. */
export function monthKey(month: number): string {
  const year = Math.floor(month / 12);
  return `${pad(year, 4)}-${pad(month - year * 12 + 1, 2)}`;
}

/** `YYYY` of a year. */
export function yearKey(year: number): string {
  return pad(year, 4);
}

/** Day number of the Monday that starts the ISO week of `days` (1970-01-01 was a Thursday). */
export function isoWeekMonday(days: number): number {
  return days - ((((days + 3) % 7) + 7) % 7);
}

/**
 * `YYYY-Www` of the ISO week starting on the Monday `monday`: the week belongs to the year of its
 * Thursday (ISO 8601), and week 1 is the week holding that year's first Thursday.
 */
export function isoWeekKey(monday: number): string {
  const thursday = monday + 3;
  const { year } = civilFromDays(thursday);
  const week = Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
  return `${pad(year, 4)}-W${pad(week, 2)}`;
}
