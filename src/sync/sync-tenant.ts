import type { JiraClient } from '../jira/jira-client.js';
import type { JiraCredentials, TenantJiraAccess } from '../jira/jira-credentials.js';
import type { Logger } from '../platform/logger.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';
import { runFullSync } from './full-sync.js';
import { runIncrementalSync } from './incremental-sync.js';
import { replayFailedWebhooks } from './replay-failed-webhooks.js';
import { addCounts, emptyCounts, type SyncCounts } from './sync-context.js';

/** How a sync run went; the job runner decides about the next run from this, not from exceptions. */
export type SyncOutcome =
  | { status: 'synced'; phase: 'full' | 'incremental'; counts: SyncCounts }
  | { status: 'partial'; phase: 'full' | 'incremental'; counts: SyncCounts }
  | { status: 'skipped'; reason: 'not-installed' };

/** What {@link syncTenant} needs; built once in the composition root. */
export interface SyncTenantDeps {
  stores: StoreProvider;
  credentials: JiraCredentials;
  jiraClientFor(tenantId: TenantId, access: TenantJiraAccess): JiraClient;
  logger: Logger;
}

/** Options of one run. */
export interface SyncTenantOptions {
  /** `full` restarts a full sync from the beginning; `auto` continues whatever is due. */
  mode: 'auto' | 'full';
  /** Stop after this many pages (fair sharing of the points budget); progress is kept. */
  maxPages?: number;
  signal?: AbortSignal;
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
  if (options.mode === 'full' || state.phase !== 'incremental') {
    const full = await runFullSync(context, { maxPages: budget, restart: options.mode === 'full' });
    addCounts(counts, full.counts);
    if (!full.done) return { status: 'partial', phase: 'full', counts };
  }
  const incremental = await runIncrementalSync(context, { maxPages: Math.max(1, budget - counts.pages) });
  addCounts(counts, incremental.counts);
  if (incremental.done) await replayFailedWebhooks(context);
  return { status: incremental.done ? 'synced' : 'partial', phase: 'incremental', counts };
}
