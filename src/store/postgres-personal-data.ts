import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
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
// The 32-bit xid of the current transaction: the low half of its 64-bit one.
const CURRENT_XID_SQL = 'SELECT (txid_current() % 4294967296)::text AS xid';

/*
 * Who keeps row versions deleted by transaction $1 from being removed in this database — the
 * terms of PostgreSQL 15's removal horizon (procarray.c, ComputeXidHorizons), tested in
 * postgres-erase-horizon.test.ts. `age(x) >= age($1)` is "x is $1 or older", safe across xid
 * wraparound; `age(NULL)` is NULL, so a session without a snapshot or an xid never matches.
 * - a session of ANY database whose transaction holds an xid older than the erase: every new
 *   snapshot's xmin (VACUUM's own included, which VACUUM counts) is at most that xid;
 * - a session of THIS database whose snapshot is that old (it may still read the old versions),
 *   and walsenders (no database) carrying a standby's `hot_standby_feedback`, which count for all;
 * - prepared transactions (their xids stay running until COMMIT/ROLLBACK PREPARED);
 * - replication slots' `xmin` and `catalog_xmin` (the latter holds back `pg_statistic`);
 * - `vacuum_defer_cleanup_age` (PostgreSQL ≤ 15), which moves the horizon back by that many xids.
 * Once none matches, none can appear: every later transaction gets a newer xid and snapshot.
 * pg_stat_activity shows `backend_xid`/`backend_xmin` and the database to every role; the
 * application name and state only for the caller's own role (or pg_read_all_stats).
 */
const HORIZON_BLOCKERS_SQL = `
WITH erase AS (SELECT age($1::xid) AS age)
SELECT 'session' AS kind, a.pid, a.datname::text AS database, a.application_name AS name, a.state
  FROM pg_stat_activity a, erase
  WHERE a.pid <> pg_backend_pid()
    AND (age(a.backend_xid) >= erase.age
      OR (age(a.backend_xmin) >= erase.age AND (a.datname = current_database() OR a.datid IS NULL)))
UNION ALL
SELECT 'prepared transaction', NULL, p.database::text, NULL, NULL
  FROM pg_prepared_xacts p, erase WHERE age(p.transaction) >= erase.age
UNION ALL
SELECT 'replication slot', NULL, s.database::text, s.slot_name::text, NULL
  FROM pg_replication_slots s, erase WHERE age(s.xmin) >= erase.age OR age(s.catalog_xmin) >= erase.age
UNION ALL
SELECT 'vacuum_defer_cleanup_age', NULL, NULL, NULL, NULL
  FROM erase WHERE coalesce(nullif(current_setting('vacuum_defer_cleanup_age', true), ''), '0')::int >= erase.age`;

// SQLSTATE lock_not_available: `lock_timeout` ran out.
const LOCK_NOT_AVAILABLE = '55P03';

/** Something that keeps the erased row versions from being removed (see {@link listHorizonBlockers}). */
export interface HorizonBlocker {
  kind: 'session' | 'prepared transaction' | 'replication slot' | 'vacuum_defer_cleanup_age';
  /** The server process of a session. */
  pid: number | null;
  database: string | null;
  /** A session's `application_name` (when the server shows it to this role) or a slot's name. */
  name: string | null;
  /** A session's state, e.g. `idle in transaction` (when shown to this role). */
  state: string | null;
}

/** Bounds of {@link finishEraseCleanup}. */
export interface EraseCleanupOptions {
  /** Longest wait, per horizon, for transactions that can still see the erased values. Default 60 s. */
  horizonWaitMs?: number;
  /** Longest wait for each VACUUM's or ANALYZE's table lock (`lock_timeout`). Default 5 s. */
  lockWaitMs?: number;
  /** First pause between two looks at the horizon (doubling up to 1 s). Default 50 ms. */
  pollMs?: number;
}

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
 * Whatever keeps the row versions deleted by transaction `xid` (decimal, 32-bit) from being
 * removed from this database's tables and catalogs, other than `client`'s own session. Empty
 * means a VACUUM FULL started now drops them. One statement.
 */
export async function listHorizonBlockers(client: pg.ClientBase, xid: string): Promise<HorizonBlocker[]> {
  return (await client.query<HorizonBlocker>(HORIZON_BLOCKERS_SQL, [xid])).rows;
}

function describeBlockers(blockers: readonly HorizonBlocker[]): string {
  const described = blockers.slice(0, 3).map(({ kind, pid, database, name, state }) => {
    const details = [name, state].filter((detail) => detail !== null && detail !== '').join(', ');
    return `${kind}${pid === null ? '' : ` pid ${pid}`}${details === '' ? '' : ` (${details})`}${database === null ? '' : ` in database ${database}`}`;
  });
  return described.join('; ') + (blockers.length > 3 ? ` and ${blockers.length - 3} more` : '');
}

