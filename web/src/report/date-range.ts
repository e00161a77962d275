import { addDays, daysInRange, endOfMonth, isCalendarDate, startOfMonth, startOfWeek } from './calendar-date.js';

/** The period choices of the header; `custom` keeps the dates the user typed. */
export const RANGE_PRESETS = ['this-week', 'last-week', 'this-month', 'last-month', 'this-year', 'last-year', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const PRESET_LABELS: Record<RangePreset, string> = {
  'this-week': 'This week',
  'last-week': 'Last week',
  'this-month': 'This month',
  'last-month': 'Last month',
  'this-year': 'This year',
  'last-year': 'Last year',
  custom: 'Custom',
};

/** A period of work dates, both ends included. */
export interface DateRange {
  from: string;
  to: string;
}

/** The API refuses ranges longer than this (docs/api.md: `to` at most 10 years after `from`). */
const MAX_RANGE_YEARS = 10;

/**
 * The whole calendar period a preset names, around `today` (in the report's time zone): weeks
 * are ISO weeks (Monday to Sunday). Undefined for `custom`.
 */
export function rangeForPreset(preset: RangePreset, today: string): DateRange | undefined {
  const year = today.slice(0, 4);
  switch (preset) {
    case 'this-week': {
      const monday = startOfWeek(today);
      return { from: monday, to: addDays(monday, 6) };
    }
    case 'last-week': {
      const monday = addDays(startOfWeek(today), -7);
      return { from: monday, to: addDays(monday, 6) };
    }
    case 'this-month':
      return { from: startOfMonth(today), to: endOfMonth(today) };
    case 'last-month': {
      const lastOfPrevious = addDays(startOfMonth(today), -1);
      return { from: startOfMonth(lastOfPrevious), to: lastOfPrevious };
    }
    case 'this-year':
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    case 'last-year': {
      const previous = String(Number(year) - 1).padStart(4, '0');
      return { from: `${previous}-01-01`, to: `${previous}-12-31` };
    }
    case 'custom':
      return undefined;
  }
}

/** Why a range cannot be asked for, in words for the form; undefined when it can. */
export function rangeProblem(range: DateRange): string | undefined {
  if (!isCalendarDate(range.from)) return 'Enter a start date.';
  if (!isCalendarDate(range.to)) return 'Enter an end date.';
  if (range.from > range.to) return 'The start date is after the end date.';
  const limit = `${String(Number(range.from.slice(0, 4)) + MAX_RANGE_YEARS).padStart(4, '0')}${range.from.slice(4)}`;
  if (range.to > limit) return `A report covers at most ${MAX_RANGE_YEARS} years.`;
  return undefined;
}

/** Days in a valid range (for choosing the chart's time buckets). */
export function rangeDays(range: DateRange): number {
  return daysInRange(range.from, range.to);
}
