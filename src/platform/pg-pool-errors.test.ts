import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { createPgTenantPools } from '../store/pg-tenant-pools.js';
import { describeWithPostgres } from '../../test/support/postgres.js';
import { TEST_POSTGRES_ADMIN_URL } from '../../test/support/postgres-url.js';
import { reportErrorsOfCheckedOutClients } from './pg-pool-errors.js';

/** Ends the server session `pid` as an administrator would. */
async function terminateBackend(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, application_name: 'tally-test-admin' });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

const SERVER_ENDED_SESSION = '57P01';

describeWithPostgres('connection errors of checked-out pool clients', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  // Without the listener, the server's FATAL message on a held, quiet connection is an 'error'
  // event nobody listens to: an uncaught exception that fails this file (and ends a server).
  it('reports a held connection that the server ended, and its next statement fails instead of the process', async () => {
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_ADMIN_URL, max: 1 });
    cleanups.push(() => pool.end());
    const errors: Error[] = [];
    const reported = new Promise<void>((resolve) => reportErrorsOfCheckedOutClients(pool, (error) => (errors.push(error), resolve())));
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await terminateBackend(pid);
    await reported;
    expect((errors[0] as Error & { code?: string }).code).toBe(SERVER_ENDED_SESSION);
    await expect(client.query('select 1')).rejects.toThrow();
    client.release(true);
    // The pool replaces the discarded connection.
    expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
  });

  it('tenant pools: work whose connection the server ends fails with the error, and the pool serves the next call', async () => {
    const errors: Error[] = [];
    const pools = createPgTenantPools({ maxConnections: 4, onPoolError: (error) => errors.push(error) });
    cleanups.push(() => pools.close());
    await expect(
      pools.withClient(TEST_POSTGRES_ADMIN_URL, async (client) => {
        const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        const ended = new Promise<void>((resolve) => client.once('error', () => resolve()));
        await terminateBackend(pid);
        await ended;
        return client.query('select 1');
      }),
    ).rejects.toThrow();
    expect(errors.map((error) => (error as Error & { code?: string }).code)).toContain(SERVER_ENDED_SESSION);
    expect(await pools.withClient(TEST_POSTGRES_ADMIN_URL, async (client) => (await client.query<{ one: number }>('select 1 as one')).rows[0]!.one)).toBe(1);
  });
});
