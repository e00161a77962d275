import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { composeTally, type Runtime, type Tally } from '../../src/compose.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { FAST_SETTINGS } from '../../src/jobs/pgboss-test-kit.js';
import { createLogger } from '../../src/platform/logger.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';
import { createTallyTestbed, edgeStoresOf } from '../support/tally-testbed.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';

/*
 * Issue 14: with DATABASE_URL the composed Tally runs its jobs on pg-boss in the control database
 * (src/compose/job-queue.ts). What is checked here comes from outside the queue: the simulator's
 * data, and the requests each instance sent to the sites (recorded at its fetch), never the
 * queue's own bookkeeping.
 */

const databases: TestPostgresDatabase[] = [];
afterAll(async () => {
  for (const database of databases) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
});

async function freshDatabase(): Promise<TestPostgresDatabase> {
  const database = await createTestPostgresDatabase();
  databases.push(database);
  return database;
}

async function queryRows<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** One request a Tally instance sent to a site: which instance, which site, when it left and when its answer came. */
interface SentRequest {
  instance: string;
  host: string;
  path: string;
  startMs: number;
  endMs: number;
}

/** Pairs of requests to one site from two instances whose times overlap: what "one writer per tenant" forbids. */
function overlapsAcrossInstances(requests: readonly SentRequest[]): string[] {
  const found: string[] = [];
  const byHost = new Map<string, SentRequest[]>();
  for (const request of requests) byHost.set(request.host, [...(byHost.get(request.host) ?? []), request]);
  for (const [host, list] of byHost) {
    const sorted = [...list].sort((a, b) => a.startMs - b.startMs);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j]!.startMs < sorted[i]!.endMs; j++) {
        if (sorted[j]!.instance !== sorted[i]!.instance) found.push(`${host}: ${sorted[i]!.instance} ${sorted[i]!.path} overlaps ${sorted[j]!.instance} ${sorted[j]!.path}`);
      }
    }
  }
  return found;
}

