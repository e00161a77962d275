import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import { reclaimDeletedRowVersions, type ReclaimBounds } from './postgres-row-reclaim.js';
import type { StoredAccount } from './tenant-store.js';

/*
 * The personal-data operations of a tenant PostgreSQL database (GDPR): which account ids it
 * holds, and erasing one with the comments of its worklogs — including what PostgreSQL keeps of
 * old values on its own (docs/postgres-store.md, "Erasing an account on PostgreSQL").
 */

// COLLATE "C" compares bytes (UTF-8 byte order, the port's promise) whatever the database's
// collation; the databases Tally creates are `C` already, so it costs nothing there.
const LIST_SQL = `SELECT account_id, min(updated_ms) FROM worklogs
  WHERE account_id IS NOT NULL GROUP BY account_id ORDER BY account_id COLLATE "C"`;
const ERASE_SQL = 'UPDATE worklogs SET account_id = NULL, comment = NULL WHERE account_id = $1';
/*
 * Every erase rewrites the owed mark (not merely keeps it), so the `xmin` of its row version is
 * always the last erase's transaction: the removal horizon to wait for, recorded in the same
 * commit, no extra column needed. The cleanup deletes the mark only while it is still that
 * version: an erase that committed meanwhile leaves its own mark for its own cleanup.
 */
const OWE_CLEANUP_SQL = "INSERT INTO maintenance_owed (task) VALUES ('erase_cleanup') ON CONFLICT (task) DO UPDATE SET task = excluded.task";
const OWED_SINCE_SQL = "SELECT xmin::text AS xid FROM maintenance_owed WHERE task = 'erase_cleanup'";
const CLEANUP_DONE_SQL = "DELETE FROM maintenance_owed WHERE task = 'erase_cleanup' AND xmin = $1::xid";

/** Bounds of {@link finishEraseCleanup}: those of {@link reclaimDeletedRowVersions}. */
export type EraseCleanupOptions = ReclaimBounds;

/** Every distinct non-null account id with its oldest `updated`, in byte order; one statement. */
export async function listPostgresAccountIds(client: pg.ClientBase): Promise<StoredAccount[]> {
  const result = await client.query<[string, number]>({ name: 'tally_list_accounts', text: LIST_SQL, rowMode: 'array' });
  return result.rows.map(([accountId, oldestUpdatedMs]) => ({ accountId, oldestUpdatedMs }));
}

/**
 * The erase itself, on `client` inside the caller's write transaction: nulls the account id and
 * comment of the account's worklogs and, when any changed, records that the cleanup is owed —
 * and by which transaction (the mark's `xmin`) — in the same transaction. Returns the rows changed.
 */
export async function eraseAccountRows(client: pg.ClientBase, accountId: string): Promise<number> {
  if (typeof accountId !== 'string' || accountId === '') throw new AppError('STORE_WRITE_FAILED', 'Refused to erase an empty account id');
  const changed = (await client.query(ERASE_SQL, [accountId])).rowCount ?? 0;
  if (changed > 0) await client.query(OWE_CLEANUP_SQL);
  return changed;
}

/**
 * The cleanup after an erase, outside any transaction (VACUUM cannot run in one), when one is
 * owed — so a retry after a crash, a failed VACUUM or a bound that ran out finishes it, and an
 * erase that changed nothing anywhere costs one indexed read. Re-runnable at any step.
 * {@link reclaimDeletedRowVersions} of `worklogs` past the erase's transaction (the mark's
 * `xmin`): waits until no transaction can still see the erased values, VACUUM FULL of the table
 * (TOAST and indexes), ANALYZE, and VACUUM FULL of `pg_statistic` once no one sees the old
 * statistics. Then deletes the mark — unless an erase committed meanwhile rewrote it (that
 * erase's cleanup, or a retry, then does the whole cleanup again for it). VACUUM FULL locks the
 * table exclusively while it runs (seconds at a million rows): sync writes wait; reports answer
 * from memory. Throws `STORE_UNAVAILABLE` (retryable) when a bound runs out; the mark stays.
 */
export async function finishEraseCleanup(client: pg.ClientBase, options: EraseCleanupOptions = {}): Promise<void> {
  const owedSince = (await client.query<{ xid: string }>(OWED_SINCE_SQL)).rows[0]?.xid;
  if (owedSince === undefined) return;
  await reclaimDeletedRowVersions(client, ['worklogs'], owedSince, options);
  await client.query(CLEANUP_DONE_SQL, [owedSince]);
}
