import { AppError } from '../../platform/app-error.js';
import type { StoreProvider, TenantStore } from '../../store/tenant-store.js';
import type { TenantId } from '../../tenants/tenant.js';
import { estimateColumnsBytes } from './columns-byte-size.js';
import type { StoreWriteChange } from './observe-store-writes.js';
import { WorklogColumns, type WorklogColumnsOptions } from './worklog-columns.js';

/** What {@link createReportColumnsCache} needs. */
export interface ReportColumnsCacheOptions {
  stores: StoreProvider;
  /**
   * Memory the loaded columns may hold together (`TALLY_REPORT_MEMORY_MB` × 2^20), as
   * {@link estimateColumnsBytes} counts it; least recently used tenants are dropped beyond it.
   * Default: no byte budget.
   */
  maxBytes?: number;
  /** Tenants whose columns stay in memory (least recently used dropped first). Default 16 without `maxBytes`, unbounded with it. */
  maxTenants?: number;
  columns?: WorklogColumnsOptions;
}

/** What the cache holds now (for metrics and tests). */
export interface ReportColumnsUsage {
  /** Tenants loaded or loading. */
  tenants: number;
  /** Estimated bytes of the loaded tenants' columns, as last measured. */
  bytes: number;
}

/** Per-tenant in-memory columns, loaded on first use and kept current by {@link applyWrite}. */
export interface ReportColumnsCache {
  /** The tenant's columns; the first call loads them, concurrent callers share that load. A failed load is not kept. */
  columnsFor(tenantId: TenantId): Promise<WorklogColumns>;
  /** Applies a store write to the tenant's columns when they are loaded or loading; otherwise a no-op. */
  applyWrite(tenantId: TenantId, change: StoreWriteChange): void;
  /** True while the tenant's columns are loaded or loading (writes must then be applied). */
  isTracking(tenantId: TenantId): boolean;
  /** Forgets the tenant's columns (a load under way finishes for its callers but is not kept). */
  evict(tenantId: TenantId): void;
  usage(): ReportColumnsUsage;
  /** Forgets every tenant; later `columnsFor` calls throw STORE_UNAVAILABLE. */
  close(): Promise<void>;
}

interface LoadState {
  columns: WorklogColumns | undefined;
  /** The store the version below was read from: a version means something only on that store. */
  versionStore: TenantStore | undefined;
  /** The store's {@link TenantStore.othersWriteVersion} taken before the scan; undefined when the store has none. */
  othersVersion: number | undefined;
  /** Writes seen while loading, applied in order once the scan is done. */
  pending: StoreWriteChange[];
}

interface Entry {
  state: LoadState;
  loading: Promise<WorklogColumns>;
  /** Last measured size of the loaded columns; 0 while loading. */
  bytes: number;
}

