import { describe, expect, it } from 'vitest';
import { addDays, daysInRange, endOfMonth, isCalendarDate, isoWeekKey, startOfWeek, todayIn } from './calendar-date.js';

describe('calendar dates', () => {
  it('accepts real dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-2-1')).toBe(false);
  });

  it('adds days across months, years and daylight-saving changes', () => {
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysInRange('2026-03-01', '2026-03-31')).toBe(31);
  });

  it('numbers ISO weeks with the week-numbering year', () => {
    expect(isoWeekKey('2026-03-05')).toBe('2026-W10');
    expect(isoWeekKey('2021-01-03')).toBe('2020-W53');
    expect(isoWeekKey('2024-12-30')).toBe('2025-W01');
    expect(isoWeekKey('2026-01-01')).toBe('2026-W01');
    expect(startOfWeek('2026-03-08')).toBe('2026-03-02');
    expect(endOfMonth('2024-02-10')).toBe('2024-02-29');
  });

  it('takes today from the report time zone, not the browser', () => {
    const instant = Date.UTC(2026, 2, 5, 23, 30); // 23:30 UTC on 5 March
    expect(todayIn('UTC', instant)).toBe('2026-03-05');
    expect(todayIn('Asia/Tokyo', instant)).toBe('2026-03-06');
    expect(todayIn('America/Los_Angeles', instant)).toBe('2026-03-05');
  });
});
