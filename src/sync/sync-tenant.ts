import type { JiraClient } from '../jira/jira-client.js';
import type { JiraCredentials, TenantJiraAccess } from '../jira/jira-credentials.js';
import type { Logger } from '../platform/logger.js';
import type { StoreProvider, SyncState, TenantStore } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';
import { defaultBackfillPolicy, type BackfillPolicy } from './backfill-policy.js';
import { runFullSync } from './full-sync.js';
import { runRecentFirstFullSync } from './recent-first-sync.js';
import { runIncrementalSync } from './incremental-sync.js';
import { replayFailedWebhooks } from './replay-failed-webhooks.js';
import { addCounts, emptyCounts, type SyncCounts } from './sync-context.js';

/** How a sync run went; the job runner decides about the next run from this, not from exceptions. */
export type SyncOutcome =
  | {
      status: 'synced';
      phase: 'full' | 'incremental';
      counts: SyncCounts;
      /** The sync state as the run found it (the reconciliation's due time is read from it, at no extra store read). */
      stateAtStart: SyncState;
    }
  | {
      status: 'partial';
      phase: 'full' | 'incremental';
      counts: SyncCounts;
      /** Points the full sync has cost so far (0 for an incremental run): how long a backfill's tail is. */
      fullSyncPoints: number;
    }
  | { status: 'skipped'; reason: 'not-installed' };

/** What {@link syncTenant} needs; built once in the composition root. */
export interface SyncTenantDeps {
  stores: StoreProvider;
  credentials: JiraCredentials;
  jiraClientFor(tenantId: TenantId, access: TenantJiraAccess): JiraClient;
  logger: Logger;
  /** How a new site's first sync reads (default: recent first, this month and the last). */
  backfill?: BackfillPolicy;
}

/** Options of one run. */
export interface SyncTenantOptions {
  /** `full` restarts a full sync from the beginning; `auto` continues whatever is due. */
  mode: 'auto' | 'full';
  /**
   * When the `full` was asked for (Tally's clock). A full sync that started at or after it
   * already answers the request, so the run continues it instead of restarting: see
   * {@link isFullRequestAnswered}. Without it, `full` always restarts (the CLI's `--full`).
   */
  fullRequestedAtMs?: number;
  /** Stop after this many pages (fair sharing of the points budget); progress is kept. */
  maxPages?: number;
  signal?: AbortSignal;
}

/**
 * Whether a full sync requested at `requestedAtMs` is already done or under way: one started at
 * or after the request reads everything the request wanted read. This is what makes a tenant's
 * full sync run once however the requests queue up: an install queues `full` at backfill
 * priority, the interval's `auto` (higher priority) may run first and perform the whole full sync
 * of a fresh tenant; the waiting `full` then finds it answered instead of restarting from zero
 * (a 1,000-site run spent 6.8M points instead of 3.8M). The check sits here, at the run, not in
 * the queue, because only the tenant's sync state knows what actually started, whichever process
 * or queue ran it. `fullSyncStartedAtMs` is Jira's clock and the request Tally's: a skew of a few
 * seconds can at worst make a request restart a sync that started just after it (the old
 * behaviour) or count one that started just before it (that one reads to the end of the feed too).
 */
export function isFullRequestAnswered(state: Pick<SyncState, 'phase' | 'fullSyncStartedAtMs'>, requestedAtMs: number | undefined): boolean {
  if (requestedAtMs === undefined || state.phase === 'none' || state.fullSyncStartedAtMs === undefined) return false;
  return state.fullSyncStartedAtMs >= requestedAtMs;
}

/**
 * A full sync that has cost more than this many points is a big site's long tail (issue 15: small
 * sites and recent windows go first). Until then its calls are `incremental` — a new customer is
 * waiting, and a site of a few thousand worklogs finishes below it — so they need not leave the
 * hour's reserve unused; past it they are `backfill` calls, which stop at the reserve, and the
 * sync service queues its turns behind every other backfill. About a third of Tier 1's hour.
 */
export const LONG_TAIL_POINTS = 20_000;

/**
 * Adds a turn's points to the full sync's (one small write per turn of a full sync) and returns the
 * sum. `before`: the full sync's points when the turn began — 0 when the turn started a full sync.
 */
async function addFullSyncPoints(store: TenantStore, before: number, points: number): Promise<number> {
  if (points <= 0) return before;
  await store.applyBatch({ upserts: [], deletions: [], state: { fullSyncPoints: before + points } });
  return before + points;
}

/**
 * Synchronises one tenant: the full sync if it has not finished (or `mode: full`), then an
 * incremental sync. Resumable at any point, safe to call repeatedly; a tenant without Jira access
 * (uninstalled) is skipped and nothing is written.
 */
export async function syncTenant(deps: SyncTenantDeps, tenantId: TenantId, options: SyncTenantOptions): Promise<SyncOutcome> {
  const access = await deps.credentials.forTenant(tenantId);
  if (!access) return { status: 'skipped', reason: 'not-installed' };
  const store = await deps.stores.open(tenantId);
  const context = {
    tenantId,
    store,
    jira: deps.jiraClientFor(tenantId, access),
    logger: deps.logger.child({ tenantId }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const counts = emptyCounts();
  const state = await store.getSyncState();
  const budget = options.maxPages ?? Infinity;
  const restart = options.mode === 'full' && !isFullRequestAnswered(state, options.fullRequestedAtMs);
  const fullRuns = restart || state.phase !== 'incremental';
  if (fullRuns) {
    // Without a points quota (API tokens) reading recent first saves nothing, and the feed needs the fewest requests.
    const policy = access.chargesPoints === false ? { strategy: 'bulk' as const } : (deps.backfill ?? defaultBackfillPolicy);
    const pointsBefore = context.jira.pointsSpent?.() ?? 0;
    const priority = restart || state.fullSyncPoints <= LONG_TAIL_POINTS ? 'incremental' : 'backfill';
    const full = policy.strategy === 'recent-first' ? await runRecentFirstFullSync(context, { policy, maxPages: budget, restart, priority, longTailPoints: LONG_TAIL_POINTS }) : await runFullSync(context, { maxPages: budget, restart, priority });
    addCounts(counts, full.counts);
    // Both full-sync paths start over (points 0) exactly when the state is not mid-full-sync or a restart is asked for.
    const turnStartedFullSync = restart || state.phase !== 'full';
    const fullSyncPoints = await addFullSyncPoints(context.store, turnStartedFullSync ? 0 : state.fullSyncPoints, (context.jira.pointsSpent?.() ?? 0) - pointsBefore);
    if (!full.done) return { status: 'partial', phase: 'full', counts, fullSyncPoints };
  }
  // The state read above is still the stored one unless the full sync ran and moved it.
  const incremental = await runIncrementalSync(context, { maxPages: Math.max(1, budget - counts.pages), ...(fullRuns ? {} : { state }) });
  addCounts(counts, incremental.counts);
  if (!incremental.done) return { status: 'partial', phase: 'incremental', counts, fullSyncPoints: 0 };
  if (access.keepsFailedWebhooks !== false) await replayFailedWebhooks(context, state.failedWebhooksAfterMs);
  return { status: 'synced', phase: 'incremental', counts, stateAtStart: state };
}
