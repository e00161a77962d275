import { AppError } from '../../platform/app-error.js';

/** The periods the repository page offers. */
export type PeriodPreset = 'this-month' | 'last-month' | 'last-30-days' | 'custom';

/** A chosen period: [fromMs, toMs) in UTC, with what the form shows. */
export interface ReportPeriod {
  preset: PeriodPreset;
  fromMs: number;
  toMs: number;
  /** `yyyy-mm-dd` of the first day and of the last day included. */
  fromDate: string;
  toDate: string;
}

const DAY_MS = 86_400_000;
/** A custom period spans at most about a year (the page reads synced worklogs of every key found). */
const MAX_CUSTOM_DAYS = 366;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function parseDate(text: string | undefined, field: string): number {
  const match = DATE.exec(text ?? '');
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || !Number.isFinite(ms) || isoDate(ms) !== text) throw new AppError('REQUEST_INVALID', `${field}: a date yyyy-mm-dd is expected`);
  return ms;
}

function period(preset: PeriodPreset, fromMs: number, toMs: number): ReportPeriod {
  return { preset, fromMs, toMs, fromDate: isoDate(fromMs), toDate: isoDate(toMs - DAY_MS) };
}

/**
 * The period for a preset at `nowMs`, in whole UTC days (Bitbucket gives a Connect page no time
 * zone for the viewer, so days are UTC): this month so far, last month, the last 30 days
 * including today, or `custom` from `from` to `to` (both included). REQUEST_INVALID for an unknown
 * preset, a malformed date, `to` before `from`, or more than {@link MAX_CUSTOM_DAYS} days.
 */
export function resolvePeriod(input: { preset?: string | undefined; from?: string | undefined; to?: string | undefined }, nowMs: number): ReportPeriod {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const now = new Date(today);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  switch (input.preset ?? 'this-month') {
    case 'this-month':
      return period('this-month', monthStart, today + DAY_MS);
    case 'last-month':
      return period('last-month', Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1), monthStart);
    case 'last-30-days':
      return period('last-30-days', today - 29 * DAY_MS, today + DAY_MS);
    case 'custom': {
      const fromMs = parseDate(input.from, 'from');
      const toMs = parseDate(input.to, 'to') + DAY_MS;
      if (toMs <= fromMs) throw new AppError('REQUEST_INVALID', 'to: must not be before from');
      if (toMs - fromMs > MAX_CUSTOM_DAYS * DAY_MS) throw new AppError('REQUEST_INVALID', `The period is limited to ${MAX_CUSTOM_DAYS} days`);
      return period('custom', fromMs, toMs);
    }
    default:
      throw new AppError('REQUEST_INVALID', 'period: one of this-month, last-month, last-30-days, custom');
  }
}
