import { describe, expect, it } from 'vitest';
import { formatHours, secondsToHours } from './export-hours.js';

describe('hours', () => {
  it.each([
    [0, '0.00'],
    [60, '0.02'],
    [5400, '1.50'],
    [17, '0.00'],
    [18, '0.01'],
    [3599, '1.00'],
    [28_800, '8.00'],
    [1_000_000_000, '277777.78'],
    [-5400, '-1.50'],
  ])('shows %i seconds as %s hours, rounded half up to two decimals', (seconds, text) => {
    expect(formatHours(seconds)).toBe(text);
  });

  it('keeps the exact value for spreadsheet cells', () => {
    expect(secondsToHours(1200)).toBe(1200 / 3600);
  });
});
