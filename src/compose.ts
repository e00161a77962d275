import { sql } from 'kysely';
import type { Config } from './config/load-config.js';
import { createConfiguredJobQueue, type JobQueueOptions } from './compose/job-queue.js';
import { createTenantStores } from './compose/tenant-stores.js';
import { createSyncService, type SyncServiceDeps } from './sync/sync-service.js';
import type { SyncTenantDeps } from './sync/sync-tenant.js';
import { describeSyncStatus, tenantQuotaShare } from './sync/sync-status.js';
import { createTenantEvents } from './tenants/tenant-events.js';
import { forgetTenantInEdges, type EdgeHost, type EdgeModule, type PlatformEdge } from './edges/edge.js';
import { ALL_EDGE_MODULES } from './edges/all-edges.js';
import { createApp } from './http/create-app.js';
import { createSiteAdminCheck } from './http/site-admin-check.js';
import { AppError } from './platform/app-error.js';
import { observeStoreWrites } from './reporting/engine/observe-store-writes.js';
import { createReportColumnsCache, type ReportColumnsCache } from './reporting/engine/report-columns-cache.js';
import { createLiveJiraData } from './reporting/live/live-jira-data.js';
import { createReportService } from './reporting/report-service.js';
import { createInMemoryMetricsRegistry } from './platform/metrics.js';
import { collectJiraBudget, collectJobQueue, collectProcess, collectReadiness, countJiraCalls, createSyncMetrics, timeReportService } from './http/metrics-route.js';
import { createTenantPurge, type TenantPurgeDeps } from './privacy/purge/tenant-purge.js';
import { accountRetentionTask } from './privacy/retention/account-retention.js';
import { createControlDbReclaim } from './privacy/retention/control-db-reclaim.js';
import { createTenantBackups } from './privacy/backups/tenant-backups.js';
import { backupSchedule } from './privacy/backups/backup-schedule.js';
import { isBackupAllowed } from './privacy/backups/is-backup-allowed.js';
import { createScheduleStore } from './jobs/schedule-store.js';
import { createControlDbScheduler } from './jobs/scheduler.js';
import { personalDataCycleTask } from './privacy/personal-data/personal-data-cycle.js';
import { openControlPlane } from './compose/control-plane.js';
import { tallyOwnedData } from './compose/owned-data.js';
import { actAsUserByEdge, buildEdges, credentialsByEdge, listPausedTenants, reportCredentialsByEdge } from './compose/edges.js';
import { createJiraClients, sharedPointsOf } from './compose/jira-clients.js';
import type { Runtime } from './compose/runtime.js';
import { createBitbucketHost, createBitbucketLinks, cutBitbucketLinksOnUninstall } from './compose/bitbucket.js';
import { cutBitbucketLinks } from './bitbucket/sql-bitbucket-installations.js';
import type { TenantId } from './tenants/tenant.js';
import { createWorklogWrites } from './worklog-writes/worklog-writes.js';

export type { Runtime } from './compose/runtime.js';

/**
 * Builds the server's object graph from a configuration, from the per-module wiring in
 * `src/compose/` (control plane, Jira clients, edges): tenant stores with the report columns that
 * follow them, the job queue, the scheduler, the sync service, the privacy jobs, the edges that are
 * on and the HTTP app. Nothing starts running until `sync.start()` / serving the app. `close()`
 * stops the edges, the scheduler and the sync, then closes the stores and the control database.
 * The `tally` commands do not build this: they open what they need (`src/compose/tenant-tools.ts`).
 */
