import type { StoreProvider, SyncBatch, TenantStore } from '../../store/tenant-store.js';
import type { WorklogRow } from '../../store/worklog-row.js';
import type { TenantId } from '../../tenants/tenant.js';

/** What a store write changed, as the store holds it now. */
export interface StoreWriteChange {
  /** The touched rows that are stored, as stored (newest-`updated`-wins and tombstones applied). */
  upserts: WorklogRow[];
  /** The touched ids that are not stored (deleted, or never stored because a tombstone won). */
  deletedIds: number[];
}

/** Who follows the writes, besides `onWrite`. */
export interface StoreWriteObserverOptions {
  /** False when nothing derived from the tenant's rows is held: the re-read is then skipped. Default: always true. */
  isObserving?: (tenantId: TenantId) => boolean;
  /** The tenant's derived state can no longer be trusted (destroyed, or a write could not be followed): drop it. */
  onDiscard?: (tenantId: TenantId) => void;
}

/** Every id an applied batch may have changed, each once. */
function touchedIds(batch: SyncBatch): number[] {
  const ids = new Set<number>();
  for (const row of batch.upserts) ids.add(row.clientWorklogId);
  for (const deletion of batch.deletions) ids.add(deletion.clientWorklogId);
  return [...ids];
}

/**
 * Decorates a {@link StoreProvider} so that, after every successful `applyBatch` that changed a row,
 * `onWrite` receives what the store NOW holds for every id the batch touched: the stored rows,
 * and the ids no longer (or never) stored. Re-reading instead of replaying the batch keeps the
 * store's own rules (newest wins, tombstones) the only truth. Per store, notifications are made
 * one after another, each from a read after the previous one, so a follower never goes back in time.
 * `applyBatch` resolves after its notification; when the re-read or `onWrite` fails, the batch
 * still counts as applied and `onDiscard` is called instead. `destroy` calls `onDiscard` after the
 * files are gone, `release` after the store is closed, and so does an `eraseAccount` that changed rows (GDPR: no erased id stays in memory). Opening returns the same decorated store for the same underlying store.
 */
export function observeStoreWrites(
  provider: StoreProvider,
  onWrite: (tenantId: TenantId, change: StoreWriteChange) => void,
  options: StoreWriteObserverOptions = {},
): StoreProvider {
  const { isObserving = () => true, onDiscard = () => {} } = options;
  const decorated = new WeakMap<TenantStore, TenantStore>();

  const decorate = (store: TenantStore): TenantStore => {
    const { tenantId } = store;
    let previous: Promise<void> = Promise.resolve();
    const notify = async (batch: SyncBatch) => {
      try {
        const ids = touchedIds(batch);
        const upserts = await store.getWorklogsByIds(ids);
        const stored = new Set(upserts.map((row) => row.clientWorklogId));
        onWrite(tenantId, { upserts, deletedIds: ids.filter((id) => !stored.has(id)) });
      } catch {
        onDiscard(tenantId);
      }
    };
    return {
      tenantId,
      getSyncState: () => store.getSyncState(),
      async applyBatch(batch) {
        const result = await store.applyBatch(batch);
        // Nothing inserted, updated or deleted: the rows are as they were, nobody needs telling.
        const changed = result.inserted + result.updated + result.deleted > 0;
        if (changed && isObserving(tenantId)) {
          const turn = previous.then(() => notify(batch));
          previous = turn;
          await turn;
        }
        return result;
      },
      listWorklogIds: () => store.listWorklogIds(),
      streamWorklogs: (batchSize) => store.streamWorklogs(batchSize),
      getWorklogsByIds: (ids) => store.getWorklogsByIds(ids),
      getWorklogsOfIssues: (issueIds) => store.getWorklogsOfIssues(issueIds),
      scanReportColumns: (batchSize) => store.scanReportColumns(batchSize),
      countWorklogs: () => store.countWorklogs(),
      listAccountIds: () => store.listAccountIds(),
      async eraseAccount(accountId) {
        const changed = await store.eraseAccount(accountId);
        // Derived state holds the erased account id: it must not outlive the erase.
        if (changed > 0) onDiscard(tenantId);
        return changed;
      },
      ...(store.othersWriteVersion && { othersWriteVersion: () => (store.othersWriteVersion as () => Promise<number>)() }),
      beginBulkLoad: () => store.beginBulkLoad(),
      endBulkLoad: () => store.endBulkLoad(),
      ...(store.isBulkLoading && { isBulkLoading: () => (store.isBulkLoading as () => Promise<boolean>)() }),
      close: () => store.close(),
    };
  };

  const whole = provider.postgresDatabases;
  return {
    kind: provider.kind,
    // A restore replaces the whole database: what was derived from the old rows goes too.
    ...(whole && {
      postgresDatabases: {
        find: (tenantId) => whole.find(tenantId),
        isInUse: (tenantId) => whole.isInUse(tenantId),
        replace: (tenantId, load) => whole.replace(tenantId, load).finally(() => onDiscard(tenantId)),
      },
    }),
    async open(tenantId) {
      const store = await provider.open(tenantId);
      let wrapper = decorated.get(store);
      if (wrapper === undefined) {
        wrapper = decorate(store);
        decorated.set(store, wrapper);
      }
      return wrapper;
    },
    async destroy(tenantId) {
      await provider.destroy(tenantId);
      onDiscard(tenantId);
    },
    // Released for a restore: what is derived from the rows will no longer match what is stored.
    async release(tenantId) {
      await provider.release(tenantId);
      onDiscard(tenantId);
    },
    close: () => provider.close(),
  };
}
