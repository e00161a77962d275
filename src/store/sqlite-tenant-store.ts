import { AppError } from '../platform/app-error.js';
import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { TenantId } from '../tenants/tenant.js';
import { createSqliteBatchWriter } from './sqlite-batch-writer.js';
import { createSqlitePersonalData } from './sqlite-personal-data.js';
import type { SqliteTenantDb } from './sqlite-tenant-db.js';
import type { SqliteWalSyncs } from './sqlite-wal-syncs.js';
import { createSqliteWorklogReads } from './sqlite-worklog-reads.js';
import { parseSyncState, syncStateKeys } from './sync-state-json.js';
import { createReportIndex, dropReportIndex, reportIndexes } from './tenant-migrations.js';
import type { ReportColumnRow, TenantStore } from './tenant-store.js';
import { worklogColumns, worklogFromValues } from './worklog-columns.js';
import type { WorklogRow } from './worklog-row.js';

/** What {@link createSqliteTenantStore} needs: the open database and who to tell when it closes. */
export interface SqliteTenantStoreDeps {
  tenantId: TenantId;
  db: SqliteTenantDb;
  /** Called once, after the handle closed (the provider forgets its cached store). */
  onClose?: () => void;
  /**
   * The file's checkpoint done elsewhere, with the file's path: a close after writes checkpoints
   * there first, so the close does not wait for two fsyncs on the event loop. Unset: the close
   * checkpoints itself (as it does anyway when that step fails).
   */
  walSyncs?: { syncs: SqliteWalSyncs; path: string };
}

const DEFAULT_PAGE_ROWS = 1000;

/** `make()` on the first call, its value on every later one. */
function onFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * A {@link TenantStore} over one open, migrated SQLite file. All calls run synchronously on the
 * better-sqlite3 handle, so no two of them interleave inside a transaction. After `close()`
 * (idempotent) every call throws `STORE_UNAVAILABLE`.
 */
