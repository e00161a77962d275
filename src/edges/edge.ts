import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Config } from '../config/load-config.js';
import type { TallyEnv } from '../http/tally-env.js';
import type { JiraCredentials, TenantJiraAccess } from '../jira/jira-credentials.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { PeriodicSchedule } from '../jobs/scheduler.js';
import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { Logger } from '../platform/logger.js';
import type { ReportCredentials } from '../privacy/personal-data/report-accounts-client.js';
import type { AuditLog } from '../tenants/audit-log.js';
import type { ControlDb, OwnedMigrations } from '../tenants/control-db.js';
import type { DatabaseCatalogue } from '../privacy/data-statement/field-catalogue.js';
import type { OwnedData } from '../privacy/data-statement/data-statement.js';
import type { SecretBox } from '../tenants/secret-box.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { BitbucketInstallations } from '../bitbucket/bitbucket-installations.js';
import type { BitbucketApi, BitbucketAuthorizer, BitbucketTimeService } from '../bitbucket/bitbucket-time-ports.js';
import type { BitbucketLogWork } from '../bitbucket/bitbucket-log-work.js';
import type { Tenant, TenantId } from '../tenants/tenant.js';

/*
 * The platform-edge contract (the shape of a Backstage backend plug-in: an id, the services it
 * needs, and what it registers). An edge is how an Atlassian product instance reaches Tally —
 * Connect, a Forge Remote, a team's own API token — and everything platform-specific stays inside
 * it: how its requests are verified, what it keeps about an installation, how Jira is called for
 * its tenants. The host (the composition root and `http/`) mounts a list of edges and names none;
 * sync, store and reports see a `TenantId` and a `JiraCredentials` port only. Removing an edge from
 * the list is the whole of retiring it.
 */

/** What the host hands an edge when it is built: core ports only, never another edge. */
export interface EdgeHost {
  config: Config;
  clock: Clock;
  fetch: Fetch;
  logger: Logger;
  /** The control database: an edge keeps its own installation records there. */
  control: ControlDb;
  /** Seals secrets at rest; undefined when no `TALLY_SECRET_KEY` is configured (edges that keep no secret do without). */
  secretBox: SecretBox | undefined;
  registry: TenantRegistry;
  audit: AuditLog;
  events: TenantEvents;
  queue: JobQueue;
  /** Queues an incremental sync of one tenant now (the sync service's, never run inline). */
  requestSync(tenantId: TenantId): void;
  /** The core's Bitbucket side (issue 13), for the Bitbucket edges: installations, pairing, time answers. */
  bitbucket: BitbucketHost;
}

/** What the core offers the Bitbucket edges (src/bitbucket/). */
export interface BitbucketHost {
  installations: BitbucketInstallations;
  time: BitbucketTimeService;
  /** Log work from a pull request, written to the linked Jira site as the verified Bitbucket user (issue 16). */
  worklogs: BitbucketLogWork;
  /** A REST 2.0 client at `apiBaseUrl` (`https://api.bitbucket.org`) whose calls the edge signs. */
  apiFor(apiBaseUrl: string, authorize: BitbucketAuthorizer): BitbucketApi;
}

/**
 * How an edge authenticates Tally's JSON API (`/api/*`) for its own page. The host asks each
 * edge in turn whether a request is of its kind (`Authorization: JWT …`, `Bearer …`, a session
 * cookie) and lets the first that recognises it authenticate it; nobody recognising it is a 401.
 * `authenticate` sets the verified `tenant` and `accountId` (and, when the edge has them, the
 * viewer's own Jira credentials as `viewerJiraAccess`) or throws an `AUTH_*` error.
 */
export interface EdgeApiAuthentication {
  recognises(c: Context<TallyEnv>): boolean;
  authenticate: MiddlewareHandler<TallyEnv>;
}

/** What an edge says about one of its tenants beyond the sync (e.g. a revoked API token pausing it). */
export interface EdgeTenantStatus {
  /** `ok`, or a stable reason the edge cannot reach Jira for this tenant now (e.g. `token_rejected`). */
  state: 'ok' | 'paused';
  reason?: string;
  /** One sentence for an operator or the page: what happened and what to do. */
  message?: string;
}

/** A built, ready-to-mount edge. */
export interface PlatformEdge {
  /** `jira-connect`, `jira-forge`, `jira-site`, … — unique, for logs and start-up. */
  readonly id: string;
  /** One line for the start-up log (`Connect app descriptor at /atlassian-connect.json`). */
  readonly summary: string;
  /** Whether a tenant came through this edge (the registry's record says which edge created it). */
  owns(tenant: Pick<Tenant, 'platform'>): boolean;
  /** Routes mounted at the root of Tally's app; each authenticates its own requests. */
  readonly routes?: Hono<any>;
  /**
   * The hosts that frame this edge's pages (CSP `frame-ancestors`, e.g. `https://*.atlassian.net`
   * for Jira's Connect iframes). Tally's pages may be framed only by the edges that are on.
   */
  readonly frameAncestors?: readonly string[];
  /** Authentication of `/api/*` for this edge's page, if it has one. */
  readonly api?: EdgeApiAuthentication;
  /**
   * How Tally calls Jira as the app for this edge's tenants (sync, reports' app-level reads).
   * Absent on an edge that delivers no Jira tenant (the Bitbucket edges: a workspace is linked to
   * a Jira tenant, never one itself).
   */
  readonly jiraCredentials?: JiraCredentials;
  /**
   * Jira access that acts as `accountId` on one of this edge's tenants, with no Jira page open —
   * how a write is made in a person's name from outside Jira (the Bitbucket pull-request panel,
   * issue 16; the account id is one another edge verified, joined on the Atlassian account id).
   * Undefined when the tenant is not this edge's or not installed; throws `LOG_WORK_UNAVAILABLE`
   * with the reason when the installation cannot act as people now. Nothing is exchanged until
   * the access authorizes a request. Absent on an edge that has no way to act as a person.
   */
  actAsUser?(tenantId: TenantId, accountId: string): Promise<TenantJiraAccess | undefined>;
  /** How this edge's tenants are reported to Atlassian's personal-data API, if they are. */
  readonly personalDataCredentials?: ReportCredentials;
  /** The edge's own periodic work (declared with the host's scheduler). */
  readonly schedules?: readonly PeriodicSchedule[];
  /** Runs once before the server listens (the site edge registers its site and checks its token). Throws to stop start-up. */
  start?(): Promise<void>;
  /** The edge's view of a tenant it owns, for `/readyz`, the CLI and the page; undefined when it has nothing to add. */
  tenantStatus?(tenantId: TenantId): Promise<EdgeTenantStatus | undefined>;
  /** Stops what the edge runs (timers, caches). Idempotent. */
  close?(): Promise<void>;
}

