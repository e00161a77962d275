import { describe, expect, it } from 'vitest';
import { resolvePeriod } from './report-period.js';

const now = Date.UTC(2026, 2, 15, 13, 30); // 2026-03-15 13:30 UTC

describe('repository page periods', () => {
  it('defaults to this month so far, today included', () => {
    expect(resolvePeriod({}, now)).toMatchObject({ preset: 'this-month', fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 2, 16), fromDate: '2026-03-01', toDate: '2026-03-15' });
  });

  it('offers last month, across a year boundary too', () => {
    expect(resolvePeriod({ preset: 'last-month' }, now)).toMatchObject({ fromMs: Date.UTC(2026, 1, 1), toMs: Date.UTC(2026, 2, 1), toDate: '2026-02-28' });
    expect(resolvePeriod({ preset: 'last-month' }, Date.UTC(2026, 0, 5))).toMatchObject({ fromDate: '2025-12-01', toDate: '2025-12-31' });
  });

  it('offers the last 30 days including today', () => {
    const period = resolvePeriod({ preset: 'last-30-days' }, now);
    expect((period.toMs - period.fromMs) / 86_400_000).toBe(30);
    expect(period.toDate).toBe('2026-03-15');
  });

  it('takes a custom from–to with both days included', () => {
    expect(resolvePeriod({ preset: 'custom', from: '2026-01-10', to: '2026-01-10' }, now)).toMatchObject({ fromMs: Date.UTC(2026, 0, 10), toMs: Date.UTC(2026, 0, 11) });
  });

  it('refuses malformed dates, reversed periods, unknown presets and periods over a year', () => {
    for (const input of [
      { preset: 'custom', from: '2026-02-30', to: '2026-03-01' },
      { preset: 'custom', from: '2026-03-02', to: '2026-03-01' },
      { preset: 'custom', from: 'yesterday', to: '2026-03-01' },
      { preset: 'forever' },
      { preset: 'custom', from: '2024-01-01', to: '2026-01-01' },
    ]) {
      expect(() => resolvePeriod(input, now), JSON.stringify(input)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    }
  });
});
