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

/**
 * Several sites share one Tally (and one points budget). A large site's backfill must not starve
 * small sites: backfills yield after each turn and incremental work goes first.
 */
describe('sync fairness across tenants', () => {
  it('finishes every small site while large backfills are still under way', { timeout: 120_000 }, async () => {
    const sites = new Map<string, Simulator>();
    const startMs = Date.UTC(2026, 10, 23, 8, 0, 0);
    const makeSite = (name: string, worklogs: number) => {
      const sim = createSimulator({ clock: 'manual', startMs, baseUrl: `https://${name}.atlassian.net`, generate: { worklogs, seed: name }, rateLimits: { enabled: false } });
      sites.set(new URL(sim.site.baseUrl).host, sim);
      return sim;
    };
    // Two large sites can fill both of the queue's lanes: without turn-taking, every small site
    // would wait for both backfills to finish.
    const bigSites = [makeSite('big-corp', 60_000), makeSite('huge-corp', 60_000)];
    const small = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((name) => makeSite(name, 400));
    const nowMs = () => bigSites[0]!.clock.now();
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-fair-'));
    const config = loadConfig({ TALLY_BASE_URL: 'https://tally.test', TALLY_SECRET_KEY: randomBytes(32).toString('base64'), TALLY_DATA_DIR: dataDir, TALLY_LOG_LEVEL: 'silent', TALLY_JIRA_POINTS_PER_HOUR: '5000000' });
    const finished: TenantId[] = [];
    const tally: Tally = await composeTally(config, {
      clock: { nowMs },
      // Each site answers its own host, as separate Atlassian sites do.
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const sim = sites.get(new URL(request.url).host);
        if (!sim) throw new TypeError(`fetch failed: unknown host ${new URL(request.url).host}`);
        return sim.fetch(request);
      },
      sleep: async (ms) => {
        for (const sim of sites.values()) sim.clock.advance(ms);
      },
      logger: createLogger({ level: 'silent' }),
    }, {
      onSyncOutcome: (tenantId, outcome) => {
        if (outcome.status === 'synced' && !finished.includes(tenantId)) finished.push(tenantId);
      },
    });
    cleanup = async () => {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    const tenantOf = new Map<Simulator, TenantId>();
    for (const sim of [...bigSites, ...small]) {
      const secret = `secret-${sim.site.baseUrl}-0123456789abcdef`;
      sim.site.registerApp({ key: config.appKey, clientKey: `ck-${sim.site.baseUrl}`, sharedSecret: secret, baseUrl: config.baseUrl, descriptor: {} });
      const { tenant } = await edgeStoresOf(tally, config, { nowMs: () => Date.now() }).connect.recordInstall({ clientKey: `ck-${sim.site.baseUrl}`, product: 'jira', baseUrl: sim.site.baseUrl, sharedSecret: secret });
      tenantOf.set(sim, tenant.id);
    }
    // The large sites ask first.
    for (const sim of bigSites) tally.sync.requestSync(tenantOf.get(sim)!, 'full');
    for (const sim of small) tally.sync.requestSync(tenantOf.get(sim)!, 'full');
    await tally.queue.idle();
    const order = finished;
    expect(order).toHaveLength(7);
    // Every small site finished before either large one did.
    expect(new Set(order.slice(5))).toEqual(new Set(bigSites.map((sim) => tenantOf.get(sim))));
    for (const sim of bigSites) expect(await (await tally.stores.open(tenantOf.get(sim)!)).countWorklogs()).toBeGreaterThan(55_000);
  });
});
