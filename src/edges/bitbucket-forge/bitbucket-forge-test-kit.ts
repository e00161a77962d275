/**
 * TEST FIXTURE (imported by `*.test.ts` only): the Bitbucket Forge edge served over loopback HTTP
 * on a real control database, with the real core pieces (tenant registry, Bitbucket installations
 * registry, Bitbucket REST client) and the simulated Bitbucket Cloud (`bb.forge` included)
 * listening on loopback too. Only Atlassian is simulated.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { createBitbucketSimulator, type BitbucketSimulator, type BitbucketSimulatorOptions } from '../../../simulator/bitbucket/create-bitbucket-simulator.js';
import { createBitbucketApi } from '../../bitbucket/bitbucket-client.js';
import type { BitbucketInstallations } from '../../bitbucket/bitbucket-installations.js';
import type { BitbucketLogWork } from '../../bitbucket/bitbucket-log-work.js';
import type { BitbucketTimeService } from '../../bitbucket/bitbucket-time-ports.js';
import { createSqlBitbucketInstallations } from '../../bitbucket/sql-bitbucket-installations.js';
import { loadConfig, type Config } from '../../config/load-config.js';
import { createErrorHandler } from '../../http/error-handler.js';
import { createInProcessJobQueue } from '../../jobs/in-process-job-queue.js';
import type { Task } from '../../jobs/task.js';
import { createManualClock, type ManualClock } from '../../platform/clock.js';
import { findFreePort } from '../../platform/free-port.js';
import { createLogger } from '../../platform/logger.js';
import { createSqlAuditLog } from '../../tenants/audit-log.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { createControlDbTarget } from '../../tenants/control-db-test-kit.js';
import type { ControlDialect } from '../../tenants/control-migrations.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import { createTenantEvents } from '../../tenants/tenant-events.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { EdgeHost, PlatformEdge } from '../edge.js';
import { bitbucketForgeEdgeModule } from './bitbucket-forge-edge-module.js';
import { BITBUCKET_FORGE_MIGRATIONS } from './bitbucket-forge-migrations.js';

/** Everything a Bitbucket Forge edge test drives and inspects. */
export interface BitbucketForgeTestbed {
  bb: BitbucketSimulator;
  tallyUrl: string;
  config: Config;
  /** Tally's clock (the edge's): the simulator's clock is real, since FITs are checked against real time there. */
  clock: ManualClock;
  control: ControlDb;
  db: Kysely<any>;
  registry: TenantRegistry;
  installations: BitbucketInstallations;
  edge: PlatformEdge;
  /** Runs the edge's missing-tick schedule once. */
  runMissingTickCheck(): Promise<void>;
  /** Every row of every control-database table, as text: equal before and after means nothing changed. */
  dumpControl(): Promise<string>;
  /** The rows of the Bitbucket tables (core and edge). */
  bitbucketRows(): Promise<{ installations: Record<string, unknown>[]; forge: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** Options of {@link startBitbucketForgeTestbed}. */
export interface BitbucketForgeTestbedOptions {
  dialect?: ControlDialect;
  /** The core's time service over this testbed's pieces; tests that render no time page leave it out. */
  time?: (deps: { registry: TenantRegistry }) => BitbucketTimeService;
  /** The core's log work; tests that log no work leave it out (any call then fails the test). */
  worklogs?: BitbucketLogWork;
  simulator?: Partial<BitbucketSimulatorOptions>;
  graceHours?: number;
}

const unusedTime: BitbucketTimeService = {
  pullRequestPanel: () => Promise.reject(new Error('this test renders no time page')),
  repositoryPage: () => Promise.reject(new Error('this test renders no time page')),
};

const unusedLogWork: BitbucketLogWork = {
  logWork: () => Promise.reject(new Error('this test logs no work')),
};

/** Starts the simulator, the control database and Tally with only this edge, all on loopback. */
export async function startBitbucketForgeTestbed(options: BitbucketForgeTestbedOptions = {}): Promise<BitbucketForgeTestbed> {
  const port = await findFreePort();
  const tallyUrl = `http://127.0.0.1:${port}`;
  const bb = createBitbucketSimulator({ clock: 'real', ...options.simulator, forge: { remoteBaseUrl: tallyUrl, ...options.simulator?.forge } });
  const bbServer = await bb.listen();
  const target = await createControlDbTarget(options.dialect ?? 'sqlite');
  const control = await openControlDb({ ...target.options, ownedMigrations: BITBUCKET_FORGE_MIGRATIONS });
  const db = control.db as Kysely<any>;
  const config = loadConfig({
    TALLY_BASE_URL: tallyUrl,
    PORT: String(port),
    TALLY_DATA_DIR: target.location,
    // Core configuration asks for one; the Bitbucket Forge edge seals nothing with it.
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_LOG_LEVEL: 'silent',
    TALLY_BITBUCKET_FORGE_APP_ID: bb.forge.appId,
    TALLY_FORGE_JWKS_URL: `${bbServer.url}/.well-known/jwks.json`,
    TALLY_BITBUCKET_FORGE_API_HOSTS: new URL(bbServer.url).host,
    TALLY_FORGE_UNINSTALL_GRACE_HOURS: String(options.graceHours ?? 72),
  });
  const clock = createManualClock(Date.now());
  const logger = createLogger({ level: 'silent' });
  const registry = createSqlTenantRegistry({ db: control.db, clock });
  const installations = createSqlBitbucketInstallations({ db, clock, pairingMinutes: config.bitbucketPairingMinutes, dialect: control.dialect });
  const httpFetch: typeof fetch = (input, init) => fetch(input, init);
  const host: EdgeHost = {
    config,
    // FITs are checked against the simulator's real clock; the edge's own times follow the manual one.
    clock: { nowMs: () => Date.now() + (clock.nowMs() - startMs) },
    fetch: httpFetch,
    logger,
    control,
    secretBox: undefined,
    registry,
    audit: createSqlAuditLog({ db: control.db, clock }),
    events: createTenantEvents(() => {}),
    queue: createInProcessJobQueue({ concurrency: 1, logger }),
    requestSync: () => {},
    bitbucket: {
      installations,
      time: options.time?.({ registry }) ?? unusedTime,
      worklogs: options.worklogs ?? unusedLogWork,
      apiFor: (apiBaseUrl, authorize) => createBitbucketApi({ apiBaseUrl, authorize, fetch: httpFetch }),
    },
  };
  const startMs = clock.nowMs();
  const edge = await bitbucketForgeEdgeModule.create(host);
  const app = new Hono();
  app.route('/', edge.routes as Hono);
  app.onError(createErrorHandler(logger));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (_info: AddressInfo) => resolve(started));
  });
  const schedule = edge.schedules?.find((s) => s.name === 'bitbucket-forge-missing-ticks');

  return {
    bb,
    tallyUrl,
    config,
    clock,
    control,
    db,
    registry,
    installations,
    edge,
    async runMissingTickCheck() {
      if (!schedule) throw new Error('the edge declares no missing-tick schedule');
      const task = schedule.task as Task<void>;
      await task(undefined, { logger, clock, signal: new AbortController().signal, progress: { read: async () => undefined, save: async () => {} } });
    },
    async dumpControl() {
      const tables = (await db.introspection.getTables()).map((table) => table.name).sort();
      const dump: [string, string[]][] = [];
      for (const table of tables) dump.push([table, (await db.selectFrom(table).selectAll().execute()).map((row) => JSON.stringify(row)).sort()]);
      return JSON.stringify(dump);
    },
    async bitbucketRows() {
      return {
        installations: await db.selectFrom('bitbucket_installations').selectAll().execute(),
        forge: await db.selectFrom('bitbucket_forge_installations').selectAll().execute(),
      };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bbServer.close();
      bb.forge.close();
      await control.close();
      await target.remove();
    },
  };
}
