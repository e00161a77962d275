import type { TtlLruCache } from './ttl-lru-cache.js';

/** What one batch fetch found. Keys neither found nor `transient` are cached as absent. */
export interface BatchAnswer<V> {
  found: Map<string, V>;
  /** Keys Jira could not answer this time: not cached, so the next load asks again. */
  transient?: ReadonlySet<string>;
}

/** Options of {@link createBatchLoader}. */
export interface BatchLoaderOptions<V> {
  /** Holds values, and `null` for keys Jira has nothing for (negative entries). */
  cache: TtlLruCache<V | null>;
  ttlMs: number;
  /** Most keys per fetch. */
  batchSize: number;
  /** Most fetches in flight per `load`. */
  concurrency: number;
}

/** Loads keyed values through a cache, in batches, coalescing concurrent requests for the same key. */
export interface BatchLoader<V> {
  /**
   * The values of `keys` under `prefix` (a tenant, or a tenant and an account): cached ones at
   * once, ones another load is already fetching from that load, the rest through `fetch` in
   * batches. Keys without a value are absent from the map. Rejects with the first failed
   * fetch's error; what other batches fetched stays cached.
   */
  load(prefix: string, keys: readonly string[], fetch: (keys: string[]) => Promise<BatchAnswer<V>>): Promise<Map<string, V>>;
  /** The cached values of `keys` under `prefix`, without fetching anything (what a report can still show when Jira may not be asked). */
  peek(prefix: string, keys: readonly string[]): Map<string, V>;
  /**
   * Stores a value fetched some other way (e.g. an issue found while resolving keys); ignored when
   * an eviction ran since `sinceVersion` was read from {@link BatchLoader.version}.
   */
  prime(prefix: string, key: string, value: V, sinceVersion?: number): void;
  /** Changes with every eviction; read it before a fetch whose results go to `prime`. */
  readonly version: number;
  /** Forgets every cached and in-flight key under `prefix`; loads already running still answer their callers. */
  evict(prefix: string): void;
}

interface Deferred<V> {
  promise: Promise<V | undefined>;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

function deferred<V>(): Deferred<V> {
  let resolve!: (value: V | undefined) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<V | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A key nobody else waits for must not become an unhandled rejection; `load` reports the error.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * A cache-through batch loader (the DataLoader pattern with a TTL): one fetch per `batchSize`
 * missing keys, at most `concurrency` at once; a key being fetched is never fetched twice at
 * the same time; answers and absences are cached for `ttlMs`. An eviction during a fetch wins:
 * the fetch's results are not cached (see {@link TtlLruCache.set}).
 */
export function createBatchLoader<V>(options: BatchLoaderOptions<V>): BatchLoader<V> {
  const { cache, ttlMs, batchSize, concurrency } = options;
  const inFlight = new Map<string, Deferred<V>>();

  async function runBatch(prefix: string, keys: string[], fetch: (keys: string[]) => Promise<BatchAnswer<V>>, pending: Map<string, Deferred<V>>, into: Map<string, V>) {
    const version = cache.version;
    try {
      const answer = await fetch(keys);
      for (const key of keys) {
        const value = answer.found.get(key);
        if (value !== undefined) {
          into.set(key, value);
          cache.set(prefix + key, value, ttlMs, version);
        } else if (!answer.transient?.has(key)) {
          cache.set(prefix + key, null, ttlMs, version);
        }
        pending.get(key)?.resolve(value);
      }
    } finally {
      for (const key of keys) if (inFlight.get(prefix + key) === pending.get(key)) inFlight.delete(prefix + key);
    }
  }

  return {
    async load(prefix, keys, fetch) {
      const result = new Map<string, V>();
      const waits: Promise<unknown>[] = [];
      const missing: string[] = [];
      for (const key of new Set(keys)) {
        const hit = cache.get(prefix + key);
        if (hit) {
          if (hit.value !== null) result.set(key, hit.value);
          continue;
        }
        const other = inFlight.get(prefix + key);
        if (other) {
          waits.push(other.promise.then((value) => value !== undefined && result.set(key, value)));
          continue;
        }
        missing.push(key);
      }
      const pending = new Map(missing.map((key) => [key, deferred<V>()] as const));
      for (const [key, entry] of pending) inFlight.set(prefix + key, entry);
      const batches = chunk(missing, batchSize);
      let failure: { error: unknown } | undefined;
      const worker = async () => {
        for (let batch = batches.shift(); batch && !failure; batch = batches.shift()) {
          try {
            await runBatch(prefix, batch, fetch, pending, result);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all([...Array.from({ length: Math.min(concurrency, batches.length) }, worker), ...waits.map((wait) => wait.catch((error) => void (failure ??= { error })))]);
      if (failure) {
        // Keys of batches never started (or that failed) answer everyone waiting on them with the same error.
        for (const [key, entry] of pending) {
          entry.reject(failure.error);
          if (inFlight.get(prefix + key) === entry) inFlight.delete(prefix + key);
        }
        throw failure.error;
      }
      return result;
    },

    peek(prefix, keys) {
      const found = new Map<string, V>();
      for (const key of keys) {
        const hit = cache.get(prefix + key);
        if (hit && hit.value !== null) found.set(key, hit.value);
      }
      return found;
    },

    prime(prefix, key, value, sinceVersion) {
      cache.set(prefix + key, value, ttlMs, sinceVersion);
    },

    get version() {
      return cache.version;
    },

    evict(prefix) {
      cache.deleteByPrefix(prefix);
      for (const key of inFlight.keys()) if (key.startsWith(prefix)) inFlight.delete(key);
    },
  };
}
