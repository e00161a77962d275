import { describe, expect, it } from 'vitest';
import { civilFromDays, dayKey, daysFromCivil, isoWeekKey, isoWeekMonday, monthKey, monthNumber, parseDateKey } from './civil-date.js';
import { isoWeekOf } from './engine-fixtures.js';

describe('civil dates', () => {
  it('numbers days like Date.UTC, both ways, across four centuries', () => {
    for (let ms = Date.UTC(1800, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86_400_000 * 13) {
      const date = new Date(ms);
      const days = ms / 86_400_000;
      expect(daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(days);
      expect(civilFromDays(days)).toEqual({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
      expect(dayKey(days)).toBe(date.toISOString().slice(0, 10));
    }
  });

  it('gives ISO weeks that agree with the textbook computation, year ends included', () => {
    for (let days = daysFromCivil(2019, 12, 20); days < daysFromCivil(2032, 1, 10); days++) {
      expect(isoWeekKey(isoWeekMonday(days)), dayKey(days)).toBe(isoWeekOf(dayKey(days)));
    }
    expect(isoWeekKey(isoWeekMonday(parseDateKey('2027-01-01')))).toBe('2026-W53');
    expect(isoWeekKey(isoWeekMonday(parseDateKey('2024-12-30')))).toBe('2025-W01');
    expect(dayKey(isoWeekMonday(parseDateKey('2026-03-29')))).toBe('2026-03-23');
  });

  it('numbers months consecutively', () => {
    expect(monthNumber(parseDateKey('2026-12-31')) + 1).toBe(monthNumber(parseDateKey('2027-01-01')));
    expect(monthKey(monthNumber(parseDateKey('2026-02-14')))).toBe('2026-02');
  });

  it.each(['2026-02-30', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00', ''])('refuses the date %j', (value) => {
    expect(() => parseDateKey(value)).toThrow(RangeError);
  });
});
