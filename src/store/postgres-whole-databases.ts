import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import type { PgTenantPools } from './pg-tenant-pools.js';
import { toStoreError } from './pg-store-errors.js';
import type { PlacementRegistry } from './placement-registry.js';
import {
  countPostgresSessions,
  databaseUrlOn,
  dropPostgresDatabase,
  ensurePostgresDatabase,
  postgresDatabaseExists,
  postgresRestoreDatabaseNames,
  postgresTenantDatabaseName,
  swapPostgresDatabases,
} from './postgres-tenant-db.js';
import type { PostgresWholeDatabases } from './tenant-store.js';

/** What {@link createPostgresWholeDatabases} needs from its provider. */
export interface PostgresWholeDatabasesDeps {
  pools: PgTenantPools;
  placements: PlacementRegistry;
  /** The configured servers' keys, for placing a tenant restored after its database was dropped. */
  serverKeys: readonly string[];
  /** A server's URL by its key; throws `STORE_UNAVAILABLE` for a server no longer configured. */
  serverUrlOf(key: string): string;
  nowMs(): number;
  /** Closes the provider's cached store and pool of the tenant (the provider's `release`). */
  release(tenantId: TenantId): Promise<void>;
  /** How long {@link PostgresWholeDatabases.isInUse} waits for sessions that are closing (default 2 s). */
  closingSessionsWaitMs?: number;
}

const SESSION_POLL_MS = 100;

/**
 * The whole-database side of the PostgreSQL provider (backups): `find` for pg_dump, `isInUse`
 * before a restore, `replace` for pg_restore — restore into a scratch database, then swap by
 * renames in one transaction, so a failed or refused restore never touches the live data.
 */
export function createPostgresWholeDatabases(deps: PostgresWholeDatabasesDeps): PostgresWholeDatabases {
  const { pools, placements } = deps;
  const closingSessionsWaitMs = deps.closingSessionsWaitMs ?? 2000;

  const serverOf = async (tenantId: TenantId): Promise<string | undefined> => {
    let key: string | undefined;
    try {
      key = await placements.findServer(tenantId);
    } catch (error) {
      throw new AppError('STORE_UNAVAILABLE', 'Cannot read where the tenant database lives (control database)', { cause: error });
    }
    return key === undefined ? undefined : deps.serverUrlOf(key);
  };

  /**
   * The restored database must not look older than the one it replaces to an instance that
   * compares `othersWriteVersion` (the report columns do): pg_restore loads rows before the
   * triggers exist, so the backup's own counter comes back. It is moved past the live one.
   */
  const carryWriteVersionForward = async (serverUrl: string, live: string, scratch: string): Promise<void> => {
    let liveVersion = 0;
    if (await postgresDatabaseExists(pools, serverUrl, live)) {
      const client = await pools.connectOnce(databaseUrlOn(serverUrl, live), '-admin');
      try {
        const found = await client.query<{ version: string | null }>("SELECT CASE WHEN to_regclass('write_version') IS NULL THEN NULL ELSE (SELECT max(version) FROM write_version) END AS version");
        liveVersion = Number(found.rows[0]?.version ?? 0);
      } finally {
        await client.end().catch(() => {});
      }
    }
    const client = await pools.connectOnce(databaseUrlOn(serverUrl, scratch), '-admin');
    try {
      if ((await client.query("SELECT to_regclass('write_version') IS NOT NULL AS present")).rows[0]?.present === true) {
        await client.query('UPDATE write_version SET version = GREATEST(version, $1::bigint) + 1, last_xact = NULL', [liveVersion]);
      }
    } finally {
      await client.end().catch(() => {});
    }
  };

  return {
    async find(tenantId) {
      const database = postgresTenantDatabaseName(tenantId);
      const serverUrl = await serverOf(tenantId);
      if (serverUrl === undefined || !(await postgresDatabaseExists(pools, serverUrl, database))) return undefined;
      return { databaseUrl: databaseUrlOn(serverUrl, database), database };
    },

    async isInUse(tenantId) {
      const database = postgresTenantDatabaseName(tenantId);
      const serverUrl = await serverOf(tenantId);
      if (serverUrl === undefined) return false;
      // A connection just closed (ours, released a moment ago) leaves its server process for a few
      // milliseconds more: wait for those, as PostgreSQL's own DROP and RENAME do (for 5 s).
      for (let waitedMs = 0; ; waitedMs += SESSION_POLL_MS) {
        if ((await countPostgresSessions(pools, serverUrl, database)) === 0) return false;
        if (waitedMs >= closingSessionsWaitMs) return true;
        await sleep(SESSION_POLL_MS);
      }
    },

    async replace(tenantId, load) {
      const live = postgresTenantDatabaseName(tenantId);
      const { scratch, replaced } = postgresRestoreDatabaseNames(live);
      await deps.release(tenantId);
      let serverKey: string;
      try {
        serverKey = await placements.place(tenantId, deps.serverKeys, deps.nowMs());
      } catch (error) {
        throw new AppError('STORE_UNAVAILABLE', 'Cannot read or record where the tenant database lives (control database)', { cause: error });
      }
      const serverUrl = deps.serverUrlOf(serverKey);
      // Leftovers of a restore that crashed: a half-filled scratch, or old data whose drop never ran.
      await dropPostgresDatabase(pools, serverUrl, scratch);
      await dropPostgresDatabase(pools, serverUrl, replaced);
      await ensurePostgresDatabase(pools, serverUrl, scratch);
      try {
        await load({ databaseUrl: databaseUrlOn(serverUrl, scratch), database: scratch });
        await carryWriteVersionForward(serverUrl, live, scratch).catch((error: unknown) => {
          throw toStoreError(error, `Cannot carry the write version over to the restored database of ${live}`, 'STORE_UNAVAILABLE');
        });
        if ((await swapPostgresDatabases(pools, serverUrl, { live, scratch, replaced })) === 'in_use') {
          await dropPostgresDatabase(pools, serverUrl, scratch);
          return 'in_use';
        }
      } catch (error) {
        await dropPostgresDatabase(pools, serverUrl, scratch).catch(() => {});
        throw error;
      }
      // The restore stands once the swap committed. If this drop fails, the old data stays in
      // `replaced` until the next restore or the tenant's destroy drops it (both do).
      await dropPostgresDatabase(pools, serverUrl, replaced).catch(() => {});
      return 'replaced';
    },
  };
}