/**
 * Waits, polling, until nothing keeps the versions deleted by `xid`; throws `STORE_UNAVAILABLE`
 * (retryable) naming what still does after `horizonWaitMs`. Holds no snapshot between looks.
 */
async function waitForRemovalHorizon(client: pg.ClientBase, xid: string, options: Required<EraseCleanupOptions>): Promise<void> {
  const deadline = performance.now() + options.horizonWaitMs;
  for (let pauseMs = options.pollMs; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    const blockers = await listHorizonBlockers(client, xid);
    if (blockers.length === 0) return;
    if (performance.now() >= deadline) {
      throw new AppError(
        'STORE_UNAVAILABLE',
        `An erased account's old row versions are still visible to ${describeBlockers(blockers)} after ${options.horizonWaitMs} ms; ` +
          'the erase is committed and its cleanup stays owed: retry the erase once that transaction ended',
      );
    }
    await sleep(pauseMs);
  }
}

/** Runs `statement` under `lock_timeout`; a lock wait past it becomes a retryable `STORE_UNAVAILABLE`. */
async function underLockTimeout(client: pg.ClientBase, lockWaitMs: number, statements: () => Promise<void>): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockWaitMs))}`);
  try {
    await statements();
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
    throw new AppError('STORE_UNAVAILABLE', `Another transaction held the worklogs table (or pg_statistic) for over ${lockWaitMs} ms during an erase's cleanup; the cleanup stays owed: retry the erase`, {
      cause: new Error(`PostgreSQL error ${LOCK_NOT_AVAILABLE}`),
    });
  } finally {
    // A failure here means the connection broke; the pool discards it on the error already thrown.
    await client.query('RESET lock_timeout').catch(() => {});
  }
}

/**
 * The cleanup after an erase, outside any transaction (VACUUM cannot run in one), when one is
 * owed — so a retry after a crash, a failed VACUUM or a wait that ran out finishes it, and an
 * erase that changed nothing anywhere costs one indexed read. Re-runnable at any step.
 * 1. Waits until no transaction can still see the erased values (`listHorizonBlockers`):
 *    VACUUM FULL copies such "recently dead" row versions into the new files, bytes and all.
 * 2. `VACUUM FULL worklogs` writes the table, its TOAST and its indexes into new files; the old
 *    ones, holding the erased values in dead tuples and index entries, are truncated at once and
 *    unlinked at the next checkpoint. Plain VACUUM would only mark that space free, unzeroed.
 * 3. `ANALYZE worklogs` (in a transaction, to learn its xid): the most common values and the
 *    histogram of `account_id` in `pg_statistic` now come from erased data.
 * 4. Waits for the horizon again, past the ANALYZE (the replaced statistics rows are dead
 *    tuples of the catalog), then `VACUUM FULL pg_statistic` — a database owner may vacuum its
 *    own catalogs (PostgreSQL docs, VACUUM: "except shared catalogs").
 * 5. Deletes the mark, unless an erase committed meanwhile rewrote it (that erase's cleanup, or
 *    a retry, then does the whole cleanup again for it).
 * Each lock is waited for at most `lockWaitMs`: a foreign transaction that holds the table
 * without a snapshot (READ COMMITTED, idle in transaction) makes the cleanup fail rather than
 * queue every sync and report of the site behind VACUUM FULL. VACUUM FULL locks the table
 * exclusively for its duration (seconds at a million rows): sync writes wait; reports answer
 * from memory. Throws `STORE_UNAVAILABLE` (retryable) when a bound runs out; the mark stays.
 */
export async function finishEraseCleanup(client: pg.ClientBase, options: EraseCleanupOptions = {}): Promise<void> {
  const bounds: Required<EraseCleanupOptions> = { horizonWaitMs: 60_000, lockWaitMs: 5_000, pollMs: 50, ...options };
  const owedSince = (await client.query<{ xid: string }>(OWED_SINCE_SQL)).rows[0]?.xid;
  if (owedSince === undefined) return;
  await waitForRemovalHorizon(client, owedSince, bounds);
  let analyzedBy = '';
  await underLockTimeout(client, bounds.lockWaitMs, async () => {
    await client.query('VACUUM FULL worklogs');
    // In a transaction of its own, to learn which xid replaced the statistics rows.
    await client.query('BEGIN');
    try {
      await client.query('ANALYZE worklogs');
      analyzedBy = (await client.query<{ xid: string }>(CURRENT_XID_SQL)).rows[0]?.xid ?? '';
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
  await waitForRemovalHorizon(client, analyzedBy, bounds);
  await underLockTimeout(client, bounds.lockWaitMs, async () => {
    await client.query('VACUUM FULL pg_statistic');
  });
  await client.query(CLEANUP_DONE_SQL, [owedSince]);
}
