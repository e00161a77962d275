import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { createZonedWallTime, formatWallTime, parseJiraTimestamp } from './zoned-wall-time.js';

describe('Jira timestamps', () => {
  it('reads the stored form with its offset', () => {
    expect(parseJiraTimestamp('2026-03-05T09:30:00.000+0100')).toBe(Date.UTC(2026, 2, 5, 8, 30));
    expect(parseJiraTimestamp('2026-03-05T09:30:00.250-0530')).toBe(Date.UTC(2026, 2, 5, 15, 0, 0, 250));
  });

  it('also reads ISO 8601 with a colon in the offset or Z', () => {
    expect(parseJiraTimestamp('2026-03-05T09:30:00+01:00')).toBe(Date.UTC(2026, 2, 5, 8, 30));
    expect(parseJiraTimestamp('2026-03-05T09:30:00.000Z')).toBe(Date.UTC(2026, 2, 5, 9, 30));
  });

  it.each(['', '2026-03-05', '2026-02-30T09:30:00.000+0000', '2026-13-01T00:00:00.000+0000', '2026-03-05T24:00:00.000+0000', 'yesterday'])(
    'rejects %j',
    (text) => {
      expect(parseJiraTimestamp(text)).toBeUndefined();
    },
  );
});

describe('wall time in a zone', () => {
  it('shows an instant as the local time of the report zone', () => {
    const berlin = createZonedWallTime('Europe/Berlin');
    expect(formatWallTime(berlin.toWallMs(Date.UTC(2026, 0, 15, 23, 30)))).toBe('2026-01-16 00:30:00');
    expect(formatWallTime(berlin.toWallMs(Date.UTC(2026, 6, 15, 23, 30)))).toBe('2026-07-16 01:30:00');
  });

  it('is exact on both sides of a daylight-saving change, to the millisecond', () => {
    const berlin = createZonedWallTime('Europe/Berlin');
    // Summer time starts 2026-03-29 at 01:00 UTC (02:00 local becomes 03:00).
    const change = Date.UTC(2026, 2, 29, 1, 0);
    expect(berlin.toWallMs(change - 1)).toBe(Date.UTC(2026, 2, 29, 1, 59, 59, 999));
    expect(berlin.toWallMs(change)).toBe(Date.UTC(2026, 2, 29, 3, 0));
  });

  it('handles a zone change that falls inside a cached quarter hour', () => {
    // Monrovia left its -00:44:30 offset for UTC at 1972-01-07 00:44:30 UTC.
    const monrovia = createZonedWallTime('Africa/Monrovia');
    expect(formatWallTime(monrovia.toWallMs(Date.UTC(1972, 0, 7, 0, 44, 29)))).toBe('1972-01-06 23:59:59');
    expect(formatWallTime(monrovia.toWallMs(Date.UTC(1972, 0, 7, 0, 44, 30)))).toBe('1972-01-07 00:44:30');
    expect(formatWallTime(monrovia.toWallMs(Date.UTC(1972, 0, 7, 0, 30, 0)))).toBe('1972-01-06 23:45:30');
  });

  it('agrees with Intl minute by minute around changes of quarter-hour zones', () => {
    const reference = (timeZone: string, instantMs: number): string =>
      new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(instantMs);
    for (const [timeZone, changeMs] of [
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15, 0)],
      ['Asia/Kathmandu', Date.UTC(2026, 0, 1, 0, 0)],
      ['America/St_Johns', Date.UTC(2026, 2, 8, 5, 30)],
    ] as const) {
      const zone = createZonedWallTime(timeZone);
      for (let minute = -120; minute <= 120; minute += 1) {
        const instantMs = changeMs + minute * 60_000 + 7_000;
        expect(formatWallTime(zone.toWallMs(instantMs))).toBe(reference(timeZone, instantMs));
      }
    }
  });

  it('rejects an unknown zone as an invalid request', () => {
    let thrown: unknown;
    try {
      createZonedWallTime('Mars/Olympus_Mons');
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown, 'REQUEST_INVALID')).toBe(true);
  });
});
