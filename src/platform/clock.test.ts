import { describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from './clock.js';

describe('clocks', () => {
  it('moves a manual clock only when told', () => {
    const clock = createManualClock(1_000);
    expect(clock.nowMs()).toBe(1_000);
    clock.advanceMs(60_000);
    expect(clock.nowMs()).toBe(61_000);
    clock.setMs(5);
    expect(clock.nowMs()).toBe(5);
  });

  it('reads the wall clock from the system clock', () => {
    const before = Date.now();
    const now = systemClock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
