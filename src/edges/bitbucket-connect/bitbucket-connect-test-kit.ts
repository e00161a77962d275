/**
 * TEST FIXTURE (imported by `*.test.ts` only): the Bitbucket Connect edge served over loopback
 * HTTP on a real control database, with the real core pieces (installations registry, Bitbucket
 * client, job queue, secret box) and the simulated Bitbucket Cloud listening on loopback too.
 * Only Bitbucket (and Jira, where a test adds it) is simulated.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
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
import type { JobQueue } from '../../jobs/job-queue.js';
import { systemClock } from '../../platform/clock.js';
import { findFreePort } from '../../platform/free-port.js';
import { createLogger } from '../../platform/logger.js';
import { createSqlAuditLog } from '../../tenants/audit-log.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { createControlDbTarget } from '../../tenants/control-db-test-kit.js';
import type { ControlDialect } from '../../tenants/control-migrations.js';
import { createSecretBox } from '../../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import { createTenantEvents } from '../../tenants/tenant-events.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { EdgeHost, PlatformEdge } from '../edge.js';
import { bitbucketConnectEdgeModule } from './bitbucket-connect-edge.js';
import { BITBUCKET_CONNECT_MIGRATIONS } from './installation-migrations.js';

/** Everything a Connect edge test drives and inspects. */
export interface ConnectEdgeTestbed {
  bb: BitbucketSimulator;
  /** Tally's base URL (`http://127.0.0.1:<port>`). */
  tallyUrl: string;
  descriptorUrl: string;
  config: Config;
  control: ControlDb;
  db: Kysely<any>;
  registry: TenantRegistry;
  installations: BitbucketInstallations;
  queue: JobQueue;
  edge: PlatformEdge;
  /** `bitbucketDown`: Tally's calls to Bitbucket's API fail like a refused connection. */
  network: { bitbucketDown: boolean };
  /** Every row of every control-database table, as text: equal before and after means nothing changed. */
  dumpControl(): Promise<string>;
  /** Installs through the simulated Bitbucket and waits for the confirmation job. */
  install(options?: Parameters<BitbucketSimulator['connect']['install']>[1]): ReturnType<BitbucketSimulator['connect']['install']>;
  close(): Promise<void>;
}

/** Options of {@link startConnectEdgeTestbed}. */
export interface ConnectEdgeTestbedOptions {
  dialect?: ControlDialect;
  /** The core's time service; tests that render no time page may leave it out (any call then fails the test). */
  time?: (deps: { registry: TenantRegistry; db: Kysely<any> }) => BitbucketTimeService;
  simulator?: Partial<BitbucketSimulatorOptions>;
}

const unusedTime: BitbucketTimeService = {
  pullRequestPanel: () => Promise.reject(new Error('this test renders no time page')),
  repositoryPage: () => Promise.reject(new Error('this test renders no time page')),
};

const unusedLogWork: BitbucketLogWork = {
  logWork: () => Promise.reject(new Error('this test logs no work')),
};

/** Starts the simulator, the control database and Tally with only this edge, all on loopback. */
export async function startConnectEdgeTestbed(options: ConnectEdgeTestbedOptions = {}): Promise<ConnectEdgeTestbed> {
  const bb = createBitbucketSimulator({ clock: 'real', ...options.simulator });
  const bbServer = await bb.listen();
  const target = await createControlDbTarget(options.dialect ?? 'sqlite');
  const control = await openControlDb({ ...target.options, ownedMigrations: BITBUCKET_CONNECT_MIGRATIONS });
  const db = control.db as Kysely<any>;
  const port = await findFreePort();
  const tallyUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    TALLY_BASE_URL: tallyUrl,
    PORT: String(port),
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: target.location,
    TALLY_LOG_LEVEL: 'silent',
    // Bitbucket's own HTML base URL as the simulator names it, and its API where it listens.
    TALLY_BITBUCKET_BASE_URLS: `https://bitbucket.org,${bbServer.url}`,
  });
  const network = { bitbucketDown: false };
  const apiFetch: typeof fetch = async (input, init) => {
    if (network.bitbucketDown) throw new TypeError('fetch failed: connect ECONNREFUSED');
    return fetch(input, init);
  };
  const clock = systemClock;
  const logger = createLogger({ level: 'silent' });
  const registry = createSqlTenantRegistry({ db: control.db, clock });
  const installations = createSqlBitbucketInstallations({ db, clock, pairingMinutes: config.bitbucketPairingMinutes, dialect: control.dialect });
  const queue = createInProcessJobQueue({ concurrency: 2, logger });
  const host: EdgeHost = {
    config,
    clock,
    fetch: (input, init) => fetch(input, init),
    logger,
    control,
    secretBox: createSecretBox(config.secretKey as Buffer),
    registry,
    audit: createSqlAuditLog({ db: control.db, clock }),
    events: createTenantEvents(() => {}),
    queue,
    requestSync: () => {},
    bitbucket: {
      installations,
      time: options.time?.({ registry, db }) ?? unusedTime,
      worklogs: unusedLogWork,
      apiFor: (apiBaseUrl, authorize) => createBitbucketApi({ apiBaseUrl, authorize, fetch: apiFetch }),
    },
  };
  const edge = await bitbucketConnectEdgeModule.create(host);
  const app = new Hono();
  app.route('/', edge.routes as Hono);
  app.onError(createErrorHandler(logger));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (_info: AddressInfo) => resolve(started));
  });
  const descriptorUrl = `${tallyUrl}/bitbucket/atlassian-connect.json`;

  return {
    bb,
    tallyUrl,
    descriptorUrl,
    config,
    control,
    db,
    registry,
    installations,
    queue,
    edge,
    network,
    async dumpControl() {
      const tables = (await db.introspection.getTables()).map((table) => table.name).sort();
      const dump: Record<string, unknown[]> = {};
      for (const table of tables) dump[table] = await db.selectFrom(table).selectAll().execute();
      // Rows sorted as text: the comparison is about content, not the order a scan returns.
      return JSON.stringify(Object.entries(dump).map(([table, rows]) => [table, rows.map((row) => JSON.stringify(row)).sort()]));
    },
    async install(installOptions) {
      const result = await bb.connect.install(descriptorUrl, installOptions);
      await queue.idle();
      return result;
    },
    async close() {
      await queue.stop();
      await new Promise<void>((done) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => done());
      });
      await bbServer.close();
      await control.close();
      await target.remove();
    },
  };
}

/** What a Bitbucket → Tally JWT is made of in tests; signed with Atlassian's atlassian-jwt, independent of Tally's code. */
export interface TestTokenInput {
  clientKey: string;
  sharedSecret: string;
  method: string;
  /** The URL the token is for (its qsh); absolute. */
  url: string;
  appBaseUrl: string;
  /** Seconds relative to now for `iat`; `exp` is 180 s later. */
  issuedAgoSeconds?: number;
  claims?: Record<string, unknown>;
}

/** An HS256 token as Bitbucket signs iframes and lifecycle calls: `iss` = clientKey, qsh relative to the app's baseUrl. */
export function bitbucketToken(input: TestTokenInput): string {
  const iat = Math.floor(Date.now() / 1000) - (input.issuedAgoSeconds ?? 0);
  const qsh = createQueryStringHash(fromMethodAndUrl(input.method, input.url), false, input.appBaseUrl);
  return encodeSymmetric({ iss: input.clientKey, iat, exp: iat + 180, qsh, ...input.claims }, input.sharedSecret);
}

/** `url` with `jwt=` appended, as Bitbucket loads an iframe. */
export function withJwt(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}jwt=${encodeURIComponent(token)}`;
}
