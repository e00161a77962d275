import { describeTenantStoreContract } from './tenant-store.contract.js';
import { createPostgresStoreTestbed } from './postgres-store-test-kit.js';

describeTenantStoreContract('postgres', async () => {
  const testbed = await createPostgresStoreTestbed();
  return {
    provider: testbed.provider(),
    reopen: async () => testbed.provider(),
    cleanup: () => testbed.cleanup(),
  };
});
