import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/create-simulator.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createApp } from '../../src/http/create-app.js';
import { createInstallKeyProvider } from '../../src/connect/install-keys.js';
import { openControlDb, type ControlDb } from '../../src/tenants/control-db.js';
import { createSecretBox } from '../../src/tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../src/tenants/sql-tenant-registry.js';
import { createSqlAuditLog, type AuditLog } from '../../src/tenants/audit-log.js';
import { createTenantEvents, type TenantEventMap } from '../../src/tenants/tenant-events.js';
import type { TenantRegistry } from '../../src/tenants/tenant-registry.js';
import { createLogger } from '../../src/platform/logger.js';
import type { Clock } from '../../src/platform/clock.js';

/** An event Tally emitted, as recorded by the testbed. */
export type RecordedEvent = { [K in keyof TenantEventMap]: { type: K; payload: TenantEventMap[K] } }[keyof TenantEventMap];

/** Tally wired in-process to a simulated Jira site: the site installs Tally through its fetch. */
export interface TallyTestbed {
  sim: Simulator;
  config: Config;
  app: ReturnType<typeof createApp>;
  registry: TenantRegistry;
  audit: AuditLog;
  control: ControlDb;
  events: RecordedEvent[];
  /** Every log line Tally wrote, for the secret-leak scan. */
  logLines: string[];
  /** Tally's descriptor URL, as the site fetches it. */
  descriptorUrl: string;
  close(): Promise<void>;
}

/** Options of {@link createTallyTestbed}. */
export interface TallyTestbedOptions {
  simulator?: Partial<SimulatorOptions>;
  env?: Record<string, string>;
}

/**
 * Builds Tally (real SQLite control database in a temp dir, real install-key fetching from the
 * simulator, real JWT checks) and a simulator whose Connect host calls Tally in-process. Both
 * share the simulator's clock, so tests can move time for both.
 */
export async function createTallyTestbed(options: TallyTestbedOptions = {}): Promise<TallyTestbed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-test-'));
  const holder: { app?: ReturnType<typeof createApp> } = {};
  const sim = createSimulator({
    clock: 'manual',
    generate: { worklogs: 40 },
    ...options.simulator,
    appFetch: async (input, init) => (holder.app as ReturnType<typeof createApp>).fetch(new Request(input, init)),
  });
  const config = loadConfig({
    TALLY_BASE_URL: 'https://tally.test',
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
    TALLY_LOG_LEVEL: 'debug',
    ...options.env,
  });
  const clock: Clock = { nowMs: () => sim.clock.now() };
  const logLines: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const control = await openControlDb({ dataDir });
  const registry = createSqlTenantRegistry({ db: control.db, secretBox: createSecretBox(config.secretKey as Buffer), clock });
  const recorded: RecordedEvent[] = [];
  const events = createTenantEvents((error) => {
    throw error;
  });
  for (const type of ['installed', 'uninstalled', 'enabledChanged', 'worklogWebhook'] as const) {
    events.on(type, (payload) => recorded.push({ type, payload } as RecordedEvent));
  }
  const audit = createSqlAuditLog({ db: control.db, clock });
  const app = createApp({
    config,
    clock,
    logger,
    registry,
    installKeys: createInstallKeyProvider({ baseUrl: config.installKeysUrl, fetch: sim.fetch }),
    events,
    audit,
    isReady: async () => {
      await sql`select 1`.execute(control.db);
      return true;
    },
  });
  holder.app = app;
  return {
    sim,
    config,
    app,
    registry,
    audit,
    control,
    events: recorded,
    logLines,
    descriptorUrl: `${config.baseUrl}/atlassian-connect.json`,
    close: async () => {
      await control.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
