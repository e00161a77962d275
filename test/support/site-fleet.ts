import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { composeTally, type Tally } from '../../src/compose.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createConnectInstallationStore } from '../../src/edges/jira-connect/connect-installation-store.js';
import { createLogger } from '../../src/platform/logger.js';
import { createSecretBox } from '../../src/tenants/secret-box.js';
import type { TenantId } from '../../src/tenants/tenant.js';

/** Many simulated Jira sites with Tally installed on each, all served by one composed Tally. */
export interface SiteFleet {
  sims: Simulator[];
  tally: Tally;
  config: Config;
  /** Each site's tenant, registered as a Connect installation (no event emitted yet). */
  tenantOf: Map<Simulator, TenantId>;
  /** Moves every site's clock (Tally runs on the first one's; its sleeps move them all). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Options of {@link createSiteFleet}. */
export interface SiteFleetOptions {
  sites: number;
  worklogsPerSite: number;
  intervalSeconds: number;
  /** Seeds are `<seedPrefix>-<i>`: the same prefix gives the same fleet. */
  seedPrefix: string;
}

/**
 * N sites of generated worklogs (manual clocks, rate limits off, points still counted by each
 * simulator), one Tally composed on their requests routed by host, each site registered as a
 * Connect installation with the sync service started — what the fleet test and `bench:fleet`
 * share. Nothing is synchronised until the caller emits the installs or queues syncs.
 */
export async function createSiteFleet(options: SiteFleetOptions): Promise<SiteFleet> {
  const startMs = Date.UTC(2026, 10, 23, 8, 0, 0);
  const byHost = new Map<string, Simulator>();
  const sims = Array.from({ length: options.sites }, (_, i) => {
    const sim = createSimulator({ clock: 'manual', startMs, baseUrl: `https://site-${i}.atlassian.net`, generate: { worklogs: options.worklogsPerSite, seed: `${options.seedPrefix}-${i}` }, rateLimits: { enabled: false } });
    byHost.set(new URL(sim.site.baseUrl).host, sim);
    return sim;
  });
  const advance = (ms: number) => {
    for (const sim of sims) sim.clock.advance(ms);
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-fleet-'));
  const secretKey = randomBytes(32);
  const config = loadConfig({
    TALLY_BASE_URL: 'https://tally.test',
    TALLY_SECRET_KEY: secretKey.toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_LOG_LEVEL: 'silent',
    TALLY_SYNC_INTERVAL_SECONDS: String(options.intervalSeconds),
    TALLY_PARSE_THREADS: '0',
  });
  const tally = await composeTally(config, {
    clock: { nowMs: () => sims[0]!.clock.now() },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const sim = byHost.get(new URL(request.url).host);
      if (!sim) throw new TypeError(`fetch failed: unknown host ${new URL(request.url).host}`);
      return sim.fetch(request);
    },
    sleep: async (ms) => advance(ms),
    logger: createLogger({ level: 'silent' }),
  });
  const close = async () => {
    await tally.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const connect = createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(secretKey) });
    tally.sync.start();
    const tenantOf = new Map<Simulator, TenantId>();
    for (const sim of sims) {
      const clientKey = `ck-${sim.site.baseUrl}`;
      const sharedSecret = `secret-${sim.site.baseUrl}-0123456789abcdef`;
      sim.site.registerApp({ key: config.appKey, clientKey, sharedSecret, baseUrl: config.baseUrl, descriptor: {} });
      tenantOf.set(sim, (await connect.recordInstall({ clientKey, product: 'jira', baseUrl: sim.site.baseUrl, sharedSecret })).tenant.id);
    }
    return { sims, tally, config, tenantOf, advance, close };
  } catch (error) {
    await close();
    throw error;
  }
}
