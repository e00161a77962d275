import { describe, expect, it } from 'vitest';
import { formatJiraDate } from '../../simulator/jira/jira-date.js';
import { parseHttpDate, parseJiraDateTime } from './jira-date-time.js';

describe('parseJiraDateTime', () => {
  it('reads Jira’s form offset-aware (§1.4: never assume +0000)', () => {
    expect(parseJiraDateTime('2021-01-17T12:34:00.000+0000')).toBe(Date.UTC(2021, 0, 17, 12, 34));
    expect(parseJiraDateTime('2021-03-06T01:35:54.173+0300')).toBe(Date.UTC(2021, 2, 5, 22, 35, 54, 173));
    expect(parseJiraDateTime('2021-03-06T01:35:54.173-0530')).toBe(Date.UTC(2021, 2, 6, 7, 5, 54, 173));
  });

  it('tolerates Z, ±hh:mm, missing milliseconds and longer fractions on read', () => {
    expect(parseJiraDateTime('2026-01-01T01:01:01Z')).toBe(Date.UTC(2026, 0, 1, 1, 1, 1));
    expect(parseJiraDateTime('2026-01-01T01:01Z')).toBe(Date.UTC(2026, 0, 1, 1, 1));
    expect(parseJiraDateTime('2026-01-01T03:01:01+02:00')).toBe(Date.UTC(2026, 0, 1, 1, 1, 1));
    expect(parseJiraDateTime('2026-01-01T01:01:01.123456789Z')).toBe(Date.UTC(2026, 0, 1, 1, 1, 1, 123));
    expect(parseJiraDateTime('2026-01-01T01:01:01.5Z')).toBe(Date.UTC(2026, 0, 1, 1, 1, 1, 500));
  });

  it.each(['2021-02-30T10:00:00.000+0000', '2021-13-01T10:00:00.000+0000', '2021-01-01T24:00:00.000+0000', '2021-01-01 10:00:00.000+0000',
    '2021-01-01T10:00:00.000', '2021-01-01T10:00:00.000+2500', '1610000000000', '', 'garbage'])('rejects %j', (text) => {
    expect(parseJiraDateTime(text)).toBeUndefined();
  });

  it('round-trips what the simulated Jira renders in any zone', () => {
    const zones = ['Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC', '+0300', '-0930'];
    for (const zone of zones) {
      for (let ms = Date.UTC(2019, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7_777_777_777) {
        expect(parseJiraDateTime(formatJiraDate(ms, zone)), `${zone} ${ms}`).toBe(ms);
      }
    }
  });
});

describe('parseHttpDate', () => {
  it('reads IMF-fixdate and nothing else', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBeUndefined();
    expect(parseHttpDate('Sun, 31 Feb 1994 08:49:37 GMT')).toBeUndefined();
    expect(parseHttpDate('Sun, 06 Foo 1994 08:49:37 GMT')).toBeUndefined();
  });
});
