import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import { applyWorklogHint, type WorklogHint } from './apply-webhook.js';
import { syncTenant, type SyncOutcome, type SyncTenantDeps } from './sync-tenant.js';
import { reconcileTenant } from './reconcile.js';

/** Job priorities: webhooks and incremental syncs go before backfills. */
export const PRIORITY = { webhook: 0, incremental: 1, backfill: 5 } as const;

/** Pages a backfill may take before yielding to other tenants (fair share of the points budget). */
const BACKFILL_PAGES_PER_TURN = 25;

interface SyncJob {
  tenantId: TenantId;
  mode: 'auto' | 'full';
}

/** What {@link createSyncService} needs. */
export interface SyncServiceDeps extends SyncTenantDeps {
  queue: JobQueue;
  registry: TenantRegistry;
  events: TenantEvents;
  clock: Clock;
  intervalSeconds: number;
  /** Reconcile each tenant when its last reconciliation is older than this. */
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
  /** Queues an incremental sync of every installed tenant, and the reconciliations that are due (what the schedule does). */
  syncAll(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Wires the sync to the platform edge and the schedule: an install starts a full sync, webhooks
 * are applied at once, every `intervalSeconds` each installed tenant gets an incremental sync, an
 * uninstall's purge (src/privacy/purge/tenant-purge.ts) cancels the tenant's work. One writer per
 * tenant: every job of a tenant shares its key.
 */
export function createSyncService(deps: SyncServiceDeps): SyncService {
  // Insertion-ordered, so the oldest identifier is dropped first once the set is full.
  const recentDeliveries = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe: (() => void)[] = [];

  deps.queue.register<SyncJob>('sync', async ({ tenantId, mode }, { signal }) => {
    const outcome = await syncTenant(deps, tenantId, { mode, maxPages: BACKFILL_PAGES_PER_TURN, signal });
    deps.onOutcome?.(tenantId, outcome);
    // A backfill yields after its turn and queues its next turn behind everyone else's.
    if (outcome.status === 'partial') deps.queue.enqueue({ kind: 'sync', key: tenantId, priority: PRIORITY.backfill, payload: { tenantId, mode: 'auto' }, dedupe: 'auto' });
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

  const requestSync = (tenantId: TenantId, mode: 'auto' | 'full') =>
    deps.queue.enqueue({ kind: 'sync', key: tenantId, priority: mode === 'full' ? PRIORITY.backfill : PRIORITY.incremental, payload: { tenantId, mode }, dedupe: mode });

  function isDuplicateDelivery(deliveryId: string | undefined): boolean {
    if (!deliveryId) return false;
    if (recentDeliveries.has(deliveryId)) return true;
    recentDeliveries.add(deliveryId);
    if (recentDeliveries.size > 10_000) recentDeliveries.delete(recentDeliveries.values().next().value as string);
    return false;
  }

  return {
    requestSync,
    requestReconcile,
    async syncAll() {
      for (const tenant of await deps.registry.listInstalled()) {
        requestSync(tenant.id, 'auto');
        const state = await (await deps.stores.open(tenant.id)).getSyncState();
        const last = state.lastReconciledAtMs ?? state.fullSyncCompletedAtMs ?? deps.clock.nowMs();
        if (state.phase === 'incremental' && deps.clock.nowMs() - last >= deps.reconcileIntervalMs) requestReconcile(tenant.id);
      }
    },
    start() {
      unsubscribe.push(
        deps.events.on('installed', ({ tenantId, created, reinstalled }) => requestSync(tenantId, created || reinstalled ? 'full' : 'auto')),
        deps.events.on('worklogWebhook', (hint) => {
          if (isDuplicateDelivery(hint.deliveryId)) return;
          deps.queue.enqueue({ kind: 'webhook', key: hint.tenantId, priority: PRIORITY.webhook, payload: hint });
        }),
      );
      timer = setInterval(() => void this.syncAll().catch((error: unknown) => deps.logger.error({ err: error }, 'scheduling failed')), deps.intervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      for (const off of unsubscribe.splice(0)) off();
      await deps.queue.stop();
    },
  };
}
