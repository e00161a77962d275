import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createBatchLoader, type BatchAnswer } from './batch-loader.js';
import { createTtlLruCache } from './ttl-lru-cache.js';

function setup(batchSize = 2, concurrency = 2) {
  const clock = createManualClock(0);
  const loader = createBatchLoader<string>({ cache: createTtlLruCache<string | null>({ clock, maxWeight: 100 }), ttlMs: 1000, batchSize, concurrency });
  const calls: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: (() => void)[] = [];
  /** Answers `KEY` for every key but `missing*` (absent) and `flaky*` (transient); waits for `release()` when `gated`. */
  const fetch = (options: { gated?: boolean; fail?: Error } = {}) =>
    async (keys: string[]): Promise<BatchAnswer<string>> => {
      calls.push(keys);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (options.gated) await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      if (options.fail) throw options.fail;
      return {
        found: new Map(keys.filter((k) => !k.startsWith('missing') && !k.startsWith('flaky')).map((k) => [k, k.toUpperCase()])),
        transient: new Set(keys.filter((k) => k.startsWith('flaky'))),
      };
    };
  const release = async () => {
    await Promise.resolve();
    while (gates.length > 0) gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, loader, calls, fetch, release, maxInFlight: () => maxInFlight };
}

describe('createBatchLoader', () => {
  it('fetches missing keys in batches, with at most `concurrency` in flight, and caches them', async () => {
    const t = setup(2, 2);
    const loading = t.loader.load('t\u0000', ['a', 'b', 'c', 'd', 'e'], t.fetch({ gated: true }));
    await t.release();
    await t.release();
    await t.release();
    expect(await loading).toEqual(new Map([['a', 'A'], ['b', 'B'], ['c', 'C'], ['d', 'D'], ['e', 'E']]));
    expect(t.calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(t.maxInFlight()).toBe(2);
    expect(await t.loader.load('t\u0000', ['e', 'a'], t.fetch())).toEqual(new Map([['e', 'E'], ['a', 'A']]));
    expect(t.calls).toHaveLength(3);
  });

  it('shares one fetch between concurrent loads of the same keys', async () => {
    const t = setup(10, 1);
    const first = t.loader.load('t\u0000', ['a', 'b'], t.fetch({ gated: true }));
    const second = t.loader.load('t\u0000', ['b', 'c'], t.fetch({ gated: true }));
    await t.release();
    await t.release();
    expect(await first).toEqual(new Map([['a', 'A'], ['b', 'B']]));
    expect(await second).toEqual(new Map([['b', 'B'], ['c', 'C']]));
    expect(t.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('caches absent keys but asks again for transient ones', async () => {
    const t = setup();
    expect(await t.loader.load('t\u0000', ['missing1', 'flaky1'], t.fetch())).toEqual(new Map());
    await t.loader.load('t\u0000', ['missing1', 'flaky1'], t.fetch());
    expect(t.calls).toEqual([['missing1', 'flaky1'], ['flaky1']]);
  });

  it('fetches again once the time to live has passed', async () => {
    const t = setup();
    await t.loader.load('t\u0000', ['a'], t.fetch());
    t.clock.advanceMs(1000);
    await t.loader.load('t\u0000', ['a'], t.fetch());
    expect(t.calls).toEqual([['a'], ['a']]);
  });

  it('rejects every waiter of a failed fetch, caches nothing of it, and recovers', async () => {
    const t = setup(10, 1);
    const failure = new Error('Jira is down');
    const settled = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => error);
    const first = settled(t.loader.load('t\u0000', ['a'], t.fetch({ gated: true, fail: failure })));
    const second = settled(t.loader.load('t\u0000', ['a'], t.fetch()));
    await t.release();
    expect(await first).toBe(failure);
    expect(await second).toBe(failure);
    expect(await t.loader.load('t\u0000', ['a'], t.fetch())).toEqual(new Map([['a', 'A']]));
    expect(t.calls).toEqual([['a'], ['a']]);
  });

  it('does not cache what a fetch brings back after its prefix was evicted', async () => {
    const t = setup();
    const loading = t.loader.load('t\u0000', ['a'], t.fetch({ gated: true }));
    t.loader.evict('t\u0000');
    await t.release();
    expect(await loading).toEqual(new Map([['a', 'A']]));
    await t.loader.load('t\u0000', ['a'], t.fetch());
    expect(t.calls).toEqual([['a'], ['a']]);
  });
});
