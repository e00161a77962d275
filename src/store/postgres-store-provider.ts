import type { Kysely } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import { createPgTenantPools, type PgTenantPools } from './pg-tenant-pools.js';
import { createPlacementRegistry } from './placement-registry.js';
import { databaseUrlOn, dropPostgresDatabase, ensurePostgresDatabase, isPostgresTenantDbCurrent, migratePostgresTenantDb, postgresRestoreDatabaseNames, postgresTenantDatabaseName, serverKeyOf } from './postgres-tenant-db.js';
import { postgresTenantMigrations } from './postgres-tenant-migrations.js';
import { createPostgresTenantStore } from './postgres-tenant-store.js';
import { createPostgresWholeDatabases } from './postgres-whole-databases.js';
import type { StoreProvider, TenantStore } from './tenant-store.js';

/** Options of {@link createPostgresStoreProvider}. */
export interface PostgresStoreProviderOptions {
  /**
   * The control database (with `STORE_PLACEMENT_MIGRATIONS` applied): where `store_placements`
   * records each tenant's server.
   */
  controlDb: Kysely<any>;
  /**
   * The servers tenant databases are placed on (TALLY_PG_SERVERS, default DATABASE_URL), as
   * `postgres://` URLs whose user may create databases; the URL's own database is where Tally
   * connects to create and drop them. A server is known by `host:port`, so its credentials may change.
   */
  servers: readonly string[];
  /** Most connections open at once over every tenant and server (TALLY_PG_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Connections per tenant database (default 2). */
  connectionsPerDatabase?: number;
  /** An idle connection closes after this long (default 30 s). */
  idleTimeoutMs?: number;
  /** `application_name` of Tally's tenant connections (default `tally-tenant`; admin ones add `-admin`). */
  applicationName?: string;
  /** How long a caller waits for a connection under the cap before `STORE_UNAVAILABLE` (default 30 s). */
  connectionWaitMs?: number;
  /** The authoritative clock, for `placed_at_ms`. */
  nowMs: () => number;
  /** Told about errors of idle connections (server restart); the pools already dropped them. */
  onPoolError?: (error: Error) => void;
}

/**
 * The production {@link StoreProvider}: one PostgreSQL database per tenant, `tally_<tenant id>`,
 * on the server `store_placements` names (a new tenant goes to the configured server with the
 * fewest tenants).
 * - `open` places, creates (`CREATE DATABASE`, when absent) and migrates on first use in this
 *   process, each step idempotent, so an open interrupted anywhere is finished by the next one and
 *   never duplicates the database. It returns the same store to every caller until it is closed.
 * - Connections: per-database pools of `connectionsPerDatabase`, opened lazily, closed when idle,
 *   all under `maxConnections` (the least recently used idle pool gives way when the cap is hit).
 * - `destroy` drops the database `WITH (FORCE)` (and what a crashed restore may have left beside
 *   it), then its placement; idempotent and resumable.
 * - `release` closes the tenant's store and pool and keeps the database (a restore replaces it).
 * - `postgresDatabases`: where a tenant's database is and an atomic replacement of it, for
 *   pg_dump backups and their restores (postgres-whole-databases.ts).
 * - `close` closes every store and connection and is final.
 * Tenant ids are checked by `parseTenantId` first (`STORE_TENANT_ID_INVALID`), so no other name
 * ever reaches DDL.
 */
