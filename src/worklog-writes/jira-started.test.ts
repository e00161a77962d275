import { describe, expect, it } from 'vitest';
import { formatJiraStarted, instantOfWallTime, isCalendarDate, isWallClockTime, wallTimeOf, zoneOffsetMinutes } from './jira-started.js';

/*
 * Hand-worked examples (offsets from the IANA rules): Berlin is +01:00 in winter and +02:00 from
 * the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC; New York is -05:00
 * / -04:00 (second Sunday of March, first Sunday of November, at 02:00 local); Kolkata +05:30
 * all year; Kathmandu +05:45; Chatham Islands +13:45 in their summer.
 */
describe('formatJiraStarted from a wall time in the viewer zone', () => {
  const started = (date: string, time: string, zone: string) => formatJiraStarted(instantOfWallTime({ date, time }, zone), zone);

  it.each([
    ['2026-01-15', '09:30', 'Europe/Berlin', '2026-01-15T09:30:00.000+0100'],
    ['2026-07-15', '09:30', 'Europe/Berlin', '2026-07-15T09:30:00.000+0200'],
    ['2026-07-15', '23:45', 'America/New_York', '2026-07-15T23:45:00.000-0400'],
    ['2026-12-07', '00:00', 'America/New_York', '2026-12-07T00:00:00.000-0500'],
    ['2026-03-01', '08:00', 'Asia/Kolkata', '2026-03-01T08:00:00.000+0530'],
    ['2026-03-01', '08:00', 'Asia/Kathmandu', '2026-03-01T08:00:00.000+0545'],
    ['2026-01-10', '12:00', 'Pacific/Chatham', '2026-01-10T12:00:00.000+1345'],
    ['2026-05-05', '17:05', 'UTC', '2026-05-05T17:05:00.000+0000'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(started(date, time, zone)).toBe(expected);
  });

  it('names the instant Jira will store: 09:30 in Berlin in winter is 08:30 UTC', () => {
    expect(new Date(instantOfWallTime({ date: '2026-01-15', time: '09:30' }, 'Europe/Berlin')).toISOString()).toBe('2026-01-15T08:30:00.000Z');
  });

  it('moves a time in the spring gap forward by the gap, as java.time does (02:30 on 29 March 2026 in Berlin is 03:30 +0200)', () => {
    expect(started('2026-03-29', '02:30', 'Europe/Berlin')).toBe('2026-03-29T03:30:00.000+0200');
  });

  it('takes the earlier offset in the repeated autumn hour, as java.time does (02:30 on 25 October 2026 in Berlin is +0200)', () => {
    expect(started('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T02:30:00.000+0200');
    expect(new Date(instantOfWallTime({ date: '2026-10-25', time: '02:30' }, 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('keeps milliseconds and formats an instant on either side of a change with its own offset', () => {
    expect(formatJiraStarted(Date.UTC(2026, 2, 29, 0, 59, 59, 250), 'Europe/Berlin')).toBe('2026-03-29T01:59:59.250+0100');
    expect(formatJiraStarted(Date.UTC(2026, 2, 29, 1, 0, 0, 0), 'Europe/Berlin')).toBe('2026-03-29T03:00:00.000+0200');
  });

  it('reads an instant back as the date and time a person sees in their zone', () => {
    expect(wallTimeOf(Date.UTC(2026, 0, 15, 23, 30), 'Asia/Tokyo')).toEqual({ date: '2026-01-16', time: '08:30' });
    expect(zoneOffsetMinutes(Date.UTC(2026, 0, 15), 'America/St_Johns')).toBe(-210);
  });
});

describe('date and time checks', () => {
  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('26-01-01')).toBe(false);
  });

  it('accepts 24-hour HH:mm only', () => {
    expect(isWallClockTime('00:00')).toBe(true);
    expect(isWallClockTime('23:59')).toBe(true);
    expect(isWallClockTime('24:00')).toBe(false);
    expect(isWallClockTime('9:30')).toBe(false);
    expect(isWallClockTime('09:60')).toBe(false);
  });
});
