import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/create-simulator.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { composeTally, type Runtime, type Tally } from '../../src/compose.js';
import type { TenantEventMap } from '../../src/tenants/tenant-events.js';
import { createSecretBox } from '../../src/tenants/secret-box.js';
import { createConnectInstallationStore, type ConnectInstallationStore } from '../../src/edges/jira-connect/connect-installation-store.js';
import { createForgeInstallationStore, type ForgeInstallationStore } from '../../src/edges/jira-forge/forge-installation-store.js';
import { captureLog } from './captured-log.js';

/** An event Tally emitted, as recorded by the testbed. */
export type RecordedEvent = { [K in keyof TenantEventMap]: { type: K; payload: TenantEventMap[K] } }[keyof TenantEventMap];

/** Tally, composed exactly as in production, wired in-process to a simulated Jira site. */
export interface TallyTestbed {
  sim: Simulator;
  config: Config;
  /** The runtime Tally runs on (simulator clock, in-process fetch, virtual sleep). */
  runtime: Runtime;
  tally: Tally;
  app: Tally['app'];
  registry: Tally['registry'];
  audit: Tally['audit'];
  control: Tally['control'];
  /** The Connect edge's installation records (client keys, secrets) of this Tally. */
  connect: ConnectInstallationStore;
  /** The Forge edge's installation records of this Tally. */
  forge: ForgeInstallationStore;
  events: RecordedEvent[];
  /** Every log line Tally wrote, for the secret-leak scan. */
  logLines: string[];
  /** Tally's descriptor URL, as the site fetches it. */
  descriptorUrl: string;
  /**
   * Closes this Tally and composes a new one on the same data directory, configuration and
   * simulator, as a process restart would (`tally`, `app`, `registry`, … then refer to the new one).
   */
  restart(hooks?: TallyTestbedOptions['hooks']): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createTallyTestbed}. */
export interface TallyTestbedOptions {
  simulator?: Partial<SimulatorOptions>;
  env?: Record<string, string>;
  /** Hooks passed to composeTally (each composition, restarts included). */
  hooks?: Parameters<typeof composeTally>[2];
  /** Wraps Tally's fetch to the simulator (e.g. to act in the middle of a sync). */
  wrapFetch?: (fetch: Runtime['fetch']) => Runtime['fetch'];
}

/**
 * Builds Tally with `composeTally` (real SQLite databases in a temp dir, real install-key
 * fetching, real JWT checks, the real Jira client and sync) and a simulator whose Connect host
 * calls Tally in-process. Tally runs on the simulator's clock; its sleeps move that clock
 * (virtual time), so Retry-After waits and rate-limit pauses cost no real time.
 */
export async function createTallyTestbed(options: TallyTestbedOptions = {}): Promise<TallyTestbed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-test-'));
  const holder: { tally?: Tally } = {};
  const sim = createSimulator({
    clock: 'manual',
    generate: { worklogs: 40 },
    ...options.simulator,
    appFetch: async (input, init) => (holder.tally as Tally).app.fetch(new Request(input, init)),
  });
  const config = loadConfig({
    TALLY_BASE_URL: 'https://tally.test',
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
    TALLY_LOG_LEVEL: 'debug',
    // The Forge edge is on: the simulator's Forge side signs for this app (its JWKS URL is the default).
    TALLY_FORGE_APP_ID: sim.forge.appId,
    ...options.env,
  });
  const log = captureLog(config.logLevel);
  const runtime: Runtime = {
    clock: { nowMs: () => sim.clock.now() },
    fetch: options.wrapFetch ? options.wrapFetch(sim.fetch) : sim.fetch,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sim.clock.advance(ms);
    },
    logger: log.logger,
  };
  const tally = await composeTally(config, runtime, options.hooks);
  holder.tally = tally;
  // As main.ts does: on PostgreSQL the jobs run on pg-boss, whose workers start here (in process: nothing to start).
  await tally.queue.start();
  const edgeStores = (composed: Tally) => edgeStoresOf(composed, config, runtime.clock);
  const recorded: RecordedEvent[] = [];
  const record = (composed: Tally) => {
    for (const type of ['installed', 'uninstalled', 'enabledChanged', 'worklogWebhook'] as const) {
      composed.events.on(type, (payload) => recorded.push({ type, payload } as RecordedEvent));
    }
  };
  record(tally);
  const bed: TallyTestbed = {
    sim,
    config,
    runtime,
    tally,
    app: tally.app,
    registry: tally.registry,
    audit: tally.audit,
    control: tally.control,
    ...edgeStores(tally),
    events: recorded,
    logLines: log.lines,
    descriptorUrl: `${config.baseUrl}/atlassian-connect.json`,
    async restart(hooks = options.hooks) {
      await bed.tally.close();
      const next = await composeTally(config, runtime, hooks);
      holder.tally = next;
      await next.queue.start();
      record(next);
      Object.assign(bed, { tally: next, app: next.app, registry: next.registry, audit: next.audit, control: next.control, ...edgeStores(next) });
    },
    close: async () => {
      await bed.tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return bed;
}

/** The Connect and Forge edges' installation stores over a composed Tally's control database (tests read and seed them). */
export function edgeStoresOf(tally: Pick<Tally, 'control' | 'registry'>, config: Config, clock: Runtime['clock']): { connect: ConnectInstallationStore; forge: ForgeInstallationStore } {
  if (!config.secretKey) throw new Error('edgeStoresOf: the configuration has no TALLY_SECRET_KEY');
  return {
    connect: createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(config.secretKey) }),
    forge: createForgeInstallationStore({ db: tally.control.db, registry: tally.registry, clock }),
  };
}
