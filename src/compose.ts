import { sql } from 'kysely';
import type { Config } from './config/load-config.js';
import type { Clock } from './platform/clock.js';
import type { Fetch } from './platform/fetch.js';
import type { Logger } from './platform/logger.js';
import { createHttpJiraClient } from './jira/http-jira-client.js';
import { inlineWorklogListDecoder } from './jira/worklog-list-decoder.js';
import { createWorklogParsePool } from './jira/parse-workers/worklog-parse-pool.js';
import { createRateLimitCoordinator } from './jira/rate-limit-coordinator.js';
import type { Sleep } from './jira/sleep.js';
import { createInProcessJobQueue } from './jobs/in-process-job-queue.js';
import { createSqliteStoreProvider } from './store/sqlite-store-provider.js';
import { createSyncService, type SyncServiceDeps } from './sync/sync-service.js';
import type { SyncTenantDeps } from './sync/sync-tenant.js';
import { describeSyncStatus } from './sync/sync-status.js';
import { createSqlAuditLog } from './tenants/audit-log.js';
import { openControlDb } from './tenants/control-db.js';
import { createSecretBox, demoSecretKey, type SecretBox } from './tenants/secret-box.js';
import { ownedDataOf, selectEdges, type EdgeHost, type EdgeModule, type PlatformEdge } from './edges/edge.js';
import { ALL_EDGE_MODULES } from './edges/all-edges.js';
import { createSqlTenantRegistry } from './tenants/sql-tenant-registry.js';
import { createTenantEvents } from './tenants/tenant-events.js';
import type { TenantId } from './tenants/tenant.js';
import { createApp } from './http/create-app.js';
import { AppError } from './platform/app-error.js';
import { observeStoreWrites } from './reporting/engine/observe-store-writes.js';
import { createReportColumnsCache, type ReportColumnsCache } from './reporting/engine/report-columns-cache.js';
import { createLiveJiraData } from './reporting/live/live-jira-data.js';
import { createReportService } from './reporting/report-service.js';
import { createTenantPurge, type TenantPurgeDeps } from './privacy/purge/tenant-purge.js';
import { accountRetentionTask } from './privacy/retention/account-retention.js';
import { createTenantBackups } from './privacy/backups/tenant-backups.js';
import { backupSchedule } from './privacy/backups/backup-schedule.js';
import { isBackupAllowed } from './privacy/backups/is-backup-allowed.js';
import { createScheduleStore } from './jobs/schedule-store.js';
import { createControlDbScheduler } from './jobs/scheduler.js';
import { personalDataCycleTask } from './privacy/personal-data/personal-data-cycle.js';
import type { ReportCredentials } from './privacy/personal-data/report-accounts-client.js';
import type { JiraCredentials } from './jira/jira-credentials.js';
import type { TenantRegistry } from './tenants/tenant-registry.js';

/**
 * One {@link JiraCredentials} over the platform edges: each tenant is served by the edge it came
 * through, so sync, store and reports never learn which one that is. A tenant whose edge is off
 * has no credentials (its data stays, nothing calls Jira for it).
 */
function credentialsByEdge(registry: Pick<TenantRegistry, 'findTenant'>, edges: () => readonly PlatformEdge[]): JiraCredentials {
  return {
    async forTenant(tenantId) {
      const tenant = await registry.findTenant(tenantId);
      return tenant && edges().find((edge) => edge.owns(tenant))?.jiraCredentials.forTenant(tenantId);
    },
  };
}

/** Personal-data report credentials of the tenant's edge (undefined where that edge does not report). */
function reportCredentialsByEdge(registry: Pick<TenantRegistry, 'findTenant'>, edges: readonly PlatformEdge[]): ReportCredentials {
  return {
    async authorize(tenantId, request) {
      const tenant = await registry.findTenant(tenantId);
      return tenant && edges.find((edge) => edge.owns(tenant))?.personalDataCredentials?.authorize(tenantId, request);
    },
  };
}