export function createPostgresStoreProvider(options: PostgresStoreProviderOptions): StoreProvider {
  if (options.servers.length === 0) throw new AppError('CONFIG_INVALID', 'The PostgreSQL store needs at least one server (TALLY_PG_SERVERS or DATABASE_URL)');
  const servers = new Map(options.servers.map((url) => [serverKeyOf(url), url]));
  const placements = createPlacementRegistry(options.controlDb);
  const pools: PgTenantPools = createPgTenantPools({
    maxConnections: options.maxConnections,
    ...(options.connectionsPerDatabase !== undefined ? { connectionsPerDatabase: options.connectionsPerDatabase } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.applicationName !== undefined ? { applicationName: options.applicationName } : {}),
    ...(options.connectionWaitMs !== undefined ? { waitTimeoutMs: options.connectionWaitMs } : {}),
    ...(options.onPoolError !== undefined ? { onPoolError: options.onPoolError } : {}),
  });
  const stores = new Map<TenantId, Promise<TenantStore>>();
  let closed = false;
  const migrationNames = Object.keys(postgresTenantMigrations());

  const serverUrlOf = (key: string): string => {
    const url = servers.get(key);
    if (url === undefined) throw new AppError('STORE_UNAVAILABLE', `The tenant's database is on ${key}, which is not among TALLY_PG_SERVERS`);
    return url;
  };

  /** Places, creates and migrates the tenant's database; returns its URL. Every step is idempotent. */
  const prepareDatabase = async (tenantId: TenantId, name: string): Promise<string> => {
    let serverKey: string;
    try {
      serverKey = await placements.place(tenantId, [...servers.keys()], options.nowMs());
    } catch (error) {
      throw new AppError('STORE_UNAVAILABLE', 'Cannot read or record where the tenant database lives (control database)', { cause: error });
    }
    const serverUrl = serverUrlOf(serverKey);
    const databaseUrl = databaseUrlOn(serverUrl, name);
    // The common case, a current database, in one statement; otherwise the full path below.
    if (await isPostgresTenantDbCurrent(pools, databaseUrl, migrationNames)) return databaseUrl;
    // The placement is recorded before the database exists, so a crash after CREATE DATABASE
    // leaves a row that says where to finish (and destroy knows where to drop).
    await ensurePostgresDatabase(pools, serverUrl, name);
    await migratePostgresTenantDb(pools, databaseUrl, name);
    return databaseUrl;
  };

  const closeCached = async (tenantId: TenantId) => {
    const cached = stores.get(tenantId);
    stores.delete(tenantId);
    if (cached !== undefined) await (await cached.catch(() => undefined))?.close();
  };

  const release = async (tenantId: TenantId): Promise<void> => {
    const name = postgresTenantDatabaseName(tenantId);
    await closeCached(tenantId);
    const serverKey = await placements.findServer(tenantId).catch(() => undefined);
    const serverUrl = serverKey === undefined ? undefined : servers.get(serverKey);
    if (serverUrl !== undefined) await pools.closePool(databaseUrlOn(serverUrl, name));
  };

  return {
    kind: 'postgres',
    postgresDatabases: createPostgresWholeDatabases({ pools, placements, serverKeys: [...servers.keys()], serverUrlOf, nowMs: options.nowMs, release }),
    async open(tenantId) {
      const name = postgresTenantDatabaseName(tenantId);
      if (closed) throw new AppError('STORE_UNAVAILABLE', 'The store provider is closed');
      const cached = stores.get(tenantId);
      if (cached !== undefined) return cached;
      const current: Promise<TenantStore> = prepareDatabase(tenantId, name).then((databaseUrl) =>
        // Forget the entry only while it is still this store (a destroy + open may have replaced it).
        createPostgresTenantStore({ tenantId, databaseUrl, pools, onClose: () => stores.get(tenantId) === current && stores.delete(tenantId) }),
      );
      stores.set(tenantId, current);
      // A failed open is not cached: the next call tries again.
      current.catch(() => stores.get(tenantId) === current && stores.delete(tenantId));
      return current;
    },
    async destroy(tenantId) {
      const name = postgresTenantDatabaseName(tenantId);
      await closeCached(tenantId);
      let serverKey: string | undefined;
      try {
        serverKey = await placements.findServer(tenantId);
      } catch (error) {
        throw new AppError('STORE_UNAVAILABLE', 'Cannot read where the tenant database lives (control database)', { cause: error });
      }
      if (serverKey === undefined) return; // never placed, or already destroyed
      const serverUrl = serverUrlOf(serverKey);
      await pools.closePool(databaseUrlOn(serverUrl, name));
      await dropPostgresDatabase(pools, serverUrl, name);
      // A restore killed mid-way leaves its scratch or the replaced data: the tenant's too.
      const { scratch, replaced } = postgresRestoreDatabaseNames(name);
      await dropPostgresDatabase(pools, serverUrl, scratch);
      await dropPostgresDatabase(pools, serverUrl, replaced);
      // Last: a crash before this leaves the row, and the retried destroy drops nothing twice.
      try {
        await placements.forget(tenantId);
      } catch (error) {
        throw new AppError('STORE_UNAVAILABLE', 'The tenant database was dropped, but its placement could not be deleted; retry', { cause: error });
      }
    },
    release,
    async close() {
      closed = true;
      const open = [...stores.values()];
      stores.clear();
      await Promise.all(open.map(async (store) => (await store.catch(() => undefined))?.close()));
      await pools.close();
    },
  };
}
