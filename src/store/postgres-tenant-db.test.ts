import { afterEach, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { findFreePort } from '../platform/free-port.js';
import { createPgTenantPools, type PgTenantPools } from './pg-tenant-pools.js';
import { migratePostgresTenantDb } from './postgres-tenant-db.js';

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
