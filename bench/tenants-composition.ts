/**
 * Benchmark helper for `bench:tenants`: Tally's sync wiring with the tenant stores behind an
 * open-store pool, built beside `composeTally` because `src/compose.ts` does not take a store
 * provider yet. It mirrors what compose.ts wires for the sync — the control plane, credentials and
 * Jira clients come from `composeTally` itself; the stores (pool → observeStoreWrites → report
 * columns cache), the job queue (concurrency 2), the control-database scheduler and the sync
 * service are built here exactly as compose.ts builds them. `composeTally`'s own stores, queue,
 * scheduler and sync are never started or opened, so they cost nothing.
 * Once compose.ts wraps its provider with `createOpenStorePool` (TALLY_OPEN_STORES), this file
 * can go and the benchmark can use `composeTally` alone.
 */
import { composeTally, type Tally } from '../src/compose.js';
import type { Config } from '../src/config/load-config.js';
import type { Runtime } from '../src/compose/runtime.js';
import { createInProcessJobQueue } from '../src/jobs/in-process-job-queue.js';
import type { JobQueue } from '../src/jobs/job-queue.js';
import { createScheduleStore } from '../src/jobs/schedule-store.js';
import { createControlDbScheduler, type PeriodicSchedule, type Scheduler } from '../src/jobs/scheduler.js';
import { observeStoreWrites } from '../src/reporting/engine/observe-store-writes.js';
import { createReportColumnsCache, type ReportColumnsCache } from '../src/reporting/engine/report-columns-cache.js';
import { createOpenStorePool, type OpenStorePool } from '../src/store/open-store-pool.js';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import type { StoreProvider } from '../src/store/tenant-store.js';
import { createSyncService, type SyncService, type SyncServiceDeps } from '../src/sync/sync-service.js';
import { createTenantEvents } from '../src/tenants/tenant-events.js';

/** Options of {@link composeTenantsBench}. */
export interface TenantsBenchCompositionOptions {
  /** Most stores open at once; 0 for no pool (every store stays open, as before issue 14). */
  openStores: number;
  /** The pool's `idleCloseMs`; unset: stores stay open until their slot is needed. */
  idleCloseMs?: number;
  onOutcome: NonNullable<SyncServiceDeps['onOutcome']>;
  /** Called when a periodic schedule's task starts (the benchmark times the incremental rounds by it). */
  onScheduleRun(name: string, startedMs: number): void;
}

/** The composed benchmark: Tally's control plane plus the pooled sync wiring. */
export interface TenantsBenchComposition {
  tally: Tally;
  stores: StoreProvider;
  pool: OpenStorePool | undefined;
  sync: SyncService;
  scheduler: Scheduler;
  queue: JobQueue;
  close(): Promise<void>;
}

/** Builds the composition; nothing runs until `sync.start()` and `scheduler.start()`. */
export async function composeTenantsBench(config: Config, runtime: Runtime, options: TenantsBenchCompositionOptions): Promise<TenantsBenchComposition> {
  const { clock, logger } = runtime;
  const tally = await composeTally(config, runtime);
  const sqlite = createSqliteStoreProvider({ dataDir: config.dataDir });
  const pool = options.openStores > 0 ? createOpenStorePool(sqlite, { maxOpen: options.openStores, ...(options.idleCloseMs !== undefined ? { idleCloseMs: options.idleCloseMs } : {}) }) : undefined;
  let reportColumns: ReportColumnsCache | undefined;
  // The order compose.ts would use: the pool under the write observer, so each tenant keeps one
  // decorated handle whatever the pool closes and re-opens beneath it.
  const stores = observeStoreWrites(pool ?? sqlite, (tenantId, change) => reportColumns?.applyWrite(tenantId, change), {
    isObserving: (tenantId) => reportColumns?.isTracking(tenantId) ?? false,
    onDiscard: (tenantId) => reportColumns?.evict(tenantId),
  });
  reportColumns = createReportColumnsCache({ stores });
  const queue = createInProcessJobQueue({ concurrency: 2, logger });
  const scheduler = createControlDbScheduler({ store: createScheduleStore(tally.control.db), clock, logger });
  const timed = {
    declarePeriodic(schedule: PeriodicSchedule) {
      scheduler.declarePeriodic({
        ...schedule,
        task: (payload, helpers) => {
          options.onScheduleRun(schedule.name, clock.nowMs());
          return schedule.task(payload, helpers);
        },
      });
    },
  };
  const sync = createSyncService({
    stores,
    credentials: tally.credentials,
    jiraClientFor: tally.syncDeps.jiraClientFor,
    logger,
    queue,
    scheduler: timed,
    registry: tally.registry,
    events: createTenantEvents((error, event) => logger.error({ err: error, event }, 'tenant event listener failed')),
    clock,
    intervalSeconds: config.syncIntervalSeconds,
    reconcileIntervalMs: config.reconcileIntervalHours * 3600_000,
    onOutcome: options.onOutcome,
  });
  return {
    tally,
    stores,
    pool,
    sync,
    scheduler,
    queue,
    async close() {
      await scheduler.stop();
      await sync.stop();
      await reportColumns?.close();
      await stores.close();
      await tally.close();
    },
  };
}
