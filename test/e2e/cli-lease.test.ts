import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { Runtime } from '../../src/compose.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';
import { createTallyTestbed } from '../support/tally-testbed.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';

/*
 * Issue 14: `tally sync` beside a running server on PostgreSQL takes the tenant's lease, the one
 * the server's pg-boss jobs hold, so the two never read one site at once (before, the CLI could
 * re-read the pages a server job was reading). Who sent what is recorded at each side's fetch.
 */

const databases: TestPostgresDatabase[] = [];
afterAll(async () => {
  for (const database of databases) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
});

interface SentRequest {
  by: 'server' | 'cli';
  path: string;
  startMs: number;
  endMs: number;
}

describeWithPostgres('tally sync beside a server on PostgreSQL', () => {
  it('waits, saying so, while a server job holds the tenant, then syncs to exactly the simulator\'s data without overlapping it', { timeout: 120_000 }, async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const sent: SentRequest[] = [];
    // The server's sync job is held in the middle of its full sync (inside its lease) until released.
    let holdServer: Promise<void> | undefined;
    let releaseServer = () => {};
    let serverHeld = () => {};
    const serverIsHeld = new Promise<void>((resolve) => (serverHeld = resolve));
    const recording = (by: SentRequest['by'], fetch: Runtime['fetch']): Runtime['fetch'] => async (input, init) => {
      const entry: SentRequest = { by, path: new URL(input instanceof Request ? input.url : String(input)).pathname, startMs: performance.now(), endMs: Infinity };
      sent.push(entry);
      try {
        // A request for worklog bodies: `/worklog/list` (the feed) or an issue's worklogs (issue by issue).
        if (by === 'server' && holdServer && /\/worklog\/list$|\/issue\/\d+\/worklog$/.test(entry.path)) {
          serverHeld();
          await holdServer;
        }
        return await fetch(input, init);
      } finally {
        entry.endMs = performance.now();
      }
    };
    const bed = await createTallyTestbed({
      env: { DATABASE_URL: database.url },
      simulator: { generate: { worklogs: 1200, seed: 'cli-lease' }, behaviour: { pageSize: 20 } },
      wrapFetch: (fetch) => recording('server', fetch),
    });
    try {
      holdServer = new Promise<void>((resolve) => (releaseServer = resolve));
      bed.tally.sync.start();
      const installed = await bed.sim.connect.install(bed.descriptorUrl);
      if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
      const tenantId = (await bed.connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id;
      await serverIsHeld;

      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };
      const cliRuntime: Runtime = { ...bed.runtime, fetch: recording('cli', bed.sim.fetch) };
      const cli = runCli(['sync', tenantId], bed.config, cliRuntime, io);
      await expect.poll(() => err.join(''), { timeout: 30_000, interval: 20 }).toContain(`tenant ${tenantId} is busy`);
      // Waiting means not one request to the site.
      expect(sent.filter((request) => request.by === 'cli')).toEqual([]);

      holdServer = undefined;
      releaseServer();
      expect(await cli).toBe(0);
      expect(out.join('')).toContain(`Synced ${tenantId}`);
      await bed.tally.queue.idle();

      const store = await bed.tally.stores.open(tenantId);
      expect(describeDifference(visibleSetOf(bed.sim, bed.config.appKey), await storedSetOf(store))).toBe('missing 0 [], extra 0 [], different 0 []');
      // Both read the site, never at the same time: the CLI's steps and the server's turns took turns.
      const byCli = sent.filter((request) => request.by === 'cli');
      const byServer = sent.filter((request) => request.by === 'server');
      expect(byCli.length).toBeGreaterThan(0);
      const overlapping = byCli.filter((c) => byServer.some((s) => c.startMs < s.endMs && s.startMs < c.endMs));
      expect(overlapping).toEqual([]);
      // The server's held job had read part of the site: its first request came before the CLI's first.
      expect(byServer[0]!.startMs).toBeLessThan(byCli[0]!.startMs);
    } finally {
      releaseServer();
      await bed.close();
    }
  });
});
