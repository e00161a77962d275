import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createTallyTestbed } from '../support/tally-testbed.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';

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

describeWithPostgres('shared points ledger as composed', () => {
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

  it('makes `tally sync` beside the server spend from the same ledger', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const bed = await createTallyTestbed({ env: { DATABASE_URL: database.url, TALLY_TENANT_STORE: 'sqlite' }, simulator: { generate: { worklogs: 200, seed: 'shared-points-cli' } } });
    try {
      bed.tally.sync.start();
      const installed = await bed.sim.connect.install(bed.descriptorUrl);
      if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
      await bed.tally.queue.idle();
      const tenantId = (await bed.registry.listInstalled())[0]!.id;
      // The server's reservation is its own: what the command spends must show on the ledger beyond it.
      const before = (await ledgerRows(database.url))[0]!.spent;
      const issue = [...bed.sim.site.issues.values()][0]!;
      bed.sim.site.createWorklog({ issueId: issue.id, authorId: bed.sim.generated!.users[0]!.accountId, comment: textToAdf('after the full sync'), startedMs: Date.UTC(2026, 10, 2, 9), timeSpentSeconds: 600 });
      bed.sim.clock.advance(61_000);
      const out: string[] = [];
      const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => {} } };
      expect(await runCli(['sync', tenantId], bed.config, bed.runtime, io)).toBe(0);
      expect(out.join('')).toContain(`Synced ${tenantId}`);
      const after = (await ledgerRows(database.url))[0]!.spent;
      expect(after).toBeGreaterThan(before);
    } finally {
      await bed.close();
    }
  });
});
