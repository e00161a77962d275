import { describe, expect, it } from 'vitest';
import { formatJiraDate, parseJiraDate } from './jira-date.js';

describe('Jira date format', () => {
  it('renders in the zone with the offset of that instant', () => {
    expect(formatJiraDate(Date.UTC(2026, 0, 15, 14, 30, 0, 123), 'Europe/Berlin')).toBe('2026-01-15T15:30:00.123+0100');
    expect(formatJiraDate(Date.UTC(2026, 6, 15, 14, 30), 'Europe/Berlin')).toBe('2026-07-15T16:30:00.000+0200');
    expect(formatJiraDate(Date.UTC(2026, 0, 15, 14, 30), 'Asia/Kolkata')).toBe('2026-01-15T20:00:00.000+0530');
    expect(formatJiraDate(Date.UTC(2026, 0, 15, 2, 0), 'America/New_York')).toBe('2026-01-14T21:00:00.000-0500');
    expect(formatJiraDate(Date.UTC(2026, 0, 15), '+0300')).toBe('2026-01-15T03:00:00.000+0300');
  });

  it('crosses a daylight-saving change exactly', () => {
    // Europe/Berlin springs forward at 01:00 UTC on 2026-03-29.
    expect(formatJiraDate(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin')).toBe('2026-03-29T01:59:00.000+0100');
    expect(formatJiraDate(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toBe('2026-03-29T03:00:00.000+0200');
  });

  it('parses only the strict pattern', () => {
    expect(parseJiraDate('2021-01-17T12:34:00.000+0000')).toBe(Date.UTC(2021, 0, 17, 12, 34));
    expect(parseJiraDate('2021-01-17T12:34:00.000-0230')).toBe(Date.UTC(2021, 0, 17, 15, 4));
    for (const bad of ['2021-01-17T12:34:00.000Z', '2021-01-17T12:34:00+0000', '2021-01-17T12:34:00.000+00:00', '2021-13-01T00:00:00.000+0000', '2021-02-29T00:00:00.000+0000', '']) {
      expect(parseJiraDate(bad), bad).toBeUndefined();
    }
  });
});
