import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, DummyDriver } from 'kysely';
import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import type { PgTenantPools } from './pg-tenant-pools.js';
import { toStoreError } from './pg-store-errors.js';
import { applyPostgresBatch } from './postgres-batch-writer.js';
import { eraseAccountRows, finishEraseCleanup, listPostgresAccountIds } from './postgres-personal-data.js';
import { pagesOf, queryArrays, readReportColumnPage, readWorklogPage, readWorklogsByIds, readWorklogsOfIssues } from './postgres-worklog-reads.js';
import { parseSyncState, syncStateKeys } from './sync-state-json.js';
import { createReportIndex, dropReportIndex, reportIndexes } from './tenant-migrations.js';
import type { ReportColumnRow, TenantStore } from './tenant-store.js';
import type { WorklogRow } from './worklog-row.js';

/** What {@link createPostgresTenantStore} needs: the migrated database's URL and the shared pools. */
export interface PostgresTenantStoreDeps {
  tenantId: TenantId;
  /** The tenant's own database (already created and migrated). */
  databaseUrl: string;
  pools: PgTenantPools;
  /** Called once, after the store closed (the provider forgets its cached store). */
  onClose?: () => void;
}

const DEFAULT_PAGE_ROWS = 1000;
const DEFAULT_SCAN_ROWS = 8192;

// Compiles the report index DDL from the dialect-neutral definitions; never connects.
const ddlCompiler = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
const CREATE_INDEX_SQL = reportIndexes.map((index) => createReportIndex(ddlCompiler, index).compile().sql);
const DROP_INDEX_SQL = reportIndexes.map((index) => dropReportIndex(ddlCompiler, index).compile().sql);

const READ_STATE_SQL = 'SELECT value FROM sync_state WHERE key = $1';
const WRITE_STATE_SQL = 'INSERT INTO sync_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
// Whether this transaction bumped the write version (postgres/001_write_version), read last, and
// the COMMIT, in one round trip (simple query protocol: two statements, two results).
const BUMPED_AND_COMMIT_SQL = 'SELECT last_xact = txid_current() AS bumped FROM write_version; COMMIT';
/**
 * A sync batch's transaction: the WAL flush is not awaited at COMMIT (`synchronous_commit = off`,
 * this transaction only). A server crash may lose the last few hundred milliseconds of batches
 * but never corrupts or tears one: the cursor is committed with its rows, so the sync re-reads
 * what was lost — the reasoning of the SQLite store's `synchronous = NORMAL`. It roughly doubles
 * the write rate of a first load. Erasures and bulk-load marks keep the durable default.
 * One writer per tenant database at a time, across every instance and `tally sync`: the
 * newest-wins decisions read inside stay true until COMMIT (one constant key: the database is the tenant's).
 */
const BATCH_BEGIN_SQL = 'BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock(7146)';
const INDEX_NAMES_SQL = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'worklogs'";

/**
 * A {@link TenantStore} over one tenant's PostgreSQL database. Holds no connection: every call
 * takes one from the tenant's pool (opened lazily, closed when idle, under the global cap) and
 * gives it back, so an open store costs memory only. Writes are one transaction each, serialised
 * per database by an advisory lock (several instances, `tally sync`). After `close()`
 * (idempotent) every call throws `STORE_UNAVAILABLE`.
 */
