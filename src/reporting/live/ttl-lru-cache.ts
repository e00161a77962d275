import type { Clock } from '../../platform/clock.js';

/** Options of {@link createTtlLruCache}. */
export interface TtlLruCacheOptions<V> {
  clock: Clock;
  /** Largest total weight held; the least recently used entries go first. */
  maxWeight: number;
  /** An entry's weight (default 1); e.g. the length of an id list. At least 1 is counted. */
  weigh?: (value: V) => number;
}

/** A memory-only cache with a time to live per entry and a bound on its total weight. */
export interface TtlLruCache<V> {
  /** The live entry under `key` (marked most recently used), or undefined when absent or expired. */
  get(key: string): { value: V } | undefined;
  /**
   * Stores `value` for `ttlMs`, evicting least recently used entries past the bound. Ignored when
   * `onlyIfVersion` is given and any `deleteByPrefix` ran since that {@link TtlLruCache.version}
   * was read, so a load that started before an eviction cannot bring the evicted data back.
   */
  set(key: string, value: V, ttlMs: number, onlyIfVersion?: number): void;
  /** Drops every entry whose key starts with `prefix`; returns how many. */
  deleteByPrefix(prefix: string): number;
  /** Bumped by every `deleteByPrefix`. */
  readonly version: number;
  readonly size: number;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
  weight: number;
}

/**
 * A TTL + LRU cache over one `Map` (its insertion order is the recency order). Bounded: the
 * total weight never exceeds `maxWeight` (a single entry heavier than that is not kept). Expired
 * entries are dropped when read or when the bound needs room. Never touches the disk.
 */
export function createTtlLruCache<V>(options: TtlLruCacheOptions<V>): TtlLruCache<V> {
  const { clock, maxWeight } = options;
  if (!Number.isSafeInteger(maxWeight) || maxWeight < 1) throw new RangeError(`createTtlLruCache: maxWeight must be a positive integer, got ${maxWeight}`);
  const weigh = options.weigh ?? (() => 1);
  const entries = new Map<string, Entry<V>>();
  let totalWeight = 0;
  let version = 0;

  const remove = (key: string, entry: Entry<V>) => {
    entries.delete(key);
    totalWeight -= entry.weight;
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      remove(key, entry);
      if (entry.expiresAtMs <= clock.nowMs()) return undefined;
      entries.set(key, entry);
      totalWeight += entry.weight;
      return { value: entry.value };
    },

    set(key, value, ttlMs, onlyIfVersion) {
      if (onlyIfVersion !== undefined && onlyIfVersion !== version) return;
      const previous = entries.get(key);
      if (previous) remove(key, previous);
      const weight = Math.max(1, Math.ceil(weigh(value)));
      if (weight > maxWeight) return;
      const nowMs = clock.nowMs();
      for (const [oldKey, oldEntry] of entries) {
        if (totalWeight + weight <= maxWeight) break;
        remove(oldKey, oldEntry);
      }
      entries.set(key, { value, expiresAtMs: nowMs + ttlMs, weight });
      totalWeight += weight;
    },

    deleteByPrefix(prefix) {
      version++;
      let deleted = 0;
      for (const [key, entry] of entries) {
        if (!key.startsWith(prefix)) continue;
        remove(key, entry);
        deleted++;
      }
      return deleted;
    },

    get version() {
      return version;
    },
    get size() {
      return entries.size;
    },
  };
}