export async function composeTally(
  config: Config,
  runtime: Runtime,
  hooks: { onSyncOutcome?: SyncServiceDeps['onOutcome']; afterPurgeStep?: TenantPurgeDeps['afterStep'] } = {},
  options: { edgeModules?: readonly EdgeModule[]; jobQueue?: JobQueueOptions } = {},
) {
  const { clock, logger } = runtime;
  const knownEdges = options.edgeModules ?? ALL_EDGE_MODULES;
  const ownedData = tallyOwnedData(knownEdges);
  const plane = await openControlPlane(config, clock, ownedData);
  const { control, registry, audit, secretBox } = plane;
  const events = createTenantEvents((error, event) => logger.error({ err: error, event }, 'tenant event listener failed'));
  // Built below, once the sync they hand tenants to exists; read late by the credentials.
  let edges: readonly PlatformEdge[] = [];
  const credentials = credentialsByEdge(registry, () => edges);
  // Reports answer from in-memory columns (src/reporting/engine); every store write is followed
  // so loaded columns stay exactly what the tenant's database holds.
  let reportColumns: ReportColumnsCache | undefined;
  const stores = observeStoreWrites(
    // Loaded report columns keep their store open: a re-opened store makes them reload.
    createTenantStores(config, { controlDb: control.db, clock, logger, keepOpen: (tenantId) => reportColumns?.isTracking(tenantId) ?? false }),
    (tenantId, change) => reportColumns?.applyWrite(tenantId, change),
    { isObserving: (tenantId) => reportColumns?.isTracking(tenantId) ?? false, onDiscard: (tenantId) => reportColumns?.evict(tenantId) },
  );
  // Least recently used tenants' columns are dropped beyond TALLY_REPORT_MEMORY_MB (docs/report-memory.md).
  reportColumns = createReportColumnsCache({ stores, maxBytes: config.reportMemoryMb * 2 ** 20 });
  // `/metrics` (docs/operations.md): collectors read the ports below at each scrape; no per-tenant series.
  const metrics = createInMemoryMetricsRegistry({ onCollectError: (error, collector) => logger.warn({ err: error, collector }, 'metrics collector failed') });
  // On PostgreSQL any number of instances share the app's hourly points (docs/shared-points.md).
  const sharedPoints = sharedPointsOf(control, logger);
  const jira = createJiraClients(config, runtime, {
    wrapCoordinator: (created) => countJiraCalls(metrics, created, clock),
    ...(sharedPoints ? { sharedPoints } : {}),
  });
  const { coordinator } = jira;
  const syncDeps: SyncTenantDeps = { stores, credentials, logger, jiraClientFor: jira.clientFor, backfill: config.backfill };
  /** Jira as the app for a tenant, through the tenant's edge. */
  const appJiraClientFor = async (tenantId: TenantId) => {
    const access = await credentials.forTenant(tenantId);
    if (!access) throw new AppError('JIRA_AUTH_FAILED', `No credentials to call Jira for tenant ${tenantId}`);
    return syncDeps.jiraClientFor(tenantId, access);
  };
  const live = createLiveJiraData({
    clock,
    clientForViewer: (tenantId, access) => syncDeps.jiraClientFor(tenantId, access),
    clientFor: appJiraClientFor,
  });
  // The core's Bitbucket side (issue 13): installations and pairing, time answers from the linked
  // Jira tenant's store and live data, REST 2.0 clients the Bitbucket edges sign.
  /** A tenant's sync status, with the ETA at the share of the app's quota it gets now. */
  const syncStatusOf = async (tenantId: TenantId) => {
    const state = await (await stores.open(tenantId)).getSyncState();
    const budget = coordinator.snapshot();
    return { budget, status: describeSyncStatus(state, clock.nowMs(), config.jiraPointsPerHour, tenantQuotaShare(budget.pointsSpentByTenant, tenantId)) };
  };
  // Log work and the timer: written to Jira as the viewer, then announced to the sync (src/worklog-writes/).
  const worklogWrites = createWorklogWrites({ fetch: runtime.fetch, clock, coordinator, events });
  // Log work from Bitbucket writes as the person through the linked tenant's Jira edge (read late: built below).
  const bitbucket = createBitbucketHost({ config, control, registry, stores, live, clock, fetch: runtime.fetch, actAsUser: actAsUserByEdge(registry, () => edges), worklogs: worklogWrites.worklogs, sleep: runtime.sleep });
  const reports = timeReportService(metrics, createReportService({ columnsFor: (tenantId) => reportColumns.columnsFor(tenantId), openStore: (tenantId) => stores.open(tenantId), live, coverage: async (tenantId) => (await syncStatusOf(tenantId)).status }));
  // pg-boss on the control database when it is PostgreSQL, shared by every instance; else in process.
  // Its workers start with `queue.start()` (main.ts), once every job kind below is registered.
  const queue = createConfiguredJobQueue(config, logger, options.jobQueue);
  // Every schedule — sync interval, reconciliation, backups, retention, personal data, the edges'
  // own (Forge's uninstall check) — is declared with this one scheduler (src/jobs/scheduler.ts).
  const scheduler = createControlDbScheduler({ store: createScheduleStore(control.db), clock, logger });
  const syncMetrics = createSyncMetrics(metrics, { clock, listInstalledTenantIds: async () => (await registry.listInstalled()).map((tenant) => tenant.id) });
  const sync = createSyncService({
    ...syncDeps,
    queue,
    scheduler,
    registry,
    events,
    clock,
    intervalSeconds: config.syncIntervalSeconds,
    reconcileIntervalMs: config.reconcileIntervalHours * 3600_000,
    logger,
    onOutcome: (tenantId, outcome) => {
      syncMetrics.recordOutcome(tenantId, outcome);
      hooks.onSyncOutcome?.(tenantId, outcome);
    },
  });
  collectJobQueue(metrics, queue);
  collectJiraBudget(metrics, coordinator, clock);
  const processMetrics = collectProcess(metrics);
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
    // Every edge's, on or off: a tenant of an edge switched off since still has its secret wiped.
    // Its Bitbucket links go here too, in the purge's last transaction (see cutBitbucketLinksOnUninstall).
    forgetSecrets: async (db, tenantId) => {
      await forgetTenantInEdges(knownEdges)(db, tenantId);
      await cutBitbucketLinks(db, tenantId);
    },
    ...(hooks.afterPurgeStep ? { afterStep: hooks.afterPurgeStep } : {}),
  });
  // A verified uninstall stops the tenant's work at once (the running job is aborted, waiting ones
  // dropped), then the purge runs under the tenant's key: after the aborted job has settled.
  events.on('uninstalled', ({ tenantId }) => {
    queue.cancel(tenantId);
    purge.request(tenantId);
  });
  cutBitbucketLinksOnUninstall(events, control.db, (error, tenantId) => logger.error({ err: error, tenantId }, 'cutting the Bitbucket links of an uninstalled site failed; the purge cuts them'));
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
    bitbucket,
  };
  edges = await buildEdges(config, knownEdges, host);
  for (const schedule of edges.flatMap((edge) => edge.schedules ?? [])) scheduler.declarePeriodic(schedule);
  scheduler.declarePeriodic({ name: 'account-retention', everyMs: 86_400_000, task: accountRetentionTask({ registry, audit, clock, logger, retentionDays: config.accountRetentionDays, reclaim: createControlDbReclaim(control) }) });
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
  // Ready: the control database answers and this instance's job queue runs (pg-boss: started,
  // not stopped, its workers fetching). Paused tenants are reported but do not make it unready.
  const readiness = async () => {
    await sql`select 1`.execute(control.db);
    const jobs = queue.health();
    const paused = await listPausedTenants(registry, edges);
    const detail = { ...(jobs.state !== 'running' ? { jobs } : {}), ...(paused.length > 0 ? { pausedTenants: paused } : {}) };
    return { ready: jobs.state === 'running', ...(Object.keys(detail).length > 0 ? { detail } : {}) };
  };
  collectReadiness(metrics, readiness);
  /** The scheduler under its former name: main.ts and tests start and run it as `periodic`. */
  const periodic = scheduler;
  /** `/api/sync/status` (and the admin overview's `sync`): the status, a paused edge's reason, the points budget. */
  const apiSyncStatus = async (tenantId: TenantId) => {
    const { budget, status } = await syncStatusOf(tenantId);
    // A tenant its edge cannot serve now (a revoked API token) says so on the page's banner.
    const tenant = await registry.findTenant(tenantId);
    const edgeStatus = tenant && (await edges.find((edge) => edge.owns(tenant))?.tenantStatus?.(tenantId));
    return {
      ...status,
      ...(edgeStatus?.state === 'paused' ? { paused: { reason: edgeStatus.reason ?? null, message: edgeStatus.message ?? null } } : {}),
      pointsBudget: { pointsPerHour: budget.pointsPerHour, remainingEstimate: budget.remainingPointsEstimate, pausedUntilMs: budget.appPausedUntilMs },
    };
  };
  const app = createApp({
    config,
    clock,
    logger,
    edges,
    ownedData,
    syncStatus: apiSyncStatus,
    reports,
    bitbucketLinks: createBitbucketLinks(bitbucket, { appClientFor: appJiraClientFor, clock }),
    // The admin page (issue 16): Jira site admins only, asked of Jira as the app; actions audited.
    admin: { isSiteAdmin: createSiteAdminCheck({ appClientFor: appJiraClientFor, clock }), syncStatus: apiSyncStatus, sync, backups, audit },
    // Log work and the timer: written to Jira as the viewer, then announced to the sync (src/worklog-writes/).
    worklogWrites,
    readiness,
    metrics,
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
    bitbucket,
    app,
    listPausedTenants: () => listPausedTenants(registry, edges),
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
    metrics,
    async close() {
      processMetrics.close();
      for (const edge of edges) await edge.close?.();
      await periodic.stop();
      await sync.stop();
      await reportColumns.close();
      await stores.close();
      // Before the control database closes: the shared ledger gets the hour's unspent points back.
      await jira.close();
      await plane.close();
    },
  };
}

/** A composed Tally. */
export type Tally = Awaited<ReturnType<typeof composeTally>>;
