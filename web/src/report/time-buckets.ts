import { addDays, daysInRange, isoWeekKey, parseCalendarDate } from './calendar-date.js';
import type { DateRange } from './date-range.js';

/** The chart's x axis unit. */
export type TimeBucket = 'day' | 'week' | 'month';

/** One bar position: its key as the API's summary groups spell it, and a short label. */
export interface BucketSlot {
  key: string;
  label: string;
}

/** Ranges up to this many days are drawn per day, up to the next limit per week, beyond per month. */
const DAILY_UP_TO_DAYS = 45;
const WEEKLY_UP_TO_DAYS = 200;

/** The bucket that keeps a range at roughly 7–120 bars. */
export function chooseBucket(range: DateRange): TimeBucket {
  const days = daysInRange(range.from, range.to);
  if (days <= DAILY_UP_TO_DAYS) return 'day';
  if (days <= WEEKLY_UP_TO_DAYS) return 'week';
  return 'month';
}

const monthLabel = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const dayLabel = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function keyOf(date: string, bucket: TimeBucket): string {
  if (bucket === 'day') return date;
  if (bucket === 'week') return isoWeekKey(date);
  return date.slice(0, 7);
}

function labelOf(date: string, bucket: TimeBucket, key: string): string {
  if (bucket === 'day') return dayLabel.format(parseCalendarDate(date));
  if (bucket === 'week') return key.slice(5);
  return monthLabel.format(parseCalendarDate(date));
}

/**
 * Every bucket of the range in order, including empty ones, so gaps show as gaps. Keys match
 * the API (`YYYY-MM-DD`, ISO `YYYY-Www`, `YYYY-MM`). Bounded: at most one slot per day.
 */
export function listBuckets(range: DateRange, bucket: TimeBucket): BucketSlot[] {
  const slots: BucketSlot[] = [];
  const days = daysInRange(range.from, range.to);
  let previous = '';
  for (let i = 0; i < days; i++) {
    const date = addDays(range.from, i);
    const key = keyOf(date, bucket);
    if (key === previous) continue;
    slots.push({ key, label: labelOf(date, bucket, key) });
    previous = key;
  }
  return slots;
}

const longDayLabel = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
const longMonthLabel = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * A bucket's key in full words, for the chart's data table, where a row is read on its own by a
 * screen reader: `2026-03-05` → "Thu, Mar 5, 2026", `2026-W10` → "Week 10 of 2026",
 * `2026-03` → "March 2026". An unexpected key is returned as it is.
 */
export function describeBucket(key: string, bucket: TimeBucket): string {
  if (bucket === 'week') {
    const week = /^(\d{4})-W(\d{2})$/.exec(key);
    return week ? `Week ${Number(week[2])} of ${week[1]}` : key;
  }
  if (bucket === 'month') return /^\d{4}-\d{2}$/.test(key) ? longMonthLabel.format(parseCalendarDate(`${key}-01`)) : key;
  return /^\d{4}-\d{2}-\d{2}$/.test(key) ? longDayLabel.format(parseCalendarDate(key)) : key;
}