export function createPostgresTenantStore({ tenantId, databaseUrl, pools, onClose }: PostgresTenantStoreDeps): TenantStore {
  let closing: Promise<void> | undefined;
  // Bumps of `write_version` this store's own transactions made (committed), so that
  // othersWriteVersion moves for other writers only.
  let ownBumps = 0;

  const ensureOpen = () => {
    if (closing !== undefined) throw new AppError('STORE_UNAVAILABLE', `The store of tenant ${tenantId} is closed`);
  };
  const read = async <T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    ensureOpen();
    try {
      return await pools.withClient(databaseUrl, work);
    } catch (error) {
      throw toStoreError(error, `Reading ${what} of tenant ${tenantId} failed`, 'STORE_UNAVAILABLE');
    }
  };
  /**
   * One write transaction: `begin` (BEGIN plus any settings, one round trip), `work`, then, in one
   * more round trip, whether it bumped the write version and COMMIT.
   */
  const writeTransaction = async <T>(failure: string, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> => {
    ensureOpen();
    try {
      return await pools.withClient(databaseUrl, async (client) => {
        await client.query(begin);
        let bumped: boolean;
        let result: T;
        try {
          result = await work(client);
          const [check] = (await client.query(BUMPED_AND_COMMIT_SQL)) as unknown as [pg.QueryResult<{ bumped: boolean }>];
          bumped = check.rows[0]?.bumped === true;
        } catch (error) {
          // A failed ROLLBACK leaves the connection unusable; withClient discards it on the rethrow.
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        if (bumped) ownBumps++;
        return result;
      });
    } catch (error) {
      throw toStoreError(error, failure);
    }
  };
  const isBulkLoadMarked = (client: pg.ClientBase) => client.query(READ_STATE_SQL, [syncStateKeys.bulkLoad]).then((result) => result.rowCount !== 0);

  return {
    tenantId,
    async getSyncState() {
      const rows = await read('the sync state', (client) => queryArrays<[string]>(client, { name: 'tally_state', text: READ_STATE_SQL, values: [syncStateKeys.state], rowMode: 'array' }));
      return parseSyncState(rows.rows[0]?.[0]);
    },
    applyBatch(batch) {
      return writeTransaction('Writing a sync batch failed; nothing of it was kept', (client) => applyPostgresBatch(client, batch), BATCH_BEGIN_SQL);
    },
    async listWorklogIds() {
      const result = await read('worklog ids', (client) => queryArrays<[number]>(client, { text: 'SELECT client_worklog_id FROM worklogs ORDER BY client_worklog_id', rowMode: 'array' }));
      return result.rows.map(([id]) => id);
    },
    async *streamWorklogs(batchSize = DEFAULT_PAGE_ROWS): AsyncIterable<WorklogRow[]> {
      yield* pagesOf(batchSize, (row: WorklogRow) => row.clientWorklogId, (afterId, limit) => read('worklogs', (client) => readWorklogPage(client, afterId, limit)));
    },
    getWorklogsByIds(ids) {
      return read('worklogs by id', (client) => readWorklogsByIds(client, ids));
    },
    getWorklogsOfIssues(issueIds) {
      return read('worklogs of issues', (client) => readWorklogsOfIssues(client, issueIds));
    },
    async *scanReportColumns(batchSize = DEFAULT_SCAN_ROWS): AsyncIterable<ReportColumnRow[]> {
      yield* pagesOf(batchSize, (row: ReportColumnRow) => row[0], (afterId, limit) => read('report columns', (client) => readReportColumnPage(client, afterId, limit)));
    },
    async countWorklogs() {
      const result = await read('the worklog count', (client) => queryArrays<[number]>(client, { text: 'SELECT count(*) FROM worklogs', rowMode: 'array' }));
      return result.rows[0]?.[0] ?? 0;
    },
    listAccountIds() {
      return read('account ids', listPostgresAccountIds);
    },
    async eraseAccount(accountId) {
      const changed = await writeTransaction('Erasing an account failed; nothing was changed', (client) => eraseAccountRows(client, accountId));
      try {
        await pools.withClient(databaseUrl, finishEraseCleanup);
      } catch (error) {
        // The erase committed and the cleanup stays owed: repeating the call finishes it.
        throw new AppError('STORE_UNAVAILABLE', 'An account was erased, but cleaning up its old row versions failed; retry the erase', { cause: toStoreError(error, 'VACUUM failed') });
      }
      return changed;
    },
    async othersWriteVersion() {
      const result = await read('the write version', (client) => queryArrays<[number]>(client, { name: 'tally_version', text: 'SELECT version FROM write_version', rowMode: 'array' }));
      return (result.rows[0]?.[0] ?? 0) - ownBumps;
    },
    async beginBulkLoad() {
      await writeTransaction('Starting a bulk load failed', async (client) => {
        for (const drop of DROP_INDEX_SQL) await client.query(drop);
        await client.query(WRITE_STATE_SQL, [syncStateKeys.bulkLoad, 'true']);
      });
    },
    async endBulkLoad() {
      const [marked, present] = await read('the bulk-load mark', async (client) => [await isBulkLoadMarked(client), new Set((await client.query<{ indexname: string }>(INDEX_NAMES_SQL)).rows.map((row) => row.indexname))] as const);
      // Nothing to do (and no ANALYZE to pay for) when no load is open and every index exists.
      if (!marked && reportIndexes.every((index) => present.has(index.name))) return;
      await writeTransaction('Ending a bulk load failed', async (client) => {
        for (const create of CREATE_INDEX_SQL) await client.query(create);
        // Fresh statistics for the planner after the table grew from nothing (ANALYZE may run in a transaction).
        await client.query('ANALYZE worklogs');
        await client.query('DELETE FROM sync_state WHERE key = $1', [syncStateKeys.bulkLoad]);
      });
    },
    isBulkLoading() {
      return read('the bulk-load mark', isBulkLoadMarked);
    },
    close() {
      closing ??= Promise.resolve().then(() => onClose?.());
      return closing;
    },
  };
}
