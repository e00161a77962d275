import { describe, expect, it } from 'vitest';
import { dayKey } from './civil-date.js';
import { intlWorkDate, seededRandom } from './engine-fixtures.js';
import { ZoneOffsets } from './zone-offsets.js';

const HOUR = 3_600_000;

describe('ZoneOffsets', () => {
  it.each([
    // Berlin: 02:00 CET becomes 03:00 CEST, and back (2026).
    ['Europe/Berlin', Date.UTC(2026, 2, 29, 1), 2 * HOUR],
    ['Europe/Berlin', Date.UTC(2026, 9, 25, 1), 1 * HOUR],
    // New York: 02:00 EST becomes 03:00 EDT; 02:00 EDT becomes 01:00 EST (2026).
    ['America/New_York', Date.UTC(2026, 2, 8, 7), -4 * HOUR],
    ['America/New_York', Date.UTC(2026, 10, 1, 6), -5 * HOUR],
  ] as const)('finds the %s transition at its exact millisecond', (zone, atMs, offsetMs) => {
    const offsets = new ZoneOffsets(zone);
    expect(offsets.transitionsBetween(atMs - 30 * 86_400_000, atMs + 30 * 86_400_000)).toEqual([{ atMs, offsetMs }]);
    expect(offsets.offsetAt(atMs)).toBe(offsetMs);
    expect(offsets.offsetAt(atMs - 1)).not.toBe(offsetMs);
  });

  it('has no transition in Tokyo in 2026 and sees the 23:30 local start on its own day', () => {
    const tokyo = new ZoneOffsets('Asia/Tokyo');
    expect(tokyo.transitionsBetween(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))).toEqual([]);
    expect(dayKey(tokyo.dayNumberOf(Date.UTC(2026, 2, 10, 14, 30)))).toBe('2026-03-10');
    expect(dayKey(tokyo.dayNumberOf(Date.UTC(2026, 2, 10, 15, 30)))).toBe('2026-03-11');
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Apia', 'America/St_Johns', 'UTC'])(
    'agrees with Intl on the work date of random instants and of every instant next to a transition in %s',
    (zone) => {
      const offsets = new ZoneOffsets(zone);
      const next = seededRandom(zone.length);
      const instants: number[] = [];
      const within = (fromMs: number, toMs: number, count: number) => {
        for (let i = 0; i < count; i++) instants.push(fromMs + Math.floor(next() * (toMs - fromMs)));
      };
      within(Date.UTC(2000, 0, 1), Date.UTC(2035, 0, 1), 2000);
      // Outside the per-day table (1900–2199): the exact path, LMT offsets of the 1890s included.
      within(Date.UTC(1895, 0, 1), Date.UTC(1900, 0, 1), 100);
      within(Date.UTC(2200, 0, 1), Date.UTC(2202, 0, 1), 100);
      for (const { atMs } of offsets.transitionsBetween(Date.UTC(2005, 0, 1), Date.UTC(2030, 0, 1))) {
        for (const delta of [-HOUR, -1000, -1, 0, 1, 1000, HOUR]) instants.push(atMs + delta);
      }
      for (const ms of instants) expect(dayKey(offsets.dayNumberOf(ms)), new Date(ms).toISOString()).toBe(intlWorkDate(ms, zone));
    },
  );

  it('sees Samoa skip 2011-12-30 entirely', () => {
    const apia = new ZoneOffsets('Pacific/Apia');
    const before = Date.UTC(2011, 11, 30, 9, 59, 59, 999); // 23:59:59.999 on the 29th, UTC−10
    expect(dayKey(apia.dayNumberOf(before))).toBe('2011-12-29');
    expect(dayKey(apia.dayNumberOf(before + 1))).toBe('2011-12-31');
  });

  it('refuses a zone Intl does not know', () => {
    expect(() => new ZoneOffsets('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
