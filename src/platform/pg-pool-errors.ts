import type pg from 'pg';

/**
 * Routes connection errors of every client of `pool` to `onError`, also while a client is checked
 * out. pg-pool listens only on idle clients; a checked-out client that the server ends between two
 * statements (an administrator's `pg_terminate_backend`, a `DROP DATABASE … WITH (FORCE)`, a
 * restart or fail-over) emits `error` with no listener, which Node turns into an uncaught
 * exception that ends the whole process. With this listener the error is reported instead; the
 * client's next statement fails, and its holder releases it as broken (pg-pool then discards it).
 */
export function reportErrorsOfCheckedOutClients(pool: pg.Pool, onError: (error: Error) => void): void {
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
}
