import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../platform/app-error.js';

/*
 * Making a PostgreSQL database's files forget deleted or overwritten values: wait until no
 * transaction can still see the old row versions (the removal horizon), then rewrite the tables
 * (VACUUM FULL), refresh their planner statistics (ANALYZE) and rewrite the statistics catalog.
 * Used by the tenant store's account erase (postgres-personal-data.ts) and by the account
 * retention on a PostgreSQL control database. Why each step: docs/postgres-store.md, "Erasing an
 * account on PostgreSQL"; what keeps old versions: postgres-erase-horizon.test.ts.
 */

/** The one method used of a connection: pg's Client, or an adapter over a Kysely connection. */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

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

// Of `$1` (table names) and pg_statistic, those this role may not VACUUM: PostgreSQL 15 lets the
// table's owner, the database's owner (except shared catalogs) or a superuser; anyone else gets a
// WARNING and nothing done — the deleted bytes would silently stay.
const NOT_VACUUMABLE_SQL = `
SELECT c.relname::text AS name FROM pg_class c
 WHERE (c.oid = 'pg_catalog.pg_statistic'::regclass OR (c.relname = ANY($1::text[]) AND c.relnamespace = current_schema()::regnamespace))
   AND NOT pg_has_role(c.relowner, 'USAGE')
   AND NOT pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')
   AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`;
// The 32-bit xid of the current transaction: the low half of its 64-bit one.
const CURRENT_XID_SQL = 'SELECT (txid_current() % 4294967296)::text AS xid';
// SQLSTATE lock_not_available: `lock_timeout` ran out.
const LOCK_NOT_AVAILABLE = '55P03';
// Table names reach DDL (no bind parameters there): plain lower-case identifiers only.
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Something that keeps old row versions from being removed (see {@link listHorizonBlockers}). */
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

/** Bounds of {@link reclaimDeletedRowVersions}. */
export interface ReclaimBounds {
  /** Longest wait, per horizon, for transactions that can still see the old versions. Default 60 s. */
  horizonWaitMs?: number;
  /** Longest wait for each VACUUM's or ANALYZE's table lock (`lock_timeout`). Default 5 s. */
  lockWaitMs?: number;
  /** First pause between two looks at the horizon (doubling up to 1 s). Default 50 ms. */
  pollMs?: number;
}

/**
 * Whatever keeps the row versions deleted by transaction `xid` (decimal, 32-bit) from being
 * removed from this database's tables and catalogs, other than `client`'s own session. Empty
 * means a VACUUM FULL started now drops them. One statement.
 */
export async function listHorizonBlockers(client: SqlClient, xid: string): Promise<HorizonBlocker[]> {
  return (await client.query<HorizonBlocker>(HORIZON_BLOCKERS_SQL, [xid])).rows;
}

/**
 * A transaction id newer than every transaction committed before the call (it takes one, in a
 * transaction of its own): what to wait for when the deleting transactions are not known.
 */
export async function takeNewXid(client: SqlClient): Promise<string> {
  return (await client.query<{ xid: string }>(CURRENT_XID_SQL)).rows[0]?.xid as string;
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
async function waitForRemovalHorizon(client: SqlClient, xid: string, bounds: Required<ReclaimBounds>): Promise<void> {
  const deadline = performance.now() + bounds.horizonWaitMs;
  for (let pauseMs = bounds.pollMs; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    const blockers = await listHorizonBlockers(client, xid);
    if (blockers.length === 0) return;
    if (performance.now() >= deadline) {
      throw new AppError(
        'STORE_UNAVAILABLE',
        `Deleted or erased values' old row versions are still visible to ${describeBlockers(blockers)} after ${bounds.horizonWaitMs} ms; ` +
          'the change is committed and its cleanup stays owed: retry once that transaction ended',
      );
    }
    await sleep(pauseMs);
  }
}

/** Runs `statements` under `lock_timeout`; a lock wait past it becomes a retryable `STORE_UNAVAILABLE`. */
async function underLockTimeout(client: SqlClient, lockWaitMs: number, statements: () => Promise<void>): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockWaitMs))}`);
  try {
    await statements();
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
    throw new AppError('STORE_UNAVAILABLE', `Another transaction held a table (or pg_statistic) for over ${lockWaitMs} ms while old row versions were being removed; the cleanup stays owed: retry`, {
      cause: new Error(`PostgreSQL error ${LOCK_NOT_AVAILABLE}`),
    });
  } finally {
    // A failure here means the connection broke; the pool discards it on the error already thrown.
    await client.query('RESET lock_timeout').catch(() => {});
  }
}

/**
 * Removes from the files of `tables` (in the connection's schema) every row version deleted or
 * overwritten by transaction `deletedBy` or earlier, and from `pg_statistic` every value their
 * old statistics held. On `client`, outside any transaction (VACUUM cannot run in one):
 * 1. waits until no transaction can still see those versions ({@link listHorizonBlockers}):
 *    VACUUM FULL copies such "recently dead" versions into the new files, bytes and all;
 * 2. `VACUUM FULL` each table: its heap, TOAST and indexes are written into new files, the old
 *    ones truncated at once and unlinked at the next checkpoint (plain VACUUM only marks the
 *    space free, unzeroed);
 * 3. `ANALYZE` the tables, in a transaction of its own to learn its xid: most-common values and
 *    histograms in `pg_statistic` now come from the remaining data;
 * 4. waits for the horizon past that ANALYZE (the replaced statistics rows are dead tuples of
 *    the catalog), then `VACUUM FULL pg_statistic` (a database owner may vacuum its own catalogs,
 *    PostgreSQL docs, VACUUM).
 * Each lock is waited for at most `lockWaitMs`, so a transaction idle on a table cannot queue
 * every reader and writer of it behind a waiting VACUUM FULL. VACUUM FULL locks each table
 * exclusively while it runs. Re-runnable at any step; throws `STORE_UNAVAILABLE` (retryable)
 * when a bound runs out: the caller keeps the cleanup owed. Throws `CONFIG_INVALID` first when
 * the role may not vacuum a table or `pg_statistic` (PostgreSQL would skip it with a warning).
 */
export async function reclaimDeletedRowVersions(client: SqlClient, tables: readonly string[], deletedBy: string, bounds: ReclaimBounds = {}): Promise<void> {
  for (const table of tables) if (!PLAIN_IDENTIFIER.test(table)) throw new AppError('STORE_WRITE_FAILED', 'Refused to vacuum a table whose name is not a plain identifier');
  const limits: Required<ReclaimBounds> = { horizonWaitMs: 60_000, lockWaitMs: 5_000, pollMs: 50, ...bounds };
  const refused = (await client.query<{ name: string }>(NOT_VACUUMABLE_SQL, [tables])).rows.map((row) => row.name);
  if (refused.length > 0) {
    throw new AppError('CONFIG_INVALID', `Tally's PostgreSQL role may not VACUUM ${refused.join(', ')}: it must own them or the database; until then deleted values stay in the files`);
  }
  await waitForRemovalHorizon(client, deletedBy, limits);
  let analyzedBy = '';
  await underLockTimeout(client, limits.lockWaitMs, async () => {
    for (const table of tables) await client.query(`VACUUM FULL "${table}"`);
    await client.query('BEGIN');
    try {
      for (const table of tables) await client.query(`ANALYZE "${table}"`);
      analyzedBy = await takeNewXid(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
  await waitForRemovalHorizon(client, analyzedBy, limits);
  await underLockTimeout(client, limits.lockWaitMs, async () => {
    await client.query('VACUUM FULL pg_statistic');
  });
}
