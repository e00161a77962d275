import type Database from 'better-sqlite3';
import { AppError } from '../platform/app-error.js';
import { mergeSyncStateJson, syncStateKeys } from './sync-state-json.js';
import type { ApplyResult, SyncBatch } from './tenant-store.js';
import { worklogColumns, worklogParams } from './worklog-columns.js';

/*
 * The sync's hot path. Raw better-sqlite3 statements, prepared once per open store, instead of
 * Kysely: building and compiling a query per row costs more than SQLite's write itself, and the
 * pipeline must reach >= 50,000 worklogs/s end to end (limits A.3), leaving the store a few µs
 * per row.
 */

const updateSet = worklogColumns
  .filter((column) => column !== 'client_worklog_id')
  .map((column) => `${column} = excluded.${column}`)
  .join(', ');

// The WHERE repeats the newest-wins rule in SQL, so even a wrong lookup cannot let an older
// `updated` overwrite a newer one.
const UPSERT_SQL = `INSERT INTO worklogs (${worklogColumns.join(', ')}) VALUES (${worklogColumns.map(() => '?').join(', ')})
  ON CONFLICT (client_worklog_id) DO UPDATE SET ${updateSet} WHERE excluded.updated_ms > worklogs.updated_ms`;

// Point lookups by rowid, one per upserted row. Measured (300k rows, batches of 1000, no
// secondary index, 2 runs) against one `IN (SELECT value FROM json_each(?))` pre-read per batch:
// inserts and updates equal within noise (190–310k rows/s either way), stale re-applies
// 1.6–1.8M vs 0.86–1.05M rows/s — the JSON round trip costs more than 1000 probes of cached
// pages. Counting with `changes()` (insert-or-ignore, then a conditional update) was slowest:
// 100–190k rows/s. Reading just before writing also sees an earlier duplicate in the batch.
const STORED_UPDATED_SQL = 'SELECT updated_ms FROM worklogs WHERE client_worklog_id = ?';
const TOMBSTONE_AT_SQL = 'SELECT deleted_at_ms FROM worklog_tombstones WHERE client_worklog_id = ?';
// A first sync's store has no tombstone until a deletion arrives: one probe per batch then saves
// one per row (a third of the statements of a bulk load's row).
const ANY_TOMBSTONE_SQL = 'SELECT 1 FROM worklog_tombstones LIMIT 1';

const DELETE_SQL = 'DELETE FROM worklogs WHERE client_worklog_id = ? RETURNING client_issue_id';
const TOMBSTONE_SQL = `INSERT INTO worklog_tombstones (client_worklog_id, deleted_at_ms) VALUES (?, ?)
  ON CONFLICT (client_worklog_id) DO UPDATE SET deleted_at_ms = excluded.deleted_at_ms
  WHERE excluded.deleted_at_ms > worklog_tombstones.deleted_at_ms`;

const READ_STATE_SQL = 'SELECT value FROM sync_state WHERE key = ?';
const WRITE_STATE_SQL = 'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

function checkId(id: unknown): void {
  if (!Number.isSafeInteger(id)) throw new AppError('STORE_WRITE_FAILED', `A worklog id is not an integer (${String(id)})`);
}

/**
 * Builds `applyBatch` for one open tenant database. Each call is ONE immediate transaction:
 * 1. upserts, in order: a row is written when no tombstone of its id has `deleted_at_ms >=
 *    updatedMs` and no stored row has `updated_ms >= updatedMs` (newest `updated` wins; equal is a
 *    no-op), and counted exactly as inserted, updated or skippedStale;
 * 2. deletions: the row goes (counted in `deleted` only when it was there) and the tombstone keeps
 *    the latest deletion time. Deletion wins over the stored row whatever its `updated`: Jira never
 *    reuses a worklog id, and nothing can update a worklog after Jira deleted it;
 * 3. the state patch is merged into the stored state.
 * Any failure rolls all three back (the cursor never runs ahead of its rows) and throws
 * `STORE_WRITE_FAILED`, or `STORE_UNAVAILABLE` (retryable) when another process held the lock.
 * Re-applying a batch writes nothing and counts every upsert as skippedStale.
 */
export function createSqliteBatchWriter(database: Database.Database): (batch: SyncBatch) => ApplyResult {
  const upsert = database.prepare(UPSERT_SQL);
  const storedUpdated = database.prepare(STORED_UPDATED_SQL).pluck();
  const tombstoneAt = database.prepare(TOMBSTONE_AT_SQL).pluck();
  const anyTombstone = database.prepare(ANY_TOMBSTONE_SQL).pluck();
  const deleteRow = database.prepare(DELETE_SQL);
  const tombstone = database.prepare(TOMBSTONE_SQL);
  const readState = database.prepare(READ_STATE_SQL).pluck();
  const writeState = database.prepare(WRITE_STATE_SQL);

  const apply = database.transaction((batch: SyncBatch): ApplyResult => {
    const result: ApplyResult = { inserted: 0, updated: 0, skippedStale: 0, deleted: 0, deletedIssueIds: [] };
    // Every id is checked before the first write, so a bad one fails the batch without work.
    for (const row of batch.upserts) checkId(row.clientWorklogId);
    const tombstones = batch.upserts.length > 0 && anyTombstone.get() !== undefined;
    for (const row of batch.upserts) {
      const id = row.clientWorklogId;
      const tombstoneMs = tombstones ? (tombstoneAt.get(id) as number | undefined) : undefined;
      const storedMs = storedUpdated.get(id) as number | undefined;
      if ((tombstoneMs !== undefined && tombstoneMs >= row.updatedMs) || (storedMs !== undefined && storedMs >= row.updatedMs)) {
        result.skippedStale++;
        continue;
      }
      upsert.run(worklogParams(row));
      if (storedMs === undefined) result.inserted++;
      else result.updated++;
    }
    for (const deletion of batch.deletions) {
      checkId(deletion.clientWorklogId);
      const gone = deleteRow.get(deletion.clientWorklogId) as { client_issue_id: number } | undefined;
      if (gone) {
        result.deleted++;
        result.deletedIssueIds.push(Number(gone.client_issue_id));
      }
      tombstone.run(deletion.clientWorklogId, deletion.deletedAtMs);
    }
    if (batch.state !== undefined) {
      const json = readState.get(syncStateKeys.state) as string | undefined;
      writeState.run(syncStateKeys.state, mergeSyncStateJson(json, batch.state));
    }
    return result;
  });

  return (batch) => {
    try {
      // immediate: take the write lock before the first read, so no other writer slips in between.
      return apply.immediate(batch);
    } catch (error) {
      if (error instanceof AppError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') {
        throw new AppError('STORE_UNAVAILABLE', 'The tenant database is locked by another writer', { cause: error });
      }
      // The cause names the constraint or column, never a value, so no comment reaches a log.
      throw new AppError('STORE_WRITE_FAILED', 'Writing a sync batch failed; nothing of it was kept', { cause: error });
    }
  };
}
