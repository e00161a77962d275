import { afterEach, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { findFreePort } from '../platform/free-port.js';
import { createPgTenantPools, type PgTenantPools } from './pg-tenant-pools.js';
import { isPostgresTenantDbCurrent, migratePostgresTenantDb } from './postgres-tenant-db.js';

let pools: PgTenantPools | undefined;
afterEach(async () => {
  await pools?.close();
  pools = undefined;
});

// A job whose migration met "too many clients" was dead-lettered as a broken migration; an
// unreachable server is a retryable STORE_UNAVAILABLE, as for every other statement.
it('a migration that cannot reach its server fails with the retryable STORE_UNAVAILABLE, not STORE_MIGRATION_FAILED', async () => {
  pools = createPgTenantPools({ maxConnections: 2 });
  const port = await findFreePort();
  const failure = await migratePostgresTenantDb(pools, `postgres://tally@127.0.0.1:${port}/tally_t_unreachable`, 'tally_t_unreachable').catch((error: unknown) => error);
  expect(isAppError(failure, 'STORE_UNAVAILABLE')).toBe(true);
  expect(failure).toMatchObject({ retryable: true });
});

// Under "too many clients" the open's one-statement check failed and the open went on to the full
// path, which asks the same full server for an administrative connection to CREATE DATABASE.
it('the current-database check answers STORE_UNAVAILABLE for a server it cannot reach, instead of sending the open down the create-and-migrate path', async () => {
  pools = createPgTenantPools({ maxConnections: 2 });
  const port = await findFreePort();
  const failure = await isPostgresTenantDbCurrent(pools, `postgres://tally@127.0.0.1:${port}/tally_t_unreachable`, ['001_initial']).catch((error: unknown) => error);
  expect(isAppError(failure, 'STORE_UNAVAILABLE')).toBe(true);
});
