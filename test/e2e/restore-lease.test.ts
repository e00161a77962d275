import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { Runtime } from '../../src/compose.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';
import { createTallyTestbed } from '../support/tally-testbed.js';

/*
 * Issue 14: `tally backup restore` beside a running server on PostgreSQL. A server's full sync
 * waiting for Jira between two pages holds no database connection (its idle ones close after
 * 30 s), so the restore's "is the database in use?" check let a restore through in that window,
 * and the sync's next page carried its cursor over the restored data: the pages in between were
 * never fetched again. The restore now holds the tenant's lease, as the server's jobs do.
 */

const databases: TestPostgresDatabase[] = [];
afterAll(async () => {
  for (const database of databases) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
});

/** Client sessions connected to the tenant's database now, anyone's. */
async function sessionsOn(controlUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: controlUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [database]);
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** A promise and its resolve (Promise.withResolvers needs Node 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } }, out: () => out.join(''), err: () => err.join('') };
}

describeWithPostgres('tally backup restore beside a server on PostgreSQL', () => {
  it('waits, saying so, while a server sync holds the tenant between two pages, then restores; the site still converges to the simulator\'s data', { timeout: 240_000 }, async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    // The server's sync is held inside its job (so inside its lease) at a chosen /worklog/list request.
    let listRequests = 0;
    let holdAt = 4;
    let release = () => {};
    let held = signal();
    const bed = await createTallyTestbed({
      // The feed from the start (bulk): each page of 20 commits with its cursor, so a hold at the
      // fourth leaves three pages stored (issue by issue, rows commit a thousand at a time).
      env: { DATABASE_URL: database.url, TALLY_BACKFILL_STRATEGY: 'bulk' },
      simulator: { generate: { worklogs: 1200, seed: 'restore-lease' }, behaviour: { pageSize: 20 } },
      wrapFetch: (fetch): Runtime['fetch'] => async (input, init) => {
        if (new URL(input instanceof Request ? input.url : String(input)).pathname.endsWith('/worklog/list') && ++listRequests === holdAt) {
          const released = new Promise<void>((resolve) => (release = resolve));
          held.resolve();
          await released;
        }
        return fetch(input, init);
      },
    });
    try {
      bed.tally.sync.start();
      const installed = await bed.sim.connect.install(bed.descriptorUrl);
      if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
      const tenantId = (await bed.connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id;

      // A backup of the first three pages, taken while the server is held before its fourth.
      await held.promise;
      const created = captureIo();
      expect(await runCli(['backup', 'create', '--tenant', tenantId, '--json'], bed.config, bed.runtime, created.io)).toBe(0);
      const backup = JSON.parse(created.out()) as { backupId: string; worklogs: number };
      expect(backup.worklogs).toBeGreaterThan(0);

      // The server syncs on and is held again, between its ninth and tenth page, past the backup.
      held = signal();
      holdAt = 10;
      release();
      await held.promise;
      // Waiting for Jira, the sync holds no connection: its pool's idle ones close after 30 s.
      await expect.poll(() => sessionsOn(database.url, `tally_${tenantId}`), { timeout: 60_000, interval: 500 }).toBe(0);

      const restore = captureIo();
      let restoreSettled = false;
      const restoring = runCli(['backup', 'restore', '--tenant', tenantId, '--backup', backup.backupId], bed.config, bed.runtime, restore.io).finally(() => (restoreSettled = true));
      await expect.poll(() => restore.err(), { timeout: 30_000, interval: 20 }).toContain(`tenant ${tenantId} is busy`);
      expect(restoreSettled).toBe(false);

      // The server's turn ends, the restore runs, and the server's next turn continues from the restored cursor.
      holdAt = Number.POSITIVE_INFINITY;
      release();
      expect(await restoring).toBe(0);
      expect(restore.out()).toContain(`Restored ${tenantId} from backup ${backup.backupId}: ${backup.worklogs} worklogs`);
      // The server's turn had just written pages: the restore waited for its idle connections instead of refusing.
      expect(restore.err()).toContain(`tenant ${tenantId}'s database still has connections of another process`);
      await bed.tally.queue.idle();

      const store = await bed.tally.stores.open(tenantId);
      expect(describeDifference(visibleSetOf(bed.sim, bed.config.appKey), await storedSetOf(store))).toBe('missing 0 [], extra 0 [], different 0 []');
    } finally {
      release();
      await bed.close();
    }
  });
});
