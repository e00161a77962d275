import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { DONE } from '../jobs/task.js';
import type { SyncState } from '../store/tenant-store.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import { applyWorklogHint, type WorklogHint } from './apply-webhook.js';
import { LONG_TAIL_POINTS, syncTenant, type SyncOutcome, type SyncTenantDeps } from './sync-tenant.js';
import { reconcileTenant } from './reconcile.js';

/** Job priorities: webhooks and incremental syncs go before backfills. */
export const PRIORITY = { webhook: 0, incremental: 1, backfill: 5, longTail: 6 } as const;


/** Pages a backfill may take before yielding to other tenants (fair share of the points budget). */
const BACKFILL_PAGES_PER_TURN = 25;

/**
 * The schedule the sync declares (app-wide, every `intervalSeconds`). Reconciliations have none of
 * their own: each tenant's synced run queues its reconciliation when one is due. (Control databases
 * of earlier versions keep a `sync-reconcile` row; the scheduler ignores rows nobody declares.)
 */
export const SYNC_SCHEDULES = { incremental: 'sync-incremental' } as const;

/** Webhook delivery ids remembered for de-duplication. */
const RECENT_DELIVERIES = 10_000;

interface SyncJob {
  tenantId: TenantId;
  mode: 'auto' | 'full';
  /** A `full` request's time (Tally's clock): a full sync started since answers it (sync-tenant.ts). */
  requestedAtMs?: number;
}

/** What {@link createSyncService} needs. */
export interface SyncServiceDeps extends SyncTenantDeps {
  queue: JobQueue;
  /** Where the interval's incremental syncs are declared. */
  scheduler: Pick<Scheduler, 'declarePeriodic'>;
  registry: TenantRegistry;
  events: TenantEvents;
  clock: Clock;
  intervalSeconds: number;
  /** Reconcile a tenant when a synced run finds its last reconciliation older than this. */
  reconcileIntervalMs: number;
  logger: Logger;
  /** Called after every sync run, for status pages and tests. */
  onOutcome?: (tenantId: TenantId, outcome: SyncOutcome) => void;
}