describeWithPostgres('jobs on pg-boss, as composed', () => {
  it('runs a tenant\'s sync through pg-boss to exactly the simulator\'s data, and the uninstall leaves no job row naming the tenant', async () => {
    const database = await freshDatabase();
    // The feed from the start (bulk): its pages of 20 make a turn of 25 pages 500 worklogs, so the sync takes several jobs.
    const bed = await createTallyTestbed({ env: { DATABASE_URL: database.url, TALLY_BACKFILL_STRATEGY: 'bulk' }, simulator: { generate: { worklogs: 900, seed: 'pgboss-composed' }, behaviour: { pageSize: 20 } } });
    try {
      expect(bed.tally.queue.mechanism).toBe('pg-boss');
      bed.tally.sync.start();
      const installed = await bed.sim.connect.install(bed.descriptorUrl);
      if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
      const tenantId = (await bed.connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id;
      await bed.tally.queue.idle();

      const store = await bed.tally.stores.open(tenantId);
      expect(describeDifference(visibleSetOf(bed.sim, bed.config.appKey), await storedSetOf(store))).toBe('missing 0 [], extra 0 [], different 0 []');
      // The sync ran as pg-boss jobs: 900 worklogs in pages of 20 take more than one turn of 25 pages.
      const jobs = await queryRows<{ kind: string; state: string }>(database.url, `select data->>'kind' as kind, state from pgboss.job where singleton_key = $1`, [tenantId]);
      expect(jobs.filter((job) => job.kind === 'sync' && job.state === 'completed').length).toBeGreaterThan(1);

      await bed.sim.connect.uninstall();
      await bed.tally.queue.idle();
      expect(await bed.registry.findTenant(tenantId)).toMatchObject({ purgeStep: 'done' });
      // The purge's last step forgets the tenant's jobs, the purge's own row included.
      const left = await queryRows(database.url, `select id, state, data->>'kind' as kind from pgboss.job where singleton_key = $1 or data::text like $2`, [tenantId, `%${tenantId}%`]);
      expect(left).toEqual([]);
    } finally {
      await bed.close();
    }
  });

  it('shares the work between two instances, counts the fleet\'s waiting jobs in either one\'s /metrics, never syncs one site from both at once, and hands a stopping instance\'s job to the other', { timeout: 120_000 }, async () => {
    const database = await freshDatabase();
    const startMs = Date.UTC(2026, 10, 23, 8, 0, 0);
    const sims = Array.from({ length: 6 }, (_, i) =>
      createSimulator({ clock: 'manual', startMs, baseUrl: `https://pgboss-${i}.atlassian.net`, generate: { worklogs: 500, seed: `pgboss-share-${i}` }, behaviour: { pageSize: 20 }, rateLimits: { enabled: false } }),
    );
    const byHost = new Map(sims.map((sim) => [new URL(sim.site.baseUrl).host, sim] as const));
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-pgboss-'));
    const secretKey = randomBytes(32);
    const config: Config = loadConfig({
      TALLY_BASE_URL: 'https://tally.test',
      TALLY_SECRET_KEY: secretKey.toString('base64'),
      TALLY_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      TALLY_LOG_LEVEL: 'silent',
      TALLY_PARSE_THREADS: '0',
    });
    const sent: SentRequest[] = [];
    let stopA: (() => void) | undefined;
    // Each instance's requests to the sites, as the sites would log them; instance a stops itself
    // (a graceful shutdown) while one of its syncs waits for the answer to its 30th request.
    const runtimeOf = (instance: string): Runtime => ({
      clock: { nowMs: () => sims[0]!.clock.now() },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const host = new URL(request.url).host;
        const sim = byHost.get(host);
        if (!sim) throw new TypeError(`fetch failed: unknown host ${host}`);
        const entry: SentRequest = { instance, host, path: new URL(request.url).pathname, startMs: performance.now(), endMs: Infinity };
        sent.push(entry);
        if (instance === 'a' && sent.filter((r) => r.instance === 'a').length === 30) stopA?.();
        try {
          return await sim.fetch(request);
        } finally {
          entry.endMs = performance.now();
        }
      },
      sleep: async (ms) => {
        for (const sim of sims) sim.clock.advance(ms);
      },
      logger: createLogger({ level: process.env.TALLY_TEST_LOG ?? 'silent' }),
    });
    const options = { jobQueue: { pgBoss: FAST_SETTINGS } };
    const a: Tally = await composeTally(config, runtimeOf('a'), {}, options);
    const b: Tally = await composeTally(config, runtimeOf('b'), {}, options);
    let aClosed: Promise<void> | undefined;
    const tenants: TenantId[] = [];
    try {
      expect([a.queue.mechanism, b.queue.mechanism]).toEqual(['pg-boss', 'pg-boss']);
      const connect = edgeStoresOf(a, config, { nowMs: () => Date.now() }).connect;
      for (const sim of sims) {
        const clientKey = `ck-${sim.site.baseUrl}`;
        const sharedSecret = `secret-${sim.site.baseUrl}-0123456789abcdef`;
        sim.site.registerApp({ key: config.appKey, clientKey, sharedSecret, baseUrl: config.baseUrl, descriptor: {} });
        tenants.push((await connect.recordInstall({ clientKey, product: 'jira', baseUrl: sim.site.baseUrl, sharedSecret })).tenant.id);
      }
      // Queued on one instance before either takes work; then both start at once.
      for (const tenantId of tenants) a.sync.requestSync(tenantId, 'full');
      await a.queue.flush?.();
      // `/metrics` of the other instance counts them: the queue's depth is the fleet's, read from pg-boss.
      expect(await b.metrics.render()).toMatch(new RegExp(`^tally_jobs_waiting\\{kind="sync"\\} ${tenants.length}$`, 'm'));
      stopA = () => {
        stopA = undefined;
        // Not awaited here: the stop waits for this very request's handler to return.
        setImmediate(() => (aClosed = a.close()));
      };
      await Promise.all([a.queue.start(), b.queue.start()]);
      // A boolean, not the promise: expect.poll would wait for the promise itself.
      await expect.poll(() => aClosed !== undefined, { timeout: 60_000, interval: 50 }).toBe(true);
      await aClosed;
      await b.queue.idle();

      for (const [i, sim] of sims.entries()) {
        const store = await b.stores.open(tenants[i]!);
        expect(describeDifference(visibleSetOf(sim, config.appKey), await storedSetOf(store)), sim.site.baseUrl).toBe('missing 0 [], extra 0 [], different 0 []');
      }
      expect(overlapsAcrossInstances(sent)).toEqual([]);
      // Both took work, and the site a was in the middle of when it stopped was finished by b.
      const fromA = sent.filter((request) => request.instance === 'a');
      expect(fromA.length).toBeGreaterThanOrEqual(30);
      expect(sent.filter((request) => request.instance === 'b').length).toBeGreaterThan(0);
      const interrupted = fromA.at(-1)!;
      expect(sent.some((request) => request.instance === 'b' && request.host === interrupted.host && request.startMs > interrupted.endMs)).toBe(true);
    } finally {
      await (aClosed ?? a.close());
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
