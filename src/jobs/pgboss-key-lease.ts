import pg from 'pg';

/*
 * The per-key lease beside the pg-boss queue: a PostgreSQL session-level advisory lock per job key
 * (a tenant id), held on one pooled connection for as long as the work runs. pg-boss's `singleton`
 * policy already hands out at most one active job per key, but only among its own workers; this
 * lease is what `tally sync` in another process shares with the server, and it also covers the two
 * windows where a pg-boss job stops being `active` while its handler still runs (a cancel, a
 * heartbeat that lapsed): the next job of the key waits here until the old handler has settled.
 * PostgreSQL releases the lock when the session ends, so a killed process frees its keys at once.
 */

/** Namespace of the two-int advisory locks (`pg_advisory_lock(int, int)`), so Tally's keys never meet pg-boss's own locks or anyone's one-bigint locks. */
const LEASE_NAMESPACE = 0x7a11e;
/** How long one attempt waits in PostgreSQL before the waiter looks at its abort signal again. */
const DEFAULT_ATTEMPT_MS = 1_000;
/** SQLSTATE 55P03 lock_not_available: `lock_timeout` ended one attempt. */
const LOCK_NOT_AVAILABLE = '55P03';

/** How {@link KeyLease.runExclusive} waits. */
export interface RunExclusiveOptions {
  /** Stops waiting (and aborts the work's signal) when aborted. */
  signal?: AbortSignal;
  /** Called once when the key is busy and the caller starts waiting (the CLI says so). */
  onWait?: () => void;
}

/** Work run under a lease; its signal is aborted when the lease is lost (connection gone) or the caller's signal aborts. */
export type LeasedWork<T> = (signal: AbortSignal) => Promise<T>;

/**
 * One writer per key across processes (port of the lease). `runExclusive` waits until no other
 * holder (any process on the same PostgreSQL database) runs work under `key`, runs `work`, and
 * releases — also when `work` throws. Not re-entrant: the same key twice in one process waits too.
 */
export interface KeyLease {
  runExclusive<T>(key: string, work: LeasedWork<T>, options?: RunExclusiveOptions): Promise<T>;
  /** Whether some session holds `key` now (status, tests). */
  isHeld(key: string): Promise<boolean>;
  /** Closes the pool it created (not one it was given). Idempotent. */
  close(): Promise<void>;
}

/** What {@link createPgKeyLease} needs: a database URL, or a pool (kept open on close). */
export type PgKeyLeaseOptions = ({ connectionString: string; maxConnections?: number } | { pool: pg.Pool }) & {
  /** One attempt's wait inside PostgreSQL (lock_timeout); bounds how late an abort is noticed. */
  attemptMs?: number;
};

/**
 * Builds the lease on PostgreSQL advisory locks. Each held lease keeps one connection of the pool
 * checked out (so the pool needs one connection per job running at once, plus one); waiting is in
 * PostgreSQL's own lock queue (first come, first served), one `lock_timeout` slice at a time so an
 * abort is noticed within `attemptMs`. Needs a session-pinned connection: direct, or PgBouncer in
 * session mode — never transaction pooling, where the lock would outlive the work on a stranger's session.
 */
export function createPgKeyLease(options: PgKeyLeaseOptions): KeyLease {
  const ownsPool = 'connectionString' in options;
  const pool = ownsPool
    ? new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4, idleTimeoutMillis: 10_000, application_name: 'tally-lease' })
    : options.pool;
  // An idle pooled client that errors (server restart) must not crash the process.
  if (ownsPool) pool.on('error', () => undefined);
  const attemptMs = Math.max(50, Math.round(options.attemptMs ?? DEFAULT_ATTEMPT_MS));
  let closing: Promise<void> | undefined;

  async function acquire(client: pg.PoolClient, key: string, waitOptions: RunExclusiveOptions): Promise<void> {
    const got = await client.query<{ got: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as got', [LEASE_NAMESPACE, key]);
    if (got.rows[0]?.got) return;
    waitOptions.onWait?.();
    await client.query(`select set_config('lock_timeout', $1, false)`, [`${attemptMs}ms`]);
    try {
      for (;;) {
        waitOptions.signal?.throwIfAborted();
        try {
          await client.query('select pg_advisory_lock($1, hashtext($2))', [LEASE_NAMESPACE, key]);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        }
      }
    } finally {
      await client.query(`select set_config('lock_timeout', '0', false)`).catch(() => undefined);
    }
  }

  return {
    async runExclusive(key, work, runOptions = {}) {
      runOptions.signal?.throwIfAborted();
      const client = await pool.connect();
      const lost = new AbortController();
      const onClientError = (error: Error) => lost.abort(new Error('lease connection lost', { cause: error }));
      client.on('error', onClientError);
      let broken = false;
      try {
        await acquire(client, key, runOptions);
        const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, lost.signal]) : lost.signal;
        return await work(signal);
      } catch (error) {
        broken = lost.signal.aborted;
        throw error;
      } finally {
        if (!broken) {
          // Unlocking every lock of the session, not just this key: a session holds exactly one lease.
          await client.query('select pg_advisory_unlock_all()').catch(() => {
            broken = true;
          });
        }
        client.off('error', onClientError);
        // A broken connection is discarded, which ends the session and with it any lock it held.
        client.release(broken || lost.signal.aborted ? true : undefined);
      }
    },
    async isHeld(key) {
      const result = await pool.query<{ held: boolean }>(
        `select exists (select 1 from pg_locks where locktype = 'advisory' and granted and classid = $1::int::oid and objid = hashtext($2)::oid and objsubid = 2) as held`,
        [LEASE_NAMESPACE, key],
      );
      return result.rows[0]?.held ?? false;
    },
    close() {
      return (closing ??= ownsPool ? pool.end() : Promise.resolve());
    },
  };
}