/**
 * An edge as the composition root lists it: when it is on, and how it is built. `isConfigured`
 * decides from the configuration alone (Connect: a base URL and secret key; Forge: an app id; the
 * site edge: `TALLY_JIRA_SITE`) unless `TALLY_EDGES` names the edges explicitly.
 */
export interface EdgeModule {
  readonly id: string;
  /** The environment keys this edge reads (docs/configuration.md lists them under the edge). */
  readonly configKeys: readonly string[];
  isConfigured(config: Config): boolean;
  /** What the edge needs of the core configuration: `TALLY_SECRET_KEY`, a public base URL. */
  readonly requires: { secretKey: boolean; publicBaseUrl: boolean };
  /**
   * The edge's own tables in the control database (its installation records): migrations named
   * `<edge id>/<nnn>_<what>`, applied whether the edge is on or not, and their catalogue entries
   * for the data statement, which fails on any column nobody describes.
   */
  readonly controlMigrations?: OwnedMigrations;
  readonly controlCatalogue?: DatabaseCatalogue;
  /**
   * Wipes the secrets this edge keeps for a tenant (the uninstall purge's last step). `db` is the
   * transaction that finishes the purge: it is called only when the tenant is still uninstalled,
   * and a re-install cannot commit in between. Called whether the edge is on or not; idempotent;
   * the edge's rows stay until the account record is deleted (they go by cascade).
   */
  forgetTenant?(db: Kysely<any>, tenantId: TenantId): Promise<void>;
  /** The tenant an operator names by this edge's own key for it (e.g. a Connect client key), whatever its state. */
  findTenantIdByKey?(db: Kysely<any>, key: string): Promise<TenantId | undefined>;
  /** Sentences for the data statement: what this edge keeps about an installation, and for how long. */
  readonly dataStatement?: readonly string[];
  /** `tally` commands of this edge (e.g. the site edge's `access-link`); run without a server. */
  readonly cliCommands?: readonly EdgeCliCommand[];
  create(host: EdgeHost): PlatformEdge | Promise<PlatformEdge>;
}

/** Where an edge's CLI command writes (the process streams, or buffers in tests). */
export interface EdgeCliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/**
 * A `tally <name> …` command an edge contributes. It gets the configuration and opens what it
 * needs itself (the control database with every edge's tables); 0 ok, 1 failed, 2 bad usage.
 */
export interface EdgeCliCommand {
  /** The command word, e.g. `access-link`. */
  readonly name: string;
  /** Its line in `tally help`, two spaces in, ending with a newline. */
  readonly usage: string;
  run(args: string[], context: { config: Config; clock: Clock; io: EdgeCliIo; openControl(): Promise<ControlDb> }): Promise<0 | 1 | 2>;
}

/** The edges that are on: those `TALLY_EDGES` lists, or else every configured one, in the given order. */
export function selectEdges(modules: readonly EdgeModule[], config: Config): EdgeModule[] {
  const listed = config.edges;
  if (listed === undefined) return modules.filter((module) => module.isConfigured(config));
  return modules.filter((module) => listed.includes(module.id));
}

/** What every edge Tally ships keeps in the control database, for migrations and the data statement. */
export function ownedDataOf(modules: readonly EdgeModule[]): OwnedData {
  return {
    migrations: Object.assign({}, ...modules.map((module) => module.controlMigrations ?? {})),
    catalogue: Object.assign({}, ...modules.map((module) => module.controlCatalogue ?? {})),
    notes: modules.flatMap((module) => (module.dataStatement ?? []).map((sentence) => `**${module.id}**: ${sentence}`)),
  };
}

/** Wipes a tenant's secrets in every edge that keeps some, on or off (see `EdgeModule.forgetTenant`). */
export function forgetTenantInEdges(modules: readonly EdgeModule[]): (db: Kysely<any>, tenantId: TenantId) => Promise<void> {
  return async (db, tenantId) => {
    for (const module of modules) await module.forgetTenant?.(db, tenantId);
  };
}

/** The tenant the first edge that knows `key` names, on or off (see `EdgeModule.findTenantIdByKey`). */
export function findTenantIdByEdgeKey(modules: readonly EdgeModule[], db: Kysely<any>): (key: string) => Promise<TenantId | undefined> {
  return async (key) => {
    for (const module of modules) {
      const found = await module.findTenantIdByKey?.(db, key);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}
