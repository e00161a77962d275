/**
 * The composition root: the only module that reads `process.env` and argv, and the only place
 * where real I/O (clock, network, timers, databases, files) is wired into the plain factories.
 * `npm start` and `npx tally serve` start the server; `npx tally <command>` runs the CLI against
 * the same configuration, also while the server runs.
 */
import { serve } from '@hono/node-server';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from './config/load-config.js';
import { isAppError } from './platform/app-error.js';
import { systemClock } from './platform/clock.js';
import { createLogger } from './platform/logger.js';
import { createOutgoingFetch } from './platform/outgoing-fetch.js';
import { timerSleep } from './jira/sleep.js';
import { composeTally, type Runtime, type Tally } from './compose.js';
import { runCli } from './cli/run-cli.js';
import { WEB_DIST_DIR } from './http/report-page.js';
import { ALL_EDGE_MODULES } from './edges/all-edges.js';
import type { TenantEvents } from './tenants/tenant-events.js';
import type { TenantRegistry } from './tenants/tenant-registry.js';
import { tallyOwnedData } from './compose/owned-data.js';

/** A running Tally server. */
export interface RunningServer {
  url: string;
  /** Lifecycle and webhook events (the sync hangs on them; the demo shows them). */
  events: TenantEvents;
  registry: TenantRegistry;
  tally: Tally;
  /** The clock, network and logger the server runs on (the CLI run beside it uses the same). */
  runtime: Runtime;
  close(): Promise<void>;
}

/** The machine's real clock, network and timers. */
export function machineRuntime(config: Config): Runtime {
  return {
    clock: systemClock,
    fetch: createOutgoingFetch(),
    sleep: timerSleep,
    logger: createLogger({ level: config.logLevel }),
  };
}

/** Starts the HTTP server and the sync service; resolves once it listens. */
export async function startServer(config: Config, options: { port?: number; hostname?: string; runtime?: Runtime } = {}): Promise<RunningServer> {
  const runtime = options.runtime ?? machineRuntime(config);
  const tally = await composeTally(config, runtime);
  try {
    // Purges a crash interrupted finish first: their jobs run before any sync of those tenants.
    await tally.purge.resumeOwed();
    // The workers (on pg-boss: this instance's share of the fleet's jobs) run before the sync and
    // the edges queue anything and before the app serves; a pg-boss that cannot start stops start-up.
    await tally.queue.start();
    // The sync listens before the edges start, so an edge's `installed` (the site edge's first
    // registration) starts the full sync; a bad token then stops start-up.
    tally.sync.start();
    await tally.startEdges();
  } catch (error) {
    await tally.close();
    throw error;
  }
  tally.periodic.start();
  void tally.preloadReports().catch((error: unknown) => runtime.logger.warn({ err: error }, 'report columns preload failed'));
  return new Promise((resolve) => {
    const server = serve({ fetch: tally.app.fetch, port: options.port ?? config.port, hostname: options.hostname ?? '0.0.0.0' }, (info) => {
      const url = `http://127.0.0.1:${info.port}`;
      runtime.logger.info({ url, mode: config.mode, edges: tally.edges.map((edge) => edge.id) }, 'Tally listening');
      resolve({
        url,
        events: tally.events,
        registry: tally.registry,
        tally,
        runtime,
        close: async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await tally.close();
        },
      });
    });
  });
}

/** "the edges jira-site and jira-connect" / "no platform edge" for the start-up line. */
function describeEdges(edges: readonly { id: string }[]): string {
  if (edges.length === 0) return 'no platform edge on (set TALLY_JIRA_SITE, or TALLY_BASE_URL and TALLY_SECRET_KEY, or TALLY_FORGE_APP_ID; see README.md)';
  return `the edge${edges.length > 1 ? 's' : ''} ${edges.map((edge) => edge.id).join(', ')}`;
}

/** Runs `tally` with the process's argv and environment (`npm start`, `npx tally …`). */
export async function main(): Promise<void> {
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
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === 'serve') {
    // The page is built by `npm install` (the prepare script) or `npm run build:web`, never at start.
    if (!existsSync(join(WEB_DIST_DIR, 'index.html'))) {
      process.stderr.write('tally: the report page is not built (web/dist is missing); run `npm run build:web` once, then start again\n');
      process.exitCode = 2;
      return;
    }
    let server: RunningServer;
    try {
      server = await startServer(config);
    } catch (error) {
      if (isAppError(error) && error.expose) {
        process.stderr.write(`tally: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw error;
    }
    process.stdout.write(`Tally serving at ${server.url} with ${describeEdges(server.tally.edges)}\n`);
    for (const edge of server.tally.edges) process.stdout.write(`  ${edge.id}: ${edge.summary}\n`);
    // Graceful: the HTTP server stops accepting, running jobs are aborted (a sync commits the page
    // in hand) and, on pg-boss, released to the other instances; a second signal kills at once.
    const stop = () =>
      void server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          server.runtime.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  // `tally worklogs export | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await runCli(args, config, machineRuntime(config), { stdout: process.stdout, stderr: process.stderr }, {
    ownedData: tallyOwnedData(ALL_EDGE_MODULES),
    edgeCommands: ALL_EDGE_MODULES.flatMap((module) => module.cliCommands ?? []),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
