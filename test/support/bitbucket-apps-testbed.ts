/**
 * TEST FIXTURE: Tally started the production way (`startServer`) with the Jira Connect edge and
 * both Bitbucket edges on, over real HTTP on loopback, between a listening Jira simulator (one
 * Connect-installed, fully synced Jira tenant) and a listening Bitbucket simulator (REST 2.0,
 * `bb.connect`, `bb.forge`). Only Atlassian is simulated; Tally's own parts are all real.
 * Every Bitbucket REST answer is checked against Atlassian's OpenAPI excerpt.
 */
import type { Kysely } from 'kysely';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/create-simulator.js';
import { createBitbucketSimulator, type BitbucketSimulator } from '../../simulator/bitbucket/create-bitbucket-simulator.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { Runtime, Tally } from '../../src/compose.js';
import { timerSleep } from '../../src/jira/sleep.js';
import { systemClock } from '../../src/platform/clock.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createBitbucketResponseCheck, type BitbucketResponseCheck } from './bitbucket-openapi-validator.js';
import { captureLog } from './captured-log.js';
import { prepareLoopbackTally } from './loopback-tally.js';
import { contextToken } from './tally-tokens.js';

/** One call Tally made to Bitbucket's REST API, as it left Tally. */
export interface BitbucketCallSeen {
  method: string;
  url: URL;
  authorization: string | null;
}

/** Tally's wire to Bitbucket: every call it made, and two hooks a test may set. */
export interface BitbucketWire {
  readonly calls: BitbucketCallSeen[];
  /** Awaited before a call leaves (a test holds a call here). */
  beforeSend?: (call: BitbucketCallSeen) => Promise<void>;
  /** Stands in for a Bitbucket that answered differently (applied after the OpenAPI check). */
  rewrite?: (call: BitbucketCallSeen, response: Response) => Promise<Response>;
}

/** Everything the Bitbucket end-to-end suites drive and inspect. */
export interface BitbucketAppsTestbed {
  jira: Simulator;
  bb: BitbucketSimulator;
  bbUrl: string;
  server: RunningServer;
  tally: Tally;
  config: Config;
  /** The Jira tenant (a Connect installation, fully synced) and its Connect credentials. */
  jiraTenant: { id: TenantId; clientKey: string; sharedSecret: string };
  wire: BitbucketWire;
  bitbucketCheck: BitbucketResponseCheck;
  /** Every log line Tally wrote (level trace). */
  logLines: string[];
  /** A call to Tally's Jira-side API as `accountId`, with a Jira context token of the tenant. */
  jiraApi(method: string, path: string, accountId: string): Promise<Response>;
  /** Every row of every table of the control database, by table name. */
  controlRows(): Promise<Record<string, Record<string, unknown>[]>>;
  close(): Promise<void>;
}

/** Options of {@link startBitbucketAppsTestbed}. */
export interface BitbucketAppsTestbedOptions {
  /** The control database on PostgreSQL (`DATABASE_URL`); default SQLite under the data directory. */
  databaseUrl?: string;
  /** The Jira site to generate. */
  jiraGenerate?: SimulatorOptions['generate'];
  /** Runs after the simulators exist and before anything is installed (set up users, projects). */
  prepare?: (sims: { jira: Simulator; bb: BitbucketSimulator }) => void;
  /**
   * Turns the Jira Forge edge on as well, with the Jira simulator's Forge platform (FITs' API base,
   * `/graphql`) at its listen URL; nothing is installed through it (`jira.forge.install({ remoteBaseUrl: server.url })`).
   */
  jiraForge?: boolean;
}

const urlOf = (input: string | URL | Request) => new URL(input instanceof Request ? input.url : String(input));

/**
 * Starts both simulators and Tally, installs Tally into the Jira site over HTTP and waits for the
 * tenant's full sync. Nothing of Bitbucket is installed yet. `close()` stops everything and
 * deletes the data directory.
 */
