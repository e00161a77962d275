import { describe, expect, it } from 'vitest';
import { firstWholeDay, reportCoverage, startOfDayMs } from './report-coverage.js';

const OCT_1_UTC = Date.parse('2026-10-01T00:00:00Z');
const SEP_30_UTC = OCT_1_UTC - 86_400_000;

describe('report coverage', () => {
  it('finds where a day begins in a zone, across a DST change', () => {
    expect(startOfDayMs('2026-10-01', 'UTC')).toBe(OCT_1_UTC);
    expect(startOfDayMs('2026-10-01', 'Europe/Berlin')).toBe(Date.parse('2026-09-30T22:00:00Z'));
    expect(startOfDayMs('2026-10-01', 'America/New_York')).toBe(Date.parse('2026-10-01T04:00:00Z'));
    expect(startOfDayMs('2026-10-26', 'Europe/Berlin')).toBe(Date.parse('2026-10-25T23:00:00Z'));
    expect(startOfDayMs('2026-10-01', 'Pacific/Kiritimati')).toBe(Date.parse('2026-09-30T10:00:00Z'));
  });

  it('names the first whole day of the complete range in the viewer\'s zone', () => {
    expect(firstWholeDay(SEP_30_UTC, 'UTC')).toBe('2026-09-30');
    expect(firstWholeDay(SEP_30_UTC, 'Europe/Berlin')).toBe('2026-10-01');
    expect(firstWholeDay(SEP_30_UTC, 'America/New_York')).toBe('2026-09-30');
  });

  it('calls a range complete only when it starts inside the complete range', () => {
    const loading = { completeFromMs: SEP_30_UTC, etaSeconds: 50_400.4 };
    expect(reportCoverage(loading, '2026-10-01', 'Pacific/Kiritimati')).toEqual({ complete: true, completeFrom: '2026-09-30T00:00:00.000Z', completeFromDate: '2026-10-01', loading: true, etaSeconds: 50_400 });
    expect(reportCoverage(loading, '2026-09-30', 'Europe/Berlin').complete).toBe(false);
    expect(reportCoverage(loading, '2026-09-30', 'UTC').complete).toBe(true);
    expect(reportCoverage({ completeFromMs: undefined, etaSeconds: undefined }, '2026-11-01', 'UTC')).toEqual({ complete: false, completeFrom: null, completeFromDate: null, loading: true, etaSeconds: null });
    expect(reportCoverage({ completeFromMs: 0, etaSeconds: 0 }, '1990-01-01', 'UTC')).toEqual({ complete: true, completeFrom: null, completeFromDate: null, loading: false, etaSeconds: null });
  });
});