/**
 * The secret box of the configuration's key (demo mode: a key file in the data directory), or
 * undefined without one — the self-hosted site edge keeps no secret; an edge that does refuses to
 * start without it.
 */
function openSecretBox(config: Config): SecretBox | undefined {
  const secretKey = config.secretKey ?? (config.mode === 'demo' ? demoSecretKey(config.dataDir) : undefined);
  return secretKey ? createSecretBox(secretKey) : undefined;
}

/** A secret box that refuses: what the registry gets when no `TALLY_SECRET_KEY` is configured. */
const NO_SECRET_BOX: SecretBox = {
  seal() {
    throw new AppError('CONFIG_INVALID', 'TALLY_SECRET_KEY is not configured: this installation cannot keep a secret', { expose: true });
  },
  open() {
    throw new AppError('CONFIG_INVALID', 'TALLY_SECRET_KEY is not configured: a sealed secret cannot be opened', { expose: true });
  },
};

/** Checks what the selected edges need of the core configuration; every problem at once. */
function checkEdgeRequirements(config: Config, modules: readonly EdgeModule[], known: readonly EdgeModule[]): void {
  const problems: string[] = [];
  for (const id of config.edges ?? []) {
    if (!known.some((module) => module.id === id)) problems.push(`TALLY_EDGES: unknown edge "${id}" (known: ${known.map((module) => module.id).join(', ')})`);
  }
  for (const module of modules) {
    if (module.requires.secretKey && !config.secretKey && config.mode !== 'demo') problems.push(`TALLY_SECRET_KEY: required by the ${module.id} edge (generate one with \`openssl rand -base64 32\`)`);
    if (module.requires.publicBaseUrl && !config.baseUrlConfigured && config.mode !== 'demo') problems.push(`TALLY_BASE_URL: required by the ${module.id} edge (the public https URL Atlassian calls)`);
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, { details: problems, expose: true });
}

/** The real I/O a Tally process runs on; `main.ts` passes the machine's, tests their own. */
export interface Runtime {
  clock: Clock;
  fetch: Fetch;
  sleep: Sleep;
  logger: Logger;
}

/**
 * Builds Tally's object graph from a configuration: control database, registry, tenant stores,
 * the Jira clients' shared rate-limit coordinator, the job queue, the sync service and the HTTP
 * app. Nothing starts running until `sync.start()` / serving the app. `close()` stops the sync,
 * then closes the stores and the control database.
 */
