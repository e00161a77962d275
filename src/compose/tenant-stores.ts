import type { Kysely } from 'kysely';
import type { Config } from '../config/load-config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { createOpenStorePool } from '../store/open-store-pool.js';
import { createPostgresStoreProvider } from '../store/postgres-store-provider.js';
import { createSqliteStoreProvider } from '../store/sqlite-store-provider.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';

/** What {@link createTenantStores} needs besides the configuration. */
export interface TenantStoresDeps {
  /**
   * The control database, migrated with everything Tally owns (`tallyOwnedData`): on PostgreSQL
   * stores, `store_placements` there records which server holds each tenant's database.
   */
  controlDb: Kysely<any>;
  clock: Clock;
  logger: Logger;
  /** Tenants whose stores the idle close must leave open (the server: those with report columns loaded). */
  keepOpen?: (tenantId: TenantId) => boolean;
}

/**
 * The tenant stores of the configuration (`TALLY_TENANT_STORE`): a SQLite file per tenant under
 * `TALLY_DATA_DIR/tenants/`, or a PostgreSQL database per tenant on `TALLY_PG_SERVERS` (default
 * DATABASE_URL's server) under `TALLY_PG_MAX_CONNECTIONS`. The server and the `tally` commands
 * both build their stores here, so they always open the same databases.
 */
export function createTenantStores(config: Config, deps: TenantStoresDeps): StoreProvider {
  const provider =
    config.tenantStore === 'postgres'
      ? createPostgresStoreProvider({
          controlDb: deps.controlDb,
          servers: config.pgServers,
          maxConnections: config.pgMaxConnections,
          nowMs: () => deps.clock.nowMs(),
          // An idle connection's error (a server restart): the pool already dropped it; said once, without the URL.
          onPoolError: (error) => deps.logger.warn({ err: error }, 'a PostgreSQL tenant connection failed (server ended it); the pool replaces it'),
        })
      : createSqliteStoreProvider({ dataDir: config.dataDir });
  // At most TALLY_OPEN_STORES databases open at once, and none kept open between two sync rounds:
  // a store without a call for half an interval (at most a minute) is closed, so a thousand
  // sites idle on a few dozen descriptors (docs/benchmarks.md, bench:tenants). The pool passes
  // `postgresDatabases` through (backups need it).
  return createOpenStorePool(provider, { maxOpen: config.openStores, idleCloseMs: storeIdleCloseMs(config.syncIntervalSeconds), ...(deps.keepOpen ? { keepOpen: deps.keepOpen } : {}) });
}

/** How long an open store may go without a call before it is closed: half a sync interval, at most a minute. */
export function storeIdleCloseMs(syncIntervalSeconds: number): number {
  return Math.min(60_000, (syncIntervalSeconds * 1000) / 2);
}
