import { AppError } from '../../platform/app-error.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { StoreWriteChange } from './observe-store-writes.js';
import { WorklogColumns, type WorklogColumnsOptions } from './worklog-columns.js';

/** What {@link createReportColumnsCache} needs. */
export interface ReportColumnsCacheOptions {
  stores: StoreProvider;
  /** Tenants whose columns stay in memory (least recently used evicted first). Default 16. */
  maxTenants?: number;
  columns?: WorklogColumnsOptions;
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
  /** Forgets every tenant; later `columnsFor` calls throw STORE_UNAVAILABLE. */
  close(): Promise<void>;
}

interface LoadState {
  columns: WorklogColumns | undefined;
  /** The store's {@link TenantStore.othersWriteVersion} taken before the scan; undefined when the store has none. */
  othersVersion: number | undefined;
  /** Writes seen while loading, applied in order once the scan is done. */
  pending: StoreWriteChange[];
}

interface Entry {
  state: LoadState;
  loading: Promise<WorklogColumns>;
}

function apply(columns: WorklogColumns, change: StoreWriteChange): void {
  columns.remove(change.deletedIds);
  columns.upsert(change.upserts);
}

/**
 * Builds the cache. Wire it with `observeStoreWrites(stores, cache.applyWrite, { isObserving:
 * cache.isTracking, onDiscard: cache.evict })` so every sync write reaches loaded columns.
 * Writes that arrive during a load are queued and applied after the scan: a queued change holds
 * what the store held at its notification, so replaying them in order ends at the store's state
 * whatever part of them the scan already saw.
 */
export function createReportColumnsCache({ stores, maxTenants = 16, columns: columnOptions }: ReportColumnsCacheOptions): ReportColumnsCache {
  if (!Number.isSafeInteger(maxTenants) || maxTenants < 1) throw new RangeError(`maxTenants must be a positive integer, got ${maxTenants}`);
  // Map order is the recency order: a hit moves its tenant to the end.
  const entries = new Map<TenantId, Entry>();
  let closed = false;

  const load = async (tenantId: TenantId, state: LoadState): Promise<WorklogColumns> => {
    const columns = new WorklogColumns(columnOptions);
    const store = await stores.open(tenantId);
    // Taken before the scan: a commit by another process during it makes the copy stale at once.
    state.othersVersion = await store.othersWriteVersion?.();
    await columns.load(store);
    for (const change of state.pending) apply(columns, change);
    state.pending = [];
    state.columns = columns;
    return columns;
  };

  const evictBeyondLimit = () => {
    for (const tenantId of entries.keys()) if (entries.size > maxTenants) entries.delete(tenantId);
  };

  const startLoad = (tenantId: TenantId): Promise<WorklogColumns> => {
    const state: LoadState = { columns: undefined, othersVersion: undefined, pending: [] };
    const entry: Entry = { state, loading: load(tenantId, state) };
    entries.set(tenantId, entry);
    entry.loading.catch(() => entries.get(tenantId) === entry && entries.delete(tenantId));
    evictBeyondLimit();
    return entry.loading;
  };

  /**
   * The loaded columns, unless another process wrote to the tenant's database since they were
   * loaded (`tally sync` beside the server): its writes never pass this process's store, so the
   * copy is reloaded rather than served stale. One pragma read per report.
   */
  const freshOrReload = async (tenantId: TenantId, entry: Entry): Promise<WorklogColumns> => {
    const loaded = await entry.loading;
    if (entry.state.othersVersion === undefined) return loaded;
    const now = await (await stores.open(tenantId)).othersWriteVersion?.();
    if (now === entry.state.othersVersion) return loaded;
    if (entries.get(tenantId) === entry) entries.delete(tenantId);
    const current = entries.get(tenantId);
    return current !== undefined ? current.loading : startLoad(tenantId);
  };

  return {
    columnsFor(tenantId) {
      if (closed) return Promise.reject(new AppError('STORE_UNAVAILABLE', 'The report columns cache is closed'));
      const cached = entries.get(tenantId);
      if (cached !== undefined) {
        entries.delete(tenantId);
        entries.set(tenantId, cached);
        return cached.state.columns === undefined ? cached.loading : freshOrReload(tenantId, cached);
      }
      return startLoad(tenantId);
    },

    applyWrite(tenantId, change) {
      const state = entries.get(tenantId)?.state;
      if (state === undefined) return;
      if (state.columns === undefined) state.pending.push(change);
      else apply(state.columns, change);
    },
    isTracking: (tenantId) => entries.has(tenantId),
    evict(tenantId) {
      entries.delete(tenantId);
    },
    async close() {
      closed = true;
      entries.clear();
    },
  };
}
