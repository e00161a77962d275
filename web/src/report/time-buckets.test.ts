import { describe, expect, it } from 'vitest';
import { describeBucket } from './time-buckets.js';

describe('describeBucket', () => {
  it('spells a day, an ISO week and a month in full words', () => {
    expect(describeBucket('2026-03-05', 'day')).toBe('Thu, Mar 5, 2026');
    expect(describeBucket('2026-W09', 'week')).toBe('Week 9 of 2026');
    expect(describeBucket('2025-12', 'month')).toBe('December 2025');
  });

  it('returns a key it does not recognise as it is', () => {
    expect(describeBucket('soon', 'day')).toBe('soon');
    expect(describeBucket('2026-09', 'week')).toBe('2026-09');
  });
});
