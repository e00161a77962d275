/**
 * The composition root: the only module that reads `process.env` and argv, and the only place
 * where real I/O (clock, network, databases, files) is wired into the plain factories.
 * `npm start` runs it.
 */
import { serve } from '@hono/node-server';
import { loadConfig, type Config } from './config/load-config.js';
import { isAppError } from './platform/app-error.js';
import { systemClock } from './platform/clock.js';
import { createLogger } from './platform/logger.js';
import { createApp } from './http/create-app.js';
import { createInstallKeyProvider } from './connect/install-keys.js';
import { openControlDb } from './tenants/control-db.js';
import { createSecretBox, demoSecretKey } from './tenants/secret-box.js';
import { createSqlTenantRegistry } from './tenants/sql-tenant-registry.js';
import { createSqlAuditLog } from './tenants/audit-log.js';
import { createTenantEvents, type TenantEvents } from './tenants/tenant-events.js';
import type { TenantRegistry } from './tenants/tenant-registry.js';
import { sql } from 'kysely';

/** A running Tally server. */
export interface RunningServer {
  url: string;
  /** Lifecycle and webhook events, for the demo (and later the sync) to hang on. */
  events: TenantEvents;
  registry: TenantRegistry;
  close(): Promise<void>;
}

/** Starts the HTTP server with everything wired from `config`; resolves once it listens. */
export async function startServer(config: Config, env: { port?: number; hostname?: string } = {}): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel });
  const control = await openControlDb(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const secretKey = config.secretKey ?? (config.mode === 'demo' ? demoSecretKey(config.dataDir) : undefined);
  if (!secretKey) throw new Error('TALLY_SECRET_KEY is required outside demo mode');
  const registry = createSqlTenantRegistry({ db: control.db, secretBox: createSecretBox(secretKey), clock: systemClock });
  const events = createTenantEvents((error, event) => logger.error({ err: error, event }, 'tenant event listener failed'));
  const installKeys = createInstallKeyProvider({ baseUrl: config.installKeysUrl, fetch: (input, init) => fetch(input, init) });
  const app = createApp({
    config,
    clock: systemClock,
    logger,
    registry,
    installKeys,
    events,
    audit: createSqlAuditLog({ db: control.db, clock: systemClock }),
    isReady: async () => {
      await sql`select 1`.execute(control.db);
      return true;
    },
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: env.port ?? config.port, hostname: env.hostname ?? '0.0.0.0' }, (info) => {
      const url = `http://127.0.0.1:${info.port}`;
      logger.info({ url, mode: config.mode }, 'Tally listening');
      resolve({
        url,
        events,
        registry,
        close: async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await control.close();
        },
      });
    });
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) {
      process.stderr.write(`tally: ${error.message}\n(see docs/configuration.md)\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const server = await startServer(config);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
