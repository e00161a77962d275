import { sql } from 'kysely';
import type { Config } from './config/load-config.js';
import type { Clock } from './platform/clock.js';
import type { Fetch } from './platform/fetch.js';
import type { Logger } from './platform/logger.js';
import { createInstallKeyProvider } from './connect/install-keys.js';
import { createConnectJiraCredentials } from './connect/connect-jira-credentials.js';
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
import { createSecretBox, demoSecretKey } from './tenants/secret-box.js';
import { createSqlTenantRegistry } from './tenants/sql-tenant-registry.js';
import { createTenantEvents } from './tenants/tenant-events.js';
import { createApp } from './http/create-app.js';

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
export async function composeTally(config: Config, runtime: Runtime, hooks: { onSyncOutcome?: SyncServiceDeps['onOutcome'] } = {}) {
  const { clock, logger } = runtime;
  const control = await openControlDb(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const secretKey = config.secretKey ?? (config.mode === 'demo' ? demoSecretKey(config.dataDir) : undefined);
  if (!secretKey) throw new Error('TALLY_SECRET_KEY is required outside demo mode');
  const registry = createSqlTenantRegistry({ db: control.db, secretBox: createSecretBox(secretKey), clock });
  const audit = createSqlAuditLog({ db: control.db, clock });
  const events = createTenantEvents((error, event) => logger.error({ err: error, event }, 'tenant event listener failed'));
  const credentials = createConnectJiraCredentials({ registry, appKey: config.appKey, clock });
  const stores = createSqliteStoreProvider({ dataDir: config.dataDir });
  const coordinator = createRateLimitCoordinator({ clock, sleep: runtime.sleep, pointsPerHour: config.jiraPointsPerHour });
  const worklogListDecoder = config.parseThreads > 0 ? createWorklogParsePool(config.parseThreads) : inlineWorklogListDecoder;
  const syncDeps: SyncTenantDeps = {
    stores,
    credentials,
    logger,
    jiraClientFor: (tenantId, access) =>
      createHttpJiraClient({ tenantId, access, fetch: runtime.fetch, clock, sleep: runtime.sleep, coordinator, requestTimeoutMs: config.jiraTimeoutMs, worklogListDecoder }),
  };
  const queue = createInProcessJobQueue({ concurrency: 2, logger });
  const sync = createSyncService({ ...syncDeps, queue, registry, events, clock, intervalSeconds: config.syncIntervalSeconds, reconcileIntervalMs: config.reconcileIntervalHours * 3600_000, logger, ...(hooks.onSyncOutcome ? { onOutcome: hooks.onSyncOutcome } : {}) });
  const app = createApp({
    config,
    clock,
    logger,
    registry,
    audit,
    events,
    installKeys: createInstallKeyProvider({ baseUrl: config.installKeysUrl, fetch: runtime.fetch }),
    syncStatus: async (tenantId) => {
      const state = await (await stores.open(tenantId)).getSyncState();
      const budget = coordinator.snapshot();
      return {
        ...describeSyncStatus(state, clock.nowMs(), config.jiraPointsPerHour),
        pointsBudget: { pointsPerHour: budget.pointsPerHour, remainingEstimate: budget.remainingPointsEstimate, pausedUntilMs: budget.appPausedUntilMs },
      };
    },
    isReady: async () => {
      await sql`select 1`.execute(control.db);
      return true;
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
    app,
    async close() {
      await sync.stop();
      await stores.close();
      await control.close();
      await worklogListDecoder.close();
    },
  };
}

/** A composed Tally. */
export type Tally = Awaited<ReturnType<typeof composeTally>>;
