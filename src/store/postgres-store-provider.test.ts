import { afterAll, beforeAll } from 'vitest';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from './postgres-store-test-kit.js';
import { describeTenantStoreContract } from './tenant-store.contract.js';
import { describeWithPostgres } from '../../test/support/postgres.js';

// One control database for the file (each CREATE/DROP DATABASE costs about a second); every
// contract test uses fresh tenants, whose databases are dropped at the end.
let testbed: PostgresStoreTestbed;
beforeAll(async () => {
  testbed = await createPostgresStoreTestbed();
});
afterAll(() => testbed?.cleanup());

describeWithPostgres('the PostgreSQL store provider', () => {
  describeTenantStoreContract('postgres', async () => ({
    provider: testbed.provider(),
    reopen: async () => testbed.provider(),
    cleanup: () => testbed.closeProviders(),
  }));
});