function apply(columns: WorklogColumns, change: StoreWriteChange): void {
  columns.remove(change.deletedIds);
  columns.upsert(change.upserts);
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Builds the cache. Wire it with `observeStoreWrites(stores, cache.applyWrite, { isObserving:
 * cache.isTracking, onDiscard: cache.evict })` so every sync write reaches loaded columns.
 * Writes that arrive during a load are queued and applied after the scan: a queued change holds
 * what the store held at its notification, so replaying them in order ends at the store's state
 * whatever part of them the scan already saw.
 *
 * Memory: when a load ends, after every applied write and when a report asks, the tenant's
 * columns are measured (what a report builds, such as a zone's rollup, therefore counts from the
 * tenant's next report or write), and least recently used loaded tenants are dropped until the
 * total fits `maxBytes`. The most recently
 * used tenant is never dropped for it: one tenant larger than the whole budget is still served
 * (and pushes every other out) rather than reloaded on every report.
 */
export function createReportColumnsCache({ stores, maxBytes, maxTenants, columns: columnOptions }: ReportColumnsCacheOptions): ReportColumnsCache {
  checkLimit('maxBytes', maxBytes);
  checkLimit('maxTenants', maxTenants);
  const tenantLimit = maxTenants ?? (maxBytes === undefined ? 16 : Number.POSITIVE_INFINITY);
  const byteLimit = maxBytes ?? Number.POSITIVE_INFINITY;
  // Map order is the recency order: a hit moves its tenant to the end.
  const entries = new Map<TenantId, Entry>();
  let totalBytes = 0;
  let closed = false;

  const forget = (tenantId: TenantId, entry: Entry) => {
    if (entries.get(tenantId) !== entry) return;
    entries.delete(tenantId);
    totalBytes -= entry.bytes;
  };

  const withinLimits = () => entries.size <= tenantLimit && totalBytes <= byteLimit;

  /** Drops least recently used tenants beyond the count and byte limits, never the most recently used one. */
  const evictBeyondLimits = () => {
    if (withinLimits()) return;
    const newest = [...entries.keys()].at(-1);
    for (const [tenantId, entry] of entries) {
      if (withinLimits()) return;
      // A loading entry holds no measured bytes: dropping it frees nothing counted.
      if (tenantId !== newest && (entries.size > tenantLimit || entry.bytes > 0)) forget(tenantId, entry);
    }
  };

  /** Re-measures a loaded tenant (rows added, arrays grown, zone columns built) and enforces the budget. */
  const remeasure = (tenantId: TenantId, entry: Entry) => {
    const { columns } = entry.state;
    if (columns === undefined || entries.get(tenantId) !== entry) return;
    const bytes = estimateColumnsBytes(columns);
    totalBytes += bytes - entry.bytes;
    entry.bytes = bytes;
    evictBeyondLimits();
  };

  const load = async (tenantId: TenantId, state: LoadState): Promise<WorklogColumns> => {
    const columns = new WorklogColumns(columnOptions);
    const store = await stores.open(tenantId);
    // Taken before the scan: a commit by another process during it makes the copy stale at once.
    state.versionStore = store;
    state.othersVersion = await store.othersWriteVersion?.();
    await columns.load(store);
    for (const change of state.pending) apply(columns, change);
    state.pending = [];
    state.columns = columns;
    return columns;
  };

  const startLoad = (tenantId: TenantId): Promise<WorklogColumns> => {
    const state: LoadState = { columns: undefined, versionStore: undefined, othersVersion: undefined, pending: [] };
    const entry: Entry = { state, loading: load(tenantId, state), bytes: 0 };
    entries.set(tenantId, entry);
    entry.loading.then(
      () => remeasure(tenantId, entry),
      () => forget(tenantId, entry),
    );
    evictBeyondLimits();
    return entry.loading;
  };

  /**
   * True when the loaded copy may miss another process's commits: the version moved, or the store
   * was closed and re-opened since (SQLite's `data_version` is per connection, so a new
   * connection's number says nothing about what happened in between). One version read per report.
   */
  const isStale = async (tenantId: TenantId, state: LoadState): Promise<boolean> => {
    if (state.othersVersion === undefined) return false;
    const store = await stores.open(tenantId);
    if (store !== state.versionStore) return true;
    return (await store.othersWriteVersion?.()) !== state.othersVersion;
  };

  /** The loaded columns, or a reload when another process wrote to the tenant since they were loaded. */
  const freshOrReload = async (tenantId: TenantId, entry: Entry): Promise<WorklogColumns> => {
    const loaded = await entry.loading;
    if (!(await isStale(tenantId, entry.state))) {
      remeasure(tenantId, entry);
      return loaded;
    }
    forget(tenantId, entry);
    const current = entries.get(tenantId);
    return current !== undefined ? current.loading : startLoad(tenantId);
  };

  return {
    columnsFor(tenantId) {
      if (closed) return Promise.reject(new AppError('STORE_UNAVAILABLE', 'The report columns cache is closed'));
      const cached = entries.get(tenantId);
      if (cached === undefined) return startLoad(tenantId);
      entries.delete(tenantId);
      entries.set(tenantId, cached);
      return cached.state.columns === undefined ? cached.loading : freshOrReload(tenantId, cached);
    },

    applyWrite(tenantId, change) {
      const entry = entries.get(tenantId);
      if (entry === undefined) return;
      if (entry.state.columns === undefined) return void entry.state.pending.push(change);
      apply(entry.state.columns, change);
      remeasure(tenantId, entry);
    },
    isTracking: (tenantId) => entries.has(tenantId),
    evict(tenantId) {
      const entry = entries.get(tenantId);
      if (entry !== undefined) forget(tenantId, entry);
    },
    usage: () => ({ tenants: entries.size, bytes: totalBytes }),
    async close() {
      closed = true;
      entries.clear();
      totalBytes = 0;
    },
  };
}
