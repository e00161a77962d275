import { describe, expect, it } from 'vitest';
import { rangeForPreset, rangeProblem } from './date-range.js';

describe('date range presets', () => {
  // Thursday 5 March 2026.
  const today = '2026-03-05';

  it('covers whole ISO weeks, months and years around today', () => {
    expect(rangeForPreset('this-week', today)).toEqual({ from: '2026-03-02', to: '2026-03-08' });
    expect(rangeForPreset('last-week', today)).toEqual({ from: '2026-02-23', to: '2026-03-01' });
    expect(rangeForPreset('this-month', today)).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(rangeForPreset('last-month', today)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(rangeForPreset('this-year', today)).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(rangeForPreset('last-year', today)).toEqual({ from: '2025-01-01', to: '2025-12-31' });
    expect(rangeForPreset('custom', today)).toBeUndefined();
  });

  it('wraps last month into the previous year in January', () => {
    expect(rangeForPreset('last-month', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });

  it('explains ranges the API would refuse', () => {
    expect(rangeProblem({ from: '2026-03-01', to: '2026-03-31' })).toBeUndefined();
    expect(rangeProblem({ from: '', to: '2026-03-31' })).toBe('Enter a start date.');
    expect(rangeProblem({ from: '2026-04-01', to: '2026-03-31' })).toBe('The start date is after the end date.');
    expect(rangeProblem({ from: '2016-03-01', to: '2026-03-01' })).toBeUndefined();
    expect(rangeProblem({ from: '2016-03-01', to: '2026-03-02' })).toBe('A report covers at most 10 years.');
  });
});
