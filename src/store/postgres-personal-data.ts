import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import type { StoredAccount } from './tenant-store.js';

/*
 * The personal-data operations of a tenant PostgreSQL database (GDPR): which account ids it
 * holds, and erasing one with the comments of its worklogs — including what PostgreSQL keeps of
 * old values on its own (docs/postgres-store.md, "Erasing an account").
 */

// COLLATE "C" compares bytes (UTF-8 byte order, the port's promise) whatever the database's
// collation; the databases Tally creates are `C` already, so it costs nothing there.
const LIST_SQL = `SELECT account_id, min(updated_ms) FROM worklogs
  WHERE account_id IS NOT NULL GROUP BY account_id ORDER BY account_id COLLATE "C"`;
const ERASE_SQL = 'UPDATE worklogs SET account_id = NULL, comment = NULL WHERE account_id = $1';
const OWE_CLEANUP_SQL = "INSERT INTO maintenance_owed (task) VALUES ('erase_cleanup') ON CONFLICT DO NOTHING";
const CLEANUP_OWED_SQL = "SELECT 1 FROM maintenance_owed WHERE task = 'erase_cleanup'";
const CLEANUP_DONE_SQL = "DELETE FROM maintenance_owed WHERE task = 'erase_cleanup'";

/** Every distinct non-null account id with its oldest `updated`, in byte order; one statement. */
export async function listPostgresAccountIds(client: pg.ClientBase): Promise<StoredAccount[]> {
  const result = await client.query<[string, number]>({ name: 'tally_list_accounts', text: LIST_SQL, rowMode: 'array' });
  return result.rows.map(([accountId, oldestUpdatedMs]) => ({ accountId, oldestUpdatedMs }));
}

/**
 * The erase itself, on `client` inside the caller's write transaction: nulls the account id and
 * comment of the account's worklogs and, when any changed, records that the cleanup is owed (in
 * the same transaction). Returns the rows changed.
 */
export async function eraseAccountRows(client: pg.ClientBase, accountId: string): Promise<number> {
  if (typeof accountId !== 'string' || accountId === '') throw new AppError('STORE_WRITE_FAILED', 'Refused to erase an empty account id');
  const changed = (await client.query(ERASE_SQL, [accountId])).rowCount ?? 0;
  if (changed > 0) await client.query(OWE_CLEANUP_SQL);
  return changed;
}

/**
 * The cleanup after an erase, outside any transaction (VACUUM cannot run in one), when one is
 * owed — so a retry after a crash or a failed VACUUM finishes it, and an erase that changed
 * nothing anywhere costs one indexed read:
 * - `VACUUM (FULL, ANALYZE) worklogs` writes the table, its TOAST and its indexes into new files
 *   (the old ones, holding the erased values in dead tuples and index entries, are unlinked) and
 *   takes fresh statistics, whose most-common values and histogram of `account_id` now come
 *   from the erased data only. Plain VACUUM would leave the dead bytes in free page space.
 * - `VACUUM FULL pg_statistic`: ANALYZE replaced the old statistics rows, which stay as dead
 *   tuples until the catalog is rewritten. A database owner may vacuum its catalogs
 *   (PostgreSQL docs, VACUUM: "except shared catalogs").
 * VACUUM FULL takes an exclusive lock on the table for its duration (seconds at a million rows):
 * sync writes wait; reports answer from memory.
 */
export async function finishEraseCleanup(client: pg.ClientBase): Promise<void> {
  if ((await client.query(CLEANUP_OWED_SQL)).rowCount === 0) return;
  await client.query('VACUUM (FULL, ANALYZE) worklogs');
  await client.query('VACUUM FULL pg_statistic');
  await client.query(CLEANUP_DONE_SQL);
}
