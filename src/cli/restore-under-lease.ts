import { setTimeout as sleep } from 'node:timers/promises';
import type { TenantLease } from '../compose/job-queue.js';
import type { RestoreReport, TenantBackups } from '../privacy/backups/tenant-backups.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';
import type { CliIo } from './cli-io.js';
import { sayOnceWhenBusy } from './tenant-busy.js';

/**
 * How long a restore that holds the lease waits for running servers' idle connections to the
 * site's database to go: they close after 30 s unused (pg-tenant-pools.ts, `idleTimeoutMs`), and
 * PostgreSQL refuses to rename a database anyone is connected to. A little more, for the last one.
 */
export const SERVER_IDLE_CONNECTIONS_WAIT_MS = 35_000;
const IN_USE_POLL_MS = 250;

/** What {@link restoreUnderLease} works with. */
export interface RestoreUnderLeaseDeps {
  backups: Pick<TenantBackups, 'restore'>;
  stores: Pick<StoreProvider, 'postgresDatabases'>;
  lease: TenantLease;
  io: CliIo;
  /** How long to wait for other processes' idle connections (default {@link SERVER_IDLE_CONNECTIONS_WAIT_MS}). */
  idleConnectionsWaitMs?: number;
}

/**
 * Restores `backupId` into the tenant while holding the tenant's lease — the one every server job
 * and `tally sync` take — for the whole restore. A server's sync waiting for Jira between two
 * pages holds no database connection, so without the lease a restore in that window went through
 * and the sync's next page carried its cursor over the restored data. While a server job holds
 * the tenant this waits, saying so once; the server's next job of the tenant waits for the restore.
 *
 * On a PostgreSQL tenant store, once the lease is held, it also waits (bounded) for other
 * processes' idle connections to the site's database to close, so a restore beside running
 * servers is not refused for connections nobody uses; a connection still there after that makes
 * the restore refuse with `BACKUP_RESTORE_BUSY` as before. On SQLite the lease is a pass-through
 * unless the control database is PostgreSQL: an open database file refuses the restore instead.
 */
export async function restoreUnderLease(deps: RestoreUnderLeaseDeps, tenantId: TenantId, backupId: string): Promise<RestoreReport> {
  return deps.lease.runExclusive(
    tenantId,
    async () => {
      if (deps.lease.excludesServer) await waitForIdleConnectionsToClose(deps, tenantId);
      return deps.backups.restore(tenantId, backupId);
    },
    { onWait: sayOnceWhenBusy(deps.io, tenantId) },
  );
}

/** Returns once nobody is connected to the tenant's PostgreSQL database, or the wait is over (the restore then decides). */
async function waitForIdleConnectionsToClose(deps: RestoreUnderLeaseDeps, tenantId: TenantId): Promise<void> {
  const databases = deps.stores.postgresDatabases;
  if (databases === undefined) return;
  const waitMs = deps.idleConnectionsWaitMs ?? SERVER_IDLE_CONNECTIONS_WAIT_MS;
  // Real time, not the runtime's clock: the connections close on the pools' real timers.
  const deadline = Date.now() + waitMs;
  let said = false;
  // isInUse itself waits up to 2 s for connections that are closing.
  while (await databases.isInUse(tenantId)) {
    if (Date.now() >= deadline) return;
    if (!said) {
      said = true;
      deps.io.stderr.write(
        `tally: tenant ${tenantId}'s database still has connections of another process (a running Tally server closes unused ones after 30 s); waiting up to ${Math.round(waitMs / 1000)} s\n`,
      );
    }
    await sleep(IN_USE_POLL_MS);
  }
}
