import { CompiledQuery, sql } from 'kysely';
import { createScheduleStore } from '../../jobs/schedule-store.js';
import { AppError } from '../../platform/app-error.js';
import { reclaimDeletedRowVersions, takeNewXid, type ReclaimBounds, type SqlClient } from '../../store/postgres-row-reclaim.js';
import type { ControlDb } from '../../tenants/control-db.js';
import type { DeletedRowsReclaim } from './account-retention.js';

/*
 * After the retention deleted account records, the control database's files still hold them:
 * SQLite zeroes deleted content in its main file (`secure_delete`) but its WAL keeps the old
 * pages until a checkpoint overwrites them; PostgreSQL keeps the deleted rows as dead tuples, and
 * even after VACUUM as unzeroed free space. Tested in test/e2e/account-retention.test.ts.
 */

// The mark that a reclaim is owed, a row of the scheduler's table (as the personal-data report
// keeps its progress there): written before the deletions, removed after the reclaim.
const OWED = { name: 'account-retention-reclaim' } as const;
// Tally's own tables: the connection's schema (pg-boss keeps its tables in a schema of its own).
const OWN_TABLES_SQL = "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1";

/**
 * The reclaim of the control database:
 * - SQLite: `PRAGMA wal_checkpoint(TRUNCATE)` — the WAL's pages go into the main file (where
 *   secure_delete zeroed the deleted content) and the WAL is truncated to nothing; a reader's
 *   snapshot that keeps it from finishing makes it throw `STORE_UNAVAILABLE`.
 * - PostgreSQL: {@link reclaimDeletedRowVersions} of every table in Tally's schema, past a
 *   transaction id newer than the deletions (they committed before): waits (bounded) until no
 *   transaction can see the deleted rows, VACUUM FULL, ANALYZE, VACUUM FULL pg_statistic. Each
 *   table is locked exclusively while it is rewritten (the audit log the longest).
 * Runs on one connection; re-runnable; the owed mark makes a crashed or failed one run again.
 */
export function createControlDbReclaim(control: Pick<ControlDb, 'db' | 'dialect'>, bounds: ReclaimBounds = {}): DeletedRowsReclaim {
  const schedule = createScheduleStore(control.db);
  const reclaim =
    control.dialect === 'sqlite'
      ? async () => {
          const [result] = (await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(control.db)).rows;
          if (result?.busy !== 0) throw new AppError('STORE_UNAVAILABLE', 'Another connection kept the control database’s WAL from being checkpointed after account records were deleted; retry later');
        }
      : () =>
          control.db.connection().execute(async (connection) => {
            const client: SqlClient = {
              query: async (text, values = []) => ({ rows: (await connection.executeQuery(CompiledQuery.raw(text, values))).rows as never[] }),
            };
            const tables = (await client.query<{ name: string }>(OWN_TABLES_SQL)).rows.map((row) => row.name);
            await reclaimDeletedRowVersions(client, tables, await takeNewXid(client), bounds);
          });
  return {
    reclaim,
    isOwed: async () => (await schedule.find(OWED)) !== undefined,
    markOwed: () => schedule.upsert(OWED, 0, undefined),
    clearOwed: () => schedule.delete(OWED),
  };
}
