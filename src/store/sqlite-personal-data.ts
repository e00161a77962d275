import type Database from 'better-sqlite3';
import { AppError } from '../platform/app-error.js';
import type { StoredAccount } from './tenant-store.js';

/*
 * The two personal-data operations of a tenant SQLite file (GDPR reporting): which account ids
 * it holds, and erasing one of them with the comments of its worklogs.
 */

// `ORDER BY account_id` compares text with SQLite's BINARY collation (memcmp of UTF-8), which is
// the order the port promises. One scan per report cycle (weekly); the account index cannot
// answer it alone because it does not hold `updated_ms`.
const LIST_SQL = `SELECT account_id, min(updated_ms) FROM worklogs
  WHERE account_id IS NOT NULL GROUP BY account_id ORDER BY account_id`;

const ERASE_SQL = 'UPDATE worklogs SET account_id = NULL, comment = NULL WHERE account_id = ?';

// ANALYZE (run by endBulkLoad) keeps sample keys of every index in `sqlite_stat4` — for
// `worklogs_account_started_idx` these are account ids, which would outlive the erase (found by
// the GDPR e2e byte scan). The samples holding the id's bytes go; the planner copes with fewer
// samples, and the next ANALYZE rebuilds them from the erased data. SQLite documents the stat
// tables as writable by applications.
const HAS_STAT4_SQL = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'";
const DROP_SAMPLES_SQL = 'DELETE FROM sqlite_stat4 WHERE instr(sample, CAST(? AS BLOB)) > 0';

/** What {@link createSqlitePersonalData} returns: both operations over one open handle. */
export interface SqlitePersonalData {
  listAccountIds(): StoredAccount[];
  eraseAccount(accountId: string): number;
}

/**
 * Prepares the personal-data operations for one open tenant database (opened with
 * `secure_delete = ON`, see sqlite-tenant-db.ts). `eraseAccount` updates the rows and drops the
 * planner's index samples holding the id (`sqlite_stat4`) in one immediate transaction, then checkpoints the WAL with TRUNCATE: the pages holding the old values are
 * copied into the main file (where secure_delete zeroed the freed cell space) and the WAL is cut
 * to zero bytes, so neither file keeps the erased bytes. A checkpoint that a reader blocks throws
 * `STORE_UNAVAILABLE` (retryable) after the update committed; repeating the call finishes it.
 */
export function createSqlitePersonalData(database: Database.Database): SqlitePersonalData {
  const list = database.prepare(LIST_SQL).raw();
  const erase = database.prepare(ERASE_SQL);
  const hasStat4 = database.prepare(HAS_STAT4_SQL).pluck();
  const eraseInTransaction = database.transaction((accountId: string) => {
    const changes = erase.run(accountId).changes;
    // Prepared only when the table exists: preparing it earlier would fail.
    if (hasStat4.get() !== undefined) database.prepare(DROP_SAMPLES_SQL).run(accountId);
    return changes;
  });

  return {
    listAccountIds() {
      return (list.all() as [string, number][]).map(([accountId, oldestUpdatedMs]) => ({ accountId, oldestUpdatedMs: Number(oldestUpdatedMs) }));
    },
    eraseAccount(accountId) {
      if (typeof accountId !== 'string' || accountId === '') throw new AppError('STORE_WRITE_FAILED', 'Refused to erase an empty account id');
      let changes: number;
      try {
        changes = eraseInTransaction.immediate(accountId);
      } catch (error) {
        throw storeError(error, 'Erasing an account failed; nothing was changed');
      }
      let checkpoint: { busy: number; log: number; checkpointed: number } | undefined;
      try {
        checkpoint = (database.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[])[0];
      } catch (error) {
        throw storeError(error, 'An account was erased, but the WAL checkpoint failed; retry the erase');
      }
      // busy = 1: a reader (another process) held an old snapshot, so the WAL was not emptied.
      if (checkpoint === undefined || checkpoint.busy !== 0) {
        throw new AppError('STORE_UNAVAILABLE', 'An account was erased, but a reader kept the WAL from being emptied; retry the erase');
      }
      return changes;
    },
  };
}

function storeError(error: unknown, message: string): AppError {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') {
    return new AppError('STORE_UNAVAILABLE', 'The tenant database is locked by another writer', { cause: error });
  }
  // The cause names the statement, never the account id or a comment.
  return new AppError('STORE_WRITE_FAILED', message, { cause: error });
}