export function createSqliteTenantStore({ tenantId, db, onClose, walSyncs }: SqliteTenantStoreDeps): TenantStore {
  const { database, kysely } = db;
  // The sync's statements are prepared with the store; the rest on first use. A round of
  // incremental syncs opens every store and uses only the former: preparing all ~30 statements
  // (and compiling the index DDL through Kysely) was about half of an open's CPU (bench:tenants).
  const applyBatch = createSqliteBatchWriter(database);
  const readState = database.prepare('SELECT value FROM sync_state WHERE key = ?').pluck();
  const writeState = database.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const count = database.prepare('SELECT count(*) FROM worklogs').pluck();
  const reads = onFirstUse(() => createSqliteWorklogReads(database));
  const personalData = onFirstUse(() => createSqlitePersonalData(database));
  const deleteState = onFirstUse(() => database.prepare('DELETE FROM sync_state WHERE key = ?'));
  const listIds = onFirstUse(() => database.prepare('SELECT client_worklog_id FROM worklogs ORDER BY client_worklog_id').pluck());
  const dataVersion = onFirstUse(() => database.prepare('PRAGMA data_version').pluck());
  // Keyset pagination: each page is an index range on the rowid, however far into the table.
  const page = onFirstUse(() => database.prepare(`SELECT ${worklogColumns.join(', ')} FROM worklogs WHERE client_worklog_id > ? ORDER BY client_worklog_id LIMIT ?`).raw());
  const indexNames = onFirstUse(() => database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'worklogs'").pluck());
  // The index DDL comes from the dialect-neutral definitions, compiled once per open for SQLite.
  const createIndexes = onFirstUse(() => reportIndexes.map((index) => database.prepare(createReportIndex(kysely, index).compile().sql)));
  const dropIndexes = onFirstUse(() => reportIndexes.map((index) => database.prepare(dropReportIndex(kysely, index).compile().sql)));

  let closing: Promise<void> | undefined;
  const ensureOpen = () => {
    if (closing !== undefined) throw new AppError('STORE_UNAVAILABLE', `The store of tenant ${tenantId} is closed`);
  };
  const isBulkLoadMarked = () => readState.get(syncStateKeys.bulkLoad) !== undefined;

  /**
   * Whether this open wrote (a migration counts): a read-only open of a current file leaves an
   * empty WAL, which its close deletes without a sync. A new tenant's first open migrates, and
   * is often read-only otherwise (the personal-data check opens every new tenant).
   */
  let wrote = db.migrated;
  const beforeWrite = () => {
    ensureOpen();
    wrote = true;
  };

  const beginBulkLoad = database.transaction(() => {
    for (const drop of dropIndexes()) drop.run();
    writeState.run(syncStateKeys.bulkLoad, 'true');
  });
  const endBulkLoad = database.transaction(() => {
    for (const create of createIndexes()) create.run();
    // Fresh statistics for the planner after the table grew from nothing.
    database.exec('ANALYZE');
    deleteState().run(syncStateKeys.bulkLoad);
  });

  return {
    tenantId,
    async getSyncState() {
      ensureOpen();
      return parseSyncState(readState.get(syncStateKeys.state) as string | undefined);
    },
    async applyBatch(batch) {
      beforeWrite();
      return applyBatch(batch);
    },
    async listWorklogIds() {
      ensureOpen();
      return listIds().all() as number[];
    },
    async *streamWorklogs(batchSize = DEFAULT_PAGE_ROWS): AsyncIterable<WorklogRow[]> {
      if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
      let afterId = Number.MIN_SAFE_INTEGER;
      for (;;) {
        ensureOpen();
        const rows = (page().all(afterId, batchSize) as unknown[][]).map(worklogFromValues);
        if (rows.length === 0) return;
        afterId = (rows[rows.length - 1] as WorklogRow).clientWorklogId;
        yield rows;
        if (rows.length < batchSize) return;
      }
    },
    async getWorklogsByIds(ids) {
      ensureOpen();
      return reads().getWorklogsByIds(ids);
    },
    async getWorklogsOfIssues(issueIds) {
      ensureOpen();
      return reads().getWorklogsOfIssues(issueIds);
    },
    async *scanReportColumns(batchSize): AsyncIterable<ReportColumnRow[]> {
      yield* reads().scanReportColumns(batchSize, ensureOpen);
    },
    async countWorklogs() {
      ensureOpen();
      return count.get() as number;
    },
    async listAccountIds() {
      ensureOpen();
      return personalData().listAccountIds();
    },
    async eraseAccount(accountId) {
      beforeWrite();
      return personalData().eraseAccount(accountId);
    },
    /** SQLite's `data_version`: per connection, it moves only on other connections' commits. */
    async othersWriteVersion() {
      ensureOpen();
      return dataVersion().get() as number;
    },
    async beginBulkLoad() {
      beforeWrite();
      beginBulkLoad.immediate();
    },
    async endBulkLoad() {
      ensureOpen();
      const present = new Set(indexNames().all() as string[]);
      // Nothing to do (and no ANALYZE to pay for) when no load is open and every index exists.
      if (!isBulkLoadMarked() && reportIndexes.every((index) => present.has(index.name))) return;
      beforeWrite();
      endBulkLoad.immediate();
    },
    async isBulkLoading() {
      ensureOpen();
      return isBulkLoadMarked();
    },
    close() {
      closing ??= (async () => {
        // After writes, the WAL goes into the file on the helper's connection first (this one is
        // idle: every call is synchronous and new ones now throw), so the close below — the
        // file's last connection — has nothing left to sync. A failure leaves the close to do it.
        if (wrote && walSyncs !== undefined && database.open) {
          await walSyncs.syncs.checkpoint(walSyncs.path).catch(() => false);
          // The worker's answers arrive together (one poll phase delivers every message queued):
          // without a turn of its own, each close would run right after the others in one stretch.
          await takeEventLoopTurn();
        }
        await kysely.destroy();
        if (database.open) database.close();
        onClose?.();
      })();
      return closing;
    },
  };
}
