import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';
import { timerSleep } from './sleep.js';

describe('backoffDelayMs', () => {
  it('starts near 2 s, doubles, and never exceeds 30 s whatever the jitter', () => {
    expect([0, 1, 2, 3, 4, 20].map((retry) => backoffDelayMs(retry, () => 0.5))).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelayMs(0, () => 0)).toBe(1400);
    expect(backoffDelayMs(0, () => 1)).toBe(2600);
    expect(backoffDelayMs(4, () => 1)).toBe(30000);
  });
});

describe('timerSleep', () => {
  it('rejects with the abort reason instead of waiting', async () => {
    const controller = new AbortController();
    const waiting = timerSleep(3_600_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