export async function composeTally(
  config: Config,
  runtime: Runtime,
  hooks: { onSyncOutcome?: SyncServiceDeps['onOutcome']; afterPurgeStep?: TenantPurgeDeps['afterStep'] } = {},
  options: { edgeModules?: readonly EdgeModule[] } = {},
) {
  const { clock, logger } = runtime;
  const knownEdges = options.edgeModules ?? ALL_EDGE_MODULES;
  const edgeModules = selectEdges(knownEdges, config);
  checkEdgeRequirements(config, edgeModules, knownEdges);
  const ownedData = ownedDataOf(knownEdges);
  const control = await openControlDb({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }), ownedMigrations: ownedData.migrations });
  const secretBox = openSecretBox(config);
  const registry = createSqlTenantRegistry({ db: control.db, secretBox: secretBox ?? NO_SECRET_BOX, clock });
  const audit = createSqlAuditLog({ db: control.db, clock });
  const events = createTenantEvents((error, event) => logger.error({ err: error, event }, 'tenant event listener failed'));
  // Built below, once the sync they hand tenants to exists; read late by the credentials.
  let edges: readonly PlatformEdge[] = [];
  const credentials = credentialsByEdge(registry, () => edges);
  // Reports answer from in-memory columns (src/reporting/engine); every store write is followed
  // so loaded columns stay exactly what the tenant's database holds.
  let reportColumns: ReportColumnsCache | undefined;
  const stores = observeStoreWrites(
    createSqliteStoreProvider({ dataDir: config.dataDir }),
    (tenantId, change) => reportColumns?.applyWrite(tenantId, change),
    { isObserving: (tenantId) => reportColumns?.isTracking(tenantId) ?? false, onDiscard: (tenantId) => reportColumns?.evict(tenantId) },
  );
  reportColumns = createReportColumnsCache({ stores });
  const coordinator = createRateLimitCoordinator({ clock, sleep: runtime.sleep, pointsPerHour: config.jiraPointsPerHour });
  const worklogListDecoder = config.parseThreads > 0 ? createWorklogParsePool(config.parseThreads) : inlineWorklogListDecoder;
  const syncDeps: SyncTenantDeps = {
    stores,
    credentials,
    logger,
    jiraClientFor: (tenantId, access) =>
      createHttpJiraClient({ tenantId, access, fetch: runtime.fetch, clock, sleep: runtime.sleep, coordinator, requestTimeoutMs: config.jiraTimeoutMs, worklogListDecoder }),
  };
  const live = createLiveJiraData({
    clock,
    clientForViewer: (tenantId, access) => syncDeps.jiraClientFor(tenantId, access),
    clientFor: async (tenantId) => {
      const access = await credentials.forTenant(tenantId);
      if (!access) throw new AppError('JIRA_AUTH_FAILED', `No credentials to call Jira for tenant ${tenantId}`);
      return syncDeps.jiraClientFor(tenantId, access);
    },
  });
  const reports = createReportService({ columnsFor: (tenantId) => reportColumns.columnsFor(tenantId), openStore: (tenantId) => stores.open(tenantId), live });
  const queue = createInProcessJobQueue({ concurrency: 2, logger });
  // Every schedule — sync interval, reconciliation, backups, retention, personal data, the edges'
  // own (Forge's uninstall check) — is declared with this one scheduler (src/jobs/scheduler.ts).
  const scheduler = createControlDbScheduler({ store: createScheduleStore(control.db), clock, logger });
  const sync = createSyncService({ ...syncDeps, queue, scheduler, registry, events, clock, intervalSeconds: config.syncIntervalSeconds, reconcileIntervalMs: config.reconcileIntervalHours * 3600_000, logger, ...(hooks.onSyncOutcome ? { onOutcome: hooks.onSyncOutcome } : {}) });
  const backups = createTenantBackups({
    backupDir: config.backupDir,
    dataDir: config.dataDir,
    stores,
    clock,
    audit,
    retentionDays: config.backupRetentionDays,
    logger,
    isPurging: async (tenantId) => !isBackupAllowed(await registry.findTenant(tenantId)),
  });
  const purge = createTenantPurge({
    registry,
    queue,
    stores,
    // Waits for a backup of the tenant in flight in this process, then deletes the directory.
    deleteBackups: (tenantId) => backups.deleteAll(tenantId),
    evictCaches: (tenantId) => {
      reportColumns.evict(tenantId);
      live.evictTenant(tenantId);
    },
    scheduler,
    audit,
    clock,
    logger,
    ...(hooks.afterPurgeStep ? { afterStep: hooks.afterPurgeStep } : {}),
  });
  // A verified uninstall stops the tenant's work at once (the running job is aborted, waiting ones
  // dropped), then the purge runs under the tenant's key: after the aborted job has settled.
  events.on('uninstalled', ({ tenantId }) => {
    queue.cancel(tenantId);
    purge.request(tenantId);
  });
  // The platform edges that are on, each built from core ports only (src/edges/edge.ts).
  const host: EdgeHost = {
    config,
    clock,
    fetch: runtime.fetch,
    logger,
    control,
    secretBox,
    registry,
    audit,
    events,
    queue,
    requestSync: (tenantId) => sync.requestSync(tenantId, 'auto'),
  };
  edges = await Promise.all(edgeModules.map((module) => module.create(host)));
  for (const schedule of edges.flatMap((edge) => edge.schedules ?? [])) scheduler.declarePeriodic(schedule);
  scheduler.declarePeriodic({ name: 'account-retention', everyMs: 86_400_000, task: accountRetentionTask({ registry, audit, clock, logger, retentionDays: config.accountRetentionDays }) });
  // Hourly check; each tenant is reported once per cycle (7 days or Atlassian's Cycle-Period).
  scheduler.declarePeriodic({
    name: 'personal-data-report-check',
    everyMs: 3_600_000,
    task: personalDataCycleTask({
      registry,
      stores,
      credentials: reportCredentialsByEdge(registry, edges),
      fetch: runtime.fetch,
      clock,
      sleep: runtime.sleep,
      db: control.db,
      config,
      audit,
      logger,
      onTenantErased: (tenantId) => reportColumns.evict(tenantId),
    }),
  });
  // Each tenant is backed up every TALLY_BACKUP_INTERVAL_HOURS at its own stable offset.
  scheduler.declarePerTenant(backupSchedule({ backups, registry, intervalHours: config.backupIntervalHours }));
  /** The scheduler under its former name: main.ts and tests start and run it as `periodic`. */
  const periodic = scheduler;
  /** Tenants an edge cannot serve now (e.g. a revoked API token), with the edge's reason. */
  async function listPausedTenants(): Promise<{ tenantId: TenantId; edge: string; reason: string | undefined; message: string | undefined }[]> {
    const paused = [];
    for (const tenant of await registry.listInstalled()) {
      const edge = edges.find((candidate) => candidate.owns(tenant));
      const status = await edge?.tenantStatus?.(tenant.id);
      if (edge && status?.state === 'paused') paused.push({ tenantId: tenant.id, edge: edge.id, reason: status.reason, message: status.message });
    }
    return paused;
  }
  const app = createApp({
    config,
    clock,
    logger,
    edges,
    ownedData,
    syncStatus: async (tenantId) => {
      const state = await (await stores.open(tenantId)).getSyncState();
      const budget = coordinator.snapshot();
      return {
        ...describeSyncStatus(state, clock.nowMs(), config.jiraPointsPerHour),
        pointsBudget: { pointsPerHour: budget.pointsPerHour, remainingEstimate: budget.remainingPointsEstimate, pausedUntilMs: budget.appPausedUntilMs },
      };
    },
    reports,
    readiness: async () => {
      await sql`select 1`.execute(control.db);
      const paused = await listPausedTenants();
      return { ready: true, ...(paused.length > 0 ? { detail: { pausedTenants: paused } } : {}) };
    },
  });
  return {
    config,
    control,
    registry,
    audit,
    events,
    credentials,
    stores,
    coordinator,
    syncDeps,
    queue,
    sync,
    reports,
    live,
    reportColumns,
    purge,
    backups,
    scheduler,
    periodic,
    edges,
    app,
    listPausedTenants,
    /** Runs each edge's start (the site edge registers its site and checks its token); throws to stop start-up. */
    async startEdges(): Promise<void> {
      for (const edge of edges) await edge.start?.();
    },
    /**
     * Loads the report columns of synchronised tenants in the background, one at a time (a 10M
     * worklog site takes 15–40 s), so the first report of the day does not wait for it. Tenants
     * still in their full sync are skipped: following a bulk load row by row would slow it.
     */
    async preloadReports(limit = 16): Promise<number> {
      let loaded = 0;
      for (const tenant of await registry.listInstalled()) {
        if (loaded >= limit) break;
        try {
          if ((await (await stores.open(tenant.id)).getSyncState()).phase !== 'incremental') continue;
          await reportColumns.columnsFor(tenant.id);
          loaded++;
        } catch (error) {
          logger.warn({ err: error, tenantId: tenant.id }, 'report columns preload failed; loaded on first report instead');
        }
      }
      return loaded;
    },
    async close() {
      for (const edge of edges) await edge.close?.();
      await periodic.stop();
      await sync.stop();
      await reportColumns.close();
      await stores.close();
      await control.close();
      await worklogListDecoder.close();
    },
  };
}

/** A composed Tally. */
export type Tally = Awaited<ReturnType<typeof composeTally>>;
