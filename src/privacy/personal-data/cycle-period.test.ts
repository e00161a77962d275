import { describe, expect, it } from 'vitest';
import { parseCyclePeriodMs } from './cycle-period.js';

const DAY = 86_400_000;

describe('parseCyclePeriodMs', () => {
  it.each([
    ['604800', 7 * DAY],
    [' 1296000 ', 15 * DAY],
    ['86400.5', DAY + 500],
    ['P7D', 7 * DAY],
    ['p15d', 15 * DAY],
    ['P1W', 7 * DAY],
    ['PT168H', 7 * DAY],
    ['P1DT12H', 1.5 * DAY],
    ['PT604800S', 7 * DAY],
    ['P0Y0M7DT0H0M0S', 7 * DAY],
    ['P0,5D', 0.5 * DAY],
    ['P1M', 30 * DAY],
    ['PT1H', 3_600_000],
  ])('reads %j as %d ms', (header, ms) => {
    expect(parseCyclePeriodMs(header)).toBe(ms);
  });

  it.each([
    [null],
    [undefined],
    [''],
    ['P'],
    ['PT'],
    ['P1DT'],
    ['7 days'],
    ['-604800'],
    ['1e6'],
    ['P7X'],
    // Believable in no reading: seconds would poll continuously, the days reading is a guess.
    ['7'],
    ['PT59M'],
    ['P2Y'],
  ])('keeps the period in force for %j', (header) => {
    expect(parseCyclePeriodMs(header)).toBeUndefined();
  });
});
