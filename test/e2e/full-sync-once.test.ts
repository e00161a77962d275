import { mkdtempSync, rmSync } from 'node:fs';
import { edgeStoresOf } from '../support/tally-testbed.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { loadConfig } from '../../src/config/load-config.js';
import { composeTally, type Tally } from '../../src/compose.js';
import { createLogger } from '../../src/platform/logger.js';
import type { TenantId } from '../../src/tenants/tenant.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

const WORKLOGS = 2000;
const SITES = 8;
const INTERVAL_SECONDS = 5;
const LIST = 'POST /rest/api/3/worklog/list';

/**
 * The 1,000-site run's finding, in small: sites installing at once queue `full` syncs at backfill
 * priority; the interval's `auto` syncs (higher priority) run first and do each fresh tenant's
 * whole full sync; the `full` still waiting must not read the site again.
 */
describe('full sync of many tenants installing at once', () => {
  it('reads every site’s worklogs exactly once, whatever the interval queues behind the install', { timeout: 120_000 }, async () => {
    const sites = new Map<string, Simulator>();
    const startMs = Date.UTC(2026, 10, 23, 8, 0, 0);
    const sims = Array.from({ length: SITES }, (_, i) => {
      const sim = createSimulator({ clock: 'manual', startMs, baseUrl: `https://site-${i}.atlassian.net`, generate: { worklogs: WORKLOGS, seed: `site-${i}` }, rateLimits: { enabled: false } });
      sites.set(new URL(sim.site.baseUrl).host, sim);
      return sim;
    });
    const advance = (ms: number) => {
      for (const sim of sims) sim.clock.advance(ms);
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-once-'));
    const config = loadConfig({
      TALLY_BASE_URL: 'https://tally.test',
      TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
      TALLY_DATA_DIR: dataDir,
      TALLY_LOG_LEVEL: 'silent',
      TALLY_SYNC_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
    });
    const tally: Tally = await composeTally(config, {
      clock: { nowMs: () => sims[0]!.clock.now() },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const sim = sites.get(new URL(request.url).host);
        if (!sim) throw new TypeError(`fetch failed: unknown host ${new URL(request.url).host}`);
        return sim.fetch(request);
      },
      sleep: async (ms) => advance(ms),
      logger: createLogger({ level: 'silent' }),
    });
    cleanup = async () => {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    tally.sync.start();
    const tenantOf = new Map<Simulator, TenantId>();
    for (const sim of sims) {
      const secret = `secret-${sim.site.baseUrl}-0123456789abcdef`;
      sim.site.registerApp({ key: config.appKey, clientKey: `ck-${sim.site.baseUrl}`, sharedSecret: secret, baseUrl: config.baseUrl, descriptor: {} });
      const { tenant } = await edgeStoresOf(tally, config, { nowMs: () => Date.now() }).connect.recordInstall({ clientKey: `ck-${sim.site.baseUrl}`, product: 'jira', baseUrl: sim.site.baseUrl, sharedSecret: secret });
      tenantOf.set(sim, tenant.id);
    }
    // Every site installs at once; the scheduler's first pass declares the interval.
    for (const sim of sims) tally.events.emit('installed', { tenantId: tenantOf.get(sim)!, created: true, reinstalled: false });
    await tally.scheduler.runDue();
    // The interval comes round while most installs' full syncs still wait in the queue, and again
    // until every tenant is synchronised.
    for (let round = 0; round < 20; round++) {
      advance(INTERVAL_SECONDS * 1000);
      expect(await tally.scheduler.runDue()).toContain('sync-incremental');
      await tally.queue.idle();
      const phases = await Promise.all(sims.map(async (sim) => (await (await tally.stores.open(tenantOf.get(sim)!)).getSyncState()).phase));
      if (phases.every((phase) => phase === 'incremental')) break;
    }
    const reads = [];
    for (const sim of sims) {
      const tenantId = tenantOf.get(sim)!;
      const stored = await (await tally.stores.open(tenantId)).countWorklogs();
      expect(stored).toBeGreaterThan(WORKLOGS * 0.9);
      // `/worklog/list` costs one point per call plus one per worklog returned: the worklogs read.
      const list = sim.limits.counters()[LIST]!;
      reads.push({ site: sim.site.baseUrl, stored, worklogsRead: list.points - list.calls });
    }
    // Once: about the site's worklogs (a few more: the incremental syncs' overlap). Before the fix
    // the tenants whose `auto` ran first read theirs twice (~3,800 here).
    expect(reads.map(({ site, stored, worklogsRead }) => ({ site, fullReads: Math.round(worklogsRead / stored) }))).toEqual(sims.map((sim) => ({ site: sim.site.baseUrl, fullReads: 1 })));
  });
});