export async function startBitbucketAppsTestbed(options: BitbucketAppsTestbedOptions = {}): Promise<BitbucketAppsTestbed> {
  const jira = createSimulator({ clock: 'real', generate: options.jiraGenerate ?? { worklogs: 400 } });
  const jiraServer = await jira.listen();
  const bitbucketCheck = createBitbucketResponseCheck();
  // One key set for every FIT, as on Atlassian: TALLY_FORGE_JWKS_URL points at the Bitbucket simulator.
  const bb = createBitbucketSimulator({ clock: 'real', generate: false, inspectResponse: bitbucketCheck.inspect, alsoServeJwks: () => jira.forge.jwks() });
  const bbServer = await bb.listen();
  // The Bitbucket simulator serves the Jira simulator's FIT keys too (`alsoServeJwks`).
  if (options.jiraForge) jira.forge.configure({ apiOrigin: jiraServer.url, jwksUrl: `${bbServer.url}/.well-known/jwks.json` });
  options.prepare?.({ jira, bb });

  const place = await prepareLoopbackTally('tally-bitbucket-apps-');
  const config = loadConfig({
    ...place.env,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    TALLY_LOG_LEVEL: 'trace',
    TALLY_EDGES: 'jira-connect,bitbucket-connect,bitbucket-forge',
    TALLY_INSTALL_KEYS_URL: jira.connect.installKeysUrl,
    // Log work from Bitbucket (issue 16) exchanges user-impersonation tokens at the Jira simulator's `/oauth2/token`.
    TALLY_ATLASSIAN_OAUTH_URL: jira.impersonation.authServerUrl,
    TALLY_ALLOWED_HOSTS: '127.0.0.1',
    // Bitbucket's HTML base URL as the simulator names it, and its API where it listens.
    TALLY_BITBUCKET_BASE_URLS: `https://bitbucket.org,${bbServer.url}`,
    TALLY_BITBUCKET_FORGE_APP_ID: bb.forge.appId,
    TALLY_BITBUCKET_FORGE_API_HOSTS: new URL(bbServer.url).host,
    TALLY_FORGE_JWKS_URL: `${bbServer.url}/.well-known/jwks.json`,
    ...(options.jiraForge
      ? { TALLY_EDGES: 'jira-connect,jira-forge,bitbucket-connect,bitbucket-forge', TALLY_FORGE_APP_ID: jira.forge.appId, TALLY_FORGE_API_HOSTS: new URL(jiraServer.url).host }
      : {}),
  });

  const log = captureLog(config.logLevel);
  const wire: BitbucketWire = { calls: [] };
  const runtime: Runtime = {
    clock: systemClock,
    fetch: async (input, init) => {
      const url = urlOf(input);
      if (url.origin !== bbServer.url) return fetch(input, init);
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
      const call: BitbucketCallSeen = { method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(), url, authorization: headers.get('authorization') };
      wire.calls.push(call);
      await wire.beforeSend?.(call);
      const response = await fetch(input, init);
      return wire.rewrite ? wire.rewrite(call, response) : response;
    },
    sleep: timerSleep,
    logger: log.logger,
  };
  const server = await startServer(config, { hostname: '127.0.0.1', runtime });
  const { tally } = server;

  const installed = await jira.connect.install(`${server.url}/atlassian-connect.json`);
  if (!installed.ok) throw new Error(`the Jira install failed: ${installed.status} ${installed.reason}`);
  await tally.queue.idle();
  const [tenant, ...more] = await tally.registry.listInstalled();
  if (!tenant || more.length > 0) throw new Error('expected exactly one installed Jira tenant');
  const jiraTenant = { id: tenant.id, clientKey: installed.clientKey, sharedSecret: installed.sharedSecret };
  const db = tally.control.db as unknown as Kysely<any>;

  return {
    jira,
    bb,
    bbUrl: bbServer.url,
    server,
    tally,
    config,
    jiraTenant,
    wire,
    bitbucketCheck,
    logLines: log.lines,
    jiraApi(method, path, accountId) {
      const token = contextToken({ clientKey: jiraTenant.clientKey, sharedSecret: jiraTenant.sharedSecret, nowMs: Date.now(), accountId });
      return fetch(`${server.url}${path}`, { method, headers: { authorization: `JWT ${token}` } });
    },
    async controlRows() {
      const rows: Record<string, Record<string, unknown>[]> = {};
      // Schema-qualified: on PostgreSQL pg-boss's job tables (schema `pgboss`) are read too.
      for (const table of await db.introspection.getTables()) {
        const name = table.schema ? `${table.schema}.${table.name}` : table.name;
        rows[name] = await db.selectFrom(name).selectAll().execute();
      }
      return rows;
    },
    async close() {
      await server.close();
      await bbServer.close();
      bb.forge.close();
      await jiraServer.close();
      place.remove();
    },
  };
}
