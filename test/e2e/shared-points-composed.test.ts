import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTallyTestbed } from '../support/tally-testbed.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../support/postgres.js';

/*
 * Issue 14: on PostgreSQL the composition root hands the Jira coordinator the shared points
 * ledger (docs/shared-points.md), so several instances spend one hourly budget; on SQLite it does
 * not (one instance, the in-process pool as before). The ledger's own guarantees are tested in
 * src/jira/shared-points-*.test.ts; this proves the wiring.
 */
const databases: TestPostgresDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function ledgerRows(url: string): Promise<{ spent: number }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ spent: string }>('select spent from jira_points_hours')).rows.map((row) => ({ spent: Number(row.spent) }));
  } finally {
    await client.end();
  }
}

describe('shared points ledger as composed', () => {
  it('spends the sync\'s points through the PostgreSQL ledger, and gives the unspent reservation back on close', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const bed = await createTallyTestbed({ env: { DATABASE_URL: database.url, TALLY_TENANT_STORE: 'sqlite' }, simulator: { generate: { worklogs: 800, seed: 'shared-points' } } });
    bed.tally.sync.start();
    let closed = false;
    try {
      const installed = await bed.sim.connect.install(bed.descriptorUrl);
      if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
      await bed.tally.queue.idle();
      expect(await bed.tally.stores.open((await bed.registry.listInstalled())[0]!.id).then((store) => store.countWorklogs())).toBeGreaterThan(0);
      const during = await ledgerRows(database.url);
      expect(during).toHaveLength(1);
      expect(during[0]!.spent).toBeGreaterThan(0);
      await bed.close();
      closed = true;
      const after = await ledgerRows(database.url);
      // Reservations are taken in chunks; what this instance did not spend went back on close.
      expect(after[0]!.spent).toBeGreaterThan(0);
      expect(after[0]!.spent).toBeLessThanOrEqual(during[0]!.spent);
    } finally {
      if (!closed) await bed.close();
    }
  });
});
