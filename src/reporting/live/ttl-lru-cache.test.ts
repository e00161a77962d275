import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createTtlLruCache } from './ttl-lru-cache.js';

describe('createTtlLruCache', () => {
  it('answers until the time to live has passed, then forgets', () => {
    const clock = createManualClock(0);
    const cache = createTtlLruCache<string>({ clock, maxWeight: 10 });
    cache.set('a', 'A', 1000);
    clock.advanceMs(999);
    expect(cache.get('a')).toEqual({ value: 'A' });
    clock.advanceMs(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps a cached null apart from a miss', () => {
    const cache = createTtlLruCache<string | null>({ clock: createManualClock(0), maxWeight: 10 });
    cache.set('gone', null, 1000);
    expect(cache.get('gone')).toEqual({ value: null });
    expect(cache.get('never')).toBeUndefined();
  });

  it('evicts the least recently used entry past the bound', () => {
    const cache = createTtlLruCache<number>({ clock: createManualClock(0), maxWeight: 2 });
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    cache.get('a');
    cache.set('c', 3, 1000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ value: 1 });
    expect(cache.get('c')).toEqual({ value: 3 });
  });

  it('bounds the total weight and does not keep an entry heavier than the bound', () => {
    const cache = createTtlLruCache<number[]>({ clock: createManualClock(0), maxWeight: 5, weigh: (ids) => ids.length });
    cache.set('three', [1, 2, 3], 1000);
    cache.set('two', [1, 2], 1000);
    cache.set('one', [1], 1000);
    expect(cache.get('three')).toBeUndefined();
    expect(cache.get('two')).toBeDefined();
    cache.set('six', [1, 2, 3, 4, 5, 6], 1000);
    expect(cache.get('six')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('deletes by prefix and refuses writes begun before the deletion', () => {
    const cache = createTtlLruCache<string>({ clock: createManualClock(0), maxWeight: 10 });
    cache.set('t1\u0000a', 'x', 1000);
    cache.set('t2\u0000a', 'y', 1000);
    const version = cache.version;
    expect(cache.deleteByPrefix('t1\u0000')).toBe(1);
    cache.set('t1\u0000b', 'late', 1000, version);
    expect(cache.get('t1\u0000b')).toBeUndefined();
    expect(cache.get('t2\u0000a')).toEqual({ value: 'y' });
    cache.set('t1\u0000b', 'fresh', 1000, cache.version);
    expect(cache.get('t1\u0000b')).toEqual({ value: 'fresh' });
  });

  it('checks its bound when built', () => {
    expect(() => createTtlLruCache({ clock: createManualClock(0), maxWeight: 0 })).toThrow(RangeError);
  });
});
