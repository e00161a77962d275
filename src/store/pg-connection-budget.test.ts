import { describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { createConnectionBudget } from './pg-connection-budget.js';

describe('createConnectionBudget', () => {
  it('hands out at most cap permits and passes a returned one to the longest waiter', async () => {
    const budget = createConnectionBudget({ cap: 2, reclaimIdle: () => 0 });
    const first = await budget.acquire();
    await budget.acquire();
    const order: string[] = [];
    const a = budget.acquire().then((release) => (order.push('a'), release));
    const b = budget.acquire().then((release) => (order.push('b'), release));
    await Promise.resolve();
    expect([budget.inUse, budget.waiting, order]).toEqual([2, 2, []]);
    first();
    first(); // a second call gives nothing back twice
    (await a)();
    await b;
    expect(order).toEqual(['a', 'b']);
    expect([budget.inUse, budget.waiting]).toEqual([2, 0]);
  });

  it('asks for idle connections to be closed for each waiter, and no more than it needs', async () => {
    let asked = 0;
    const budget = createConnectionBudget({ cap: 1, reclaimIdle: () => (asked++, 1) });
    const held = await budget.acquire();
    const waiting = [budget.acquire(), budget.acquire()];
    expect(asked).toBe(2);
    budget.nudge();
    expect(asked).toBe(2);
    held();
    (await waiting[0])!();
    (await waiting[1])!();
    expect(budget.inUse).toBe(0);
  });

  it('gives up on a wait after the timeout with STORE_UNAVAILABLE, and the permit count stays right', async () => {
    const budget = createConnectionBudget({ cap: 1, reclaimIdle: () => 0, waitTimeoutMs: 20 });
    const held = await budget.acquire();
    await expect(budget.acquire()).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
    expect(budget.waiting).toBe(0);
    held();
    expect(budget.inUse).toBe(0);
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => createConnectionBudget({ cap: 0, reclaimIdle: () => 0 })).toThrow(RangeError);
  });
});