/** The running synchronisation of every tenant. */
export interface SyncService {
  /** Queues a sync for one tenant now (`full` restarts its full sync). */
  requestSync(tenantId: TenantId, mode: 'auto' | 'full'): void;
  /** Queues a reconciliation of one tenant (on demand). */
  requestReconcile(tenantId: TenantId): void;
  /**
   * Queues an incremental sync of every installed tenant (what the interval's schedule does); each
   * run that ends synced queues the tenant's reconciliation when one is due.
   */
  syncAll(): Promise<void>;
  /** Follows installs and webhooks (the schedules run with the scheduler). */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Wires the sync to the platform edge and the scheduler: an install starts a full sync, webhooks
 * are applied at once, every `intervalSeconds` each installed tenant gets an incremental sync (the
 * one schedule declared here) whose run, once synced, queues the tenant's reconciliation when it is
 * due — one store open per tenant and interval, whatever the number of tenants; an uninstall's purge
 * (src/privacy/purge/tenant-purge.ts) cancels the tenant's work. One writer per tenant: every job
 * of a tenant shares its key.
 */
export function createSyncService(deps: SyncServiceDeps): SyncService {
  // Insertion-ordered, so the oldest identifier is dropped first once the set is full.
  const recentDeliveries = new Set<string>();
  const unsubscribe: (() => void)[] = [];

  deps.queue.register<SyncJob>('sync', async ({ tenantId, mode, requestedAtMs }, { signal }) => {
    const outcome = await syncTenant(deps, tenantId, { mode, maxPages: BACKFILL_PAGES_PER_TURN, signal, ...(requestedAtMs !== undefined ? { fullRequestedAtMs: requestedAtMs } : {}) });
    deps.onOutcome?.(tenantId, outcome);
    // A backfill yields after its turn and queues its next turn behind everyone else's.
    if (outcome.status === 'partial') {
      // A long tail (LONG_TAIL_POINTS) waits behind every other backfill. Its recent window was read
      // in its first turn; its waiting turn has a dedupe value of its own, so the interval's run
      // (incremental priority) still queues beside it and gives it a turn — the live sync that keeps
      // the window exact — every interval while it waits.
      const longTail = outcome.fullSyncPoints > LONG_TAIL_POINTS;
      deps.queue.enqueue({ kind: 'sync', key: tenantId, priority: longTail ? PRIORITY.longTail : PRIORITY.backfill, payload: { tenantId, mode: 'auto' }, dedupe: longTail ? 'long-tail' : 'auto' });
    }
    if (outcome.status === 'synced') requestReconcileIfDue(tenantId, outcome.stateAtStart);
  });
  deps.queue.register<WorklogHint>('webhook', async (hint, { signal }) => {
    const access = await deps.credentials.forTenant(hint.tenantId);
    if (!access) return;
    const store = await deps.stores.open(hint.tenantId);
    await applyWorklogHint({ tenantId: hint.tenantId, store, jira: deps.jiraClientFor(hint.tenantId, access), logger: deps.logger, signal }, hint);
  });

  deps.queue.register<{ tenantId: TenantId }>('reconcile', async ({ tenantId }, { signal }) => {
    const access = await deps.credentials.forTenant(tenantId);
    if (!access) return;
    const store = await deps.stores.open(tenantId);
    if ((await store.getSyncState()).phase !== 'incremental') return;
    await reconcileTenant({ tenantId, store, jira: deps.jiraClientFor(tenantId, access), logger: deps.logger, signal });
  });
  const requestReconcile = (tenantId: TenantId) =>
    deps.queue.enqueue({ kind: 'reconcile', key: tenantId, priority: PRIORITY.backfill, payload: { tenantId }, dedupe: 'reconcile' });
  /**
   * Asked at the end of each synced run, from the state the run read at its start: it costs no
   * store read of its own. A separate app-wide check would open every tenant's store once more per
   * interval — with more tenants than TALLY_OPEN_STORES, a close and a re-open each
   * (docs/benchmarks.md, bench:tenants). The start state is current enough: only a reconciliation
   * (same key, never at the same time) writes its time, and a tenant whose full sync ended in this
   * run is not due (its start state is not yet `incremental`).
   */
  const requestReconcileIfDue = (tenantId: TenantId, state: SyncState) => {
    const nowMs = deps.clock.nowMs();
    const last = state.lastReconciledAtMs ?? state.fullSyncCompletedAtMs ?? nowMs;
    if (state.phase === 'incremental' && nowMs - last >= deps.reconcileIntervalMs) requestReconcile(tenantId);
  };

  // A waiting `full` absorbs later ones (dedupe) and keeps the earliest request time: a full sync
  // started after that time answers both, as the later request only asks for the same reading.
  const requestSync = (tenantId: TenantId, mode: 'auto' | 'full') =>
    deps.queue.enqueue<SyncJob>({
      kind: 'sync',
      key: tenantId,
      priority: mode === 'full' ? PRIORITY.backfill : PRIORITY.incremental,
      payload: mode === 'full' ? { tenantId, mode, requestedAtMs: deps.clock.nowMs() } : { tenantId, mode },
      dedupe: mode,
    });

  const requestIncrementalForAll = async () => {
    for (const tenant of await deps.registry.listInstalled()) requestSync(tenant.id, 'auto');
  };

  const intervalMs = deps.intervalSeconds * 1000;
  // The first run one interval after the first start, as a timer would (a restart keeps the stored time).
  deps.scheduler.declarePeriodic({
    name: SYNC_SCHEDULES.incremental,
    everyMs: intervalMs,
    firstRunAfterMs: intervalMs,
    task: async () => {
      await requestIncrementalForAll();
      return DONE;
    },
  });

  /**
   * `X-Atlassian-Webhook-Identifier` is unsigned and only unique per site: keyed by tenant, so one
   * tenant's delivery id (or a forged one) never suppresses another tenant's delivery.
   */
  function isDuplicateDelivery(tenantId: TenantId, deliveryId: string | undefined): boolean {
    if (!deliveryId) return false;
    const key = `${tenantId}\n${deliveryId}`;
    if (recentDeliveries.has(key)) return true;
    recentDeliveries.add(key);
    if (recentDeliveries.size > RECENT_DELIVERIES) recentDeliveries.delete(recentDeliveries.values().next().value as string);
    return false;
  }

  return {
    requestSync,
    requestReconcile,
    async syncAll() {
      await requestIncrementalForAll();
    },
    start() {
      unsubscribe.push(
        deps.events.on('installed', ({ tenantId, created, reinstalled }) => requestSync(tenantId, created || reinstalled ? 'full' : 'auto')),
        deps.events.on('worklogWebhook', (hint) => {
          if (isDuplicateDelivery(hint.tenantId, hint.deliveryId)) return;
          deps.queue.enqueue({ kind: 'webhook', key: hint.tenantId, priority: PRIORITY.webhook, payload: hint });
        }),
      );
    },
    async stop() {
      for (const off of unsubscribe.splice(0)) off();
      await deps.queue.stop();
    },
  };
}
