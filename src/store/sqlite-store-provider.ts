import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../platform/app-error.js';
import { parseTenantId, type TenantId } from '../tenants/tenant.js';
import { openSqliteTenantDb } from './sqlite-tenant-db.js';
import { createSqliteTenantStore } from './sqlite-tenant-store.js';
import { createWorkerWalSyncs, type SqliteWalSyncs } from './sqlite-wal-syncs.js';
import type { StoreProvider, TenantStore } from './tenant-store.js';

/** Where the SQLite provider keeps its files: `<dataDir>/tenants/<tenantId>.sqlite`. */
export interface SqliteStoreProviderOptions {
  dataDir: string;
  /**
   * Where the tenant files' WAL syncs run (see sqlite-wal-syncs.ts); default one worker thread for
   * the provider, stopped by `close`. `'inline'`: every connection syncs its own WAL.
   */
  walSyncs?: SqliteWalSyncs | 'inline';
}

// SQLite's companions of a database file: WAL mode's log and shared-memory index, and the
// rollback journal a non-WAL open would leave.
const FILE_SUFFIXES = ['', '-wal', '-shm', '-journal'];

/**
 * Where the tenant's SQLite file is: `<dataDir>/tenants/<tenantId>.sqlite` (the one place that
 * says so; backups read it too). Throws `STORE_TENANT_ID_INVALID` for anything `parseTenantId`
 * refuses, so no path can leave the tenants directory.
 */
export function sqliteTenantDbPath(dataDir: string, tenantId: TenantId): string {
  const checked = typeof tenantId === 'string' ? parseTenantId(tenantId) : undefined;
  if (checked === undefined) throw new AppError('STORE_TENANT_ID_INVALID', 'Refused to open a tenant database: the tenant id is malformed');
  return join(dataDir, 'tenants', `${checked}.sqlite`);
}

/**
 * The embedded {@link StoreProvider}: one SQLite file per tenant, `<dataDir>/tenants/<id>.sqlite`.
 * - The file name is built only from a value `parseTenantId` accepts (`t_` + 24 hex); anything
 *   else throws `STORE_TENANT_ID_INVALID`, so no path can leave the tenants directory.
 * - `open` creates and migrates the file on first use and returns the same store to every caller
 *   until it is closed; two tenants never share a handle. A store closed by any holder is
 *   forgotten, and the next `open` re-opens the file.
 * - `destroy` closes the tenant's store and deletes its file with `-wal` and `-shm`; idempotent.
 * - `release` closes the tenant's store and keeps its files (a restore replaces them); idempotent.
 * - `close` closes every store and is final: a later `open` throws `STORE_UNAVAILABLE`.
 * - The checkpoint before the close of a store that wrote (its WAL's and its file's fsyncs) runs
 *   on a worker thread, not on the event loop; the data is as durable as with the connection's own
 *   syncs. The first commit into an empty WAL still syncs on the calling thread (sqlite-wal-syncs.ts).
 */
export function createSqliteStoreProvider({ dataDir, walSyncs: walSyncsOption }: SqliteStoreProviderOptions): StoreProvider {
  const tenantsDir = join(dataDir, 'tenants');
  const walSyncs = walSyncsOption === 'inline' ? undefined : (walSyncsOption ?? createWorkerWalSyncs());
  const stores = new Map<TenantId, Promise<TenantStore>>();
  let closed = false;

  const pathOf = (tenantId: TenantId): string => sqliteTenantDbPath(dataDir, tenantId);

  const openStore = (tenantId: TenantId, path: string): Promise<TenantStore> => {
    const opening: Promise<TenantStore> = (async () => {
      try {
        mkdirSync(tenantsDir, { recursive: true });
      } catch (error) {
        throw new AppError('STORE_UNAVAILABLE', `Cannot create the tenants directory ${tenantsDir}`, { cause: error });
      }
      const db = await openSqliteTenantDb(path);
      // Forget the entry only while it is still this store (a destroy + open may have replaced it).
      const forget = () => stores.get(tenantId) === opening && stores.delete(tenantId);
      return createSqliteTenantStore({ tenantId, db, onClose: forget, ...(walSyncs && { walSyncs: { syncs: walSyncs, path } }) });
    })();
    return opening;
  };

  return {
    kind: 'sqlite',
    async open(tenantId) {
      const path = pathOf(tenantId);
      if (closed) throw new AppError('STORE_UNAVAILABLE', 'The store provider is closed');
      const cached = stores.get(tenantId);
      if (cached !== undefined) return cached;
      const current = openStore(tenantId, path);
      stores.set(tenantId, current);
      // A failed open is not cached: the next call tries again.
      current.catch(() => stores.get(tenantId) === current && stores.delete(tenantId));
      return current;
    },
    async destroy(tenantId) {
      const path = pathOf(tenantId);
      const cached = stores.get(tenantId);
      stores.delete(tenantId);
      if (cached !== undefined) await (await cached.catch(() => undefined))?.close();
      for (const suffix of FILE_SUFFIXES) rmSync(`${path}${suffix}`, { force: true });
    },
    async release(tenantId) {
      pathOf(tenantId); // refuses a malformed id, like every other method
      const cached = stores.get(tenantId);
      stores.delete(tenantId);
      if (cached !== undefined) await (await cached.catch(() => undefined))?.close();
    },
    async close() {
      closed = true;
      const open = [...stores.values()];
      stores.clear();
      await Promise.all(open.map(async (store) => (await store.catch(() => undefined))?.close()));
      // Only the helper this provider made: one passed in may serve others.
      if (walSyncsOption === undefined) await walSyncs?.close();
    },
  };
}
