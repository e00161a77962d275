import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { DONE } from '../jobs/task.js';
import type { SyncState } from '../store/tenant-store.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import { applyWorklogHint, isOwnWriteNotice, type WorklogHint } from './apply-webhook.js';
import { LONG_TAIL_POINTS, syncTenant, type SyncOutcome, type SyncTenantDeps } from './sync-tenant.js';
import { reconcileTenant } from './reconcile.js';
import { resyncRange, type ResyncDates } from './range-resync.js';
import { syncAdminFacts, type SyncAdminFacts } from './sync-admin-facts.js';

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

/**
 * How old the stored `lastIncrementalSyncAtMs` may get before a run that wrote nothing else stores
 * it again. An interval in which nothing changed must cost no write (on PostgreSQL a write is a
 * transaction of several round trips, for every site every interval); this costs one write per
 * site per 10 minutes instead. The process that ran the sync knows the exact time (in memory),
 * so only another instance's admin page can show a time up to this much too old.
 */
const LAST_SYNC_MARK_EVERY_MS = 10 * 60_000;

/** Worklogs one turn of a range re-sync reads before it yields to other sites (as a recent window's turn). */
const RANGE_RESYNC_TURN_WORKLOGS = 25_000;

/** A range re-sync's job: the dates, and where the previous turn stopped (a chunk, an issue in it). */
interface RangeResyncJob {
  tenantId: TenantId;
  dates: ResyncDates;
  chunk?: number;
  afterIssueId?: number;
}

/** A webhook job: the hint and when it reached Tally (Tally's clock). */
type WebhookJob = WorklogHint & { receivedAtMs?: number };

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
   * Queues a re-read of every worklog started in `dates` (checked by `checkResyncDates` first;
   * range-resync.ts): upserts only, at backfill priority, in turns. The same range asked again
   * while it waits is one job.
   */
  requestRangeResync(tenantId: TenantId, dates: ResyncDates): void;
  /** What the admin page shows of the sync besides its status: last incremental sync, webhooks, reconciliation. */
  adminFacts(tenantId: TenantId): Promise<SyncAdminFacts>;
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
  // The exact end of each tenant's last synced run in this process (one number per tenant).
  const lastSyncedAtMs = new Map<TenantId, number>();

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
    if (outcome.status === 'synced') {
      await markSynced(tenantId, outcome.stateAtStart);
      requestReconcileIfDue(tenantId, outcome.stateAtStart);
    }
  });
  deps.queue.register<WebhookJob>('webhook', async ({ receivedAtMs, ...hint }, { signal }) => {
    const access = await deps.credentials.forTenant(hint.tenantId);
    if (!access) return;
    const store = await deps.stores.open(hint.tenantId);
    // Lag in Jira's clock against Tally's: skew between them can make it slightly negative, which means "none".
    const receipt = receivedAtMs === undefined ? undefined : { lastWebhookReceivedAtMs: receivedAtMs, lastWebhookLagMs: hint.timestampMs === undefined ? undefined : Math.max(0, receivedAtMs - hint.timestampMs) };
    await applyWorklogHint({ tenantId: hint.tenantId, store, jira: deps.jiraClientFor(hint.tenantId, access), logger: deps.logger, signal }, hint, receipt);
  });

  deps.queue.register<RangeResyncJob>('resync-range', async ({ tenantId, dates, chunk, afterIssueId }, { signal }) => {
    const access = await deps.credentials.forTenant(tenantId);
    if (!access) return;
    const store = await deps.stores.open(tenantId);
    // Before the first full sync there is nothing to repair, and rows written now would stop its bulk load.
    if ((await store.getSyncState()).phase === 'none') return;
    const logger = deps.logger.child({ tenantId });
    const result = await resyncRange({ tenantId, store, jira: deps.jiraClientFor(tenantId, access), logger, signal }, { dates, chunk, afterIssueId, maxWorklogs: RANGE_RESYNC_TURN_WORKLOGS });
    logger.info({ from: dates.from, to: dates.to, issues: result.issues, read: result.read, upserted: result.upserted, unreadIssues: result.unreadIssues, complete: result.next === undefined }, 'range re-sync turn');
    if (result.next !== undefined) {
      const { chunk: nextChunk, afterIssueId: nextIssue } = result.next;
      // The next turn waits behind other sites' work; its own dedupe value, so a new request of the same range is not absorbed into it.
      deps.queue.enqueue<RangeResyncJob>({
        kind: 'resync-range',
        key: tenantId,
        priority: PRIORITY.backfill,
        payload: { tenantId, dates, chunk: nextChunk, ...(nextIssue !== undefined ? { afterIssueId: nextIssue } : {}) },
        dedupe: `range:${dates.from}:${dates.to}:at:${nextChunk}:${nextIssue ?? ''}`,
      });
    }
  });
  const requestRangeResync = (tenantId: TenantId, dates: ResyncDates) =>
    deps.queue.enqueue<RangeResyncJob>({ kind: 'resync-range', key: tenantId, priority: PRIORITY.backfill, payload: { tenantId, dates: { from: dates.from, to: dates.to } }, dedupe: `range:${dates.from}:${dates.to}` });

  /**
   * Notes the end of a synced run: in memory always, in the store only when the stored time is
   * older than {@link LAST_SYNC_MARK_EVERY_MS} (read from the state the run read at its start).
   */
  const markSynced = async (tenantId: TenantId, stateAtStart: SyncState) => {
    const nowMs = deps.clock.nowMs();
    lastSyncedAtMs.set(tenantId, nowMs);
    const stored = stateAtStart.lastIncrementalSyncAtMs;
    if (stored !== undefined && nowMs - stored < LAST_SYNC_MARK_EVERY_MS) return;
    try {
      await (await deps.stores.open(tenantId)).applyBatch({ upserts: [], deletions: [], state: { lastIncrementalSyncAtMs: nowMs } });
    } catch (error) {
      // A time for the admin page: the run's work is committed and stands; the next run tries again.
      deps.logger.warn({ tenantId, err: error }, 'storing the last incremental sync time failed');
    }
  };

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
    requestRangeResync,
    async adminFacts(tenantId) {
      const state = await (await deps.stores.open(tenantId)).getSyncState();
      return syncAdminFacts(state, lastSyncedAtMs.get(tenantId));
    },
    async syncAll() {
      await requestIncrementalForAll();
    },
    start() {
      unsubscribe.push(
        deps.events.on('installed', ({ tenantId, created, reinstalled }) => requestSync(tenantId, created || reinstalled ? 'full' : 'auto')),
        deps.events.on('uninstalled', ({ tenantId }) => lastSyncedAtMs.delete(tenantId)),
        deps.events.on('worklogWebhook', (hint) => {
          if (isDuplicateDelivery(hint.tenantId, hint.deliveryId)) return;
          // Tally's own notices after a write are applied the same way but are no webhook receipt.
          const payload: WebhookJob = isOwnWriteNotice(hint) ? hint : { ...hint, receivedAtMs: deps.clock.nowMs() };
          deps.queue.enqueue<WebhookJob>({ kind: 'webhook', key: hint.tenantId, priority: PRIORITY.webhook, payload });
        }),
      );
    },
    async stop() {
      for (const off of unsubscribe.splice(0)) off();
      await deps.queue.stop();
    },
  };
}
