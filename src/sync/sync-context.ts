import type { CallPriority, JiraClient } from '../jira/jira-client.js';
import type { Logger } from '../platform/logger.js';
import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { ApplyResult, SyncBatch, TenantStore } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';

/**
 * What one tenant's sync work receives (graphile-worker's `(payload, helpers)` shape): the store,
 * the Jira client, a scoped logger and an AbortSignal. Nothing else — sync never learns through
 * which platform edge the tenant arrived.
 */
export interface SyncContext {
  tenantId: TenantId;
  store: TenantStore;
  jira: JiraClient;
  logger: Logger;
  signal?: AbortSignal;
}

/** Counts a sync step reports; the runner decides about retries from data, not exceptions. */
export interface SyncCounts {
  pages: number;
  upserted: number;
  deleted: number;
  skippedStale: number;
  /** Instants swept because more than a page of changes shared them. */
  sweptInstants: number;
}

/** Zeroed counts. */
export function emptyCounts(): SyncCounts {
  return { pages: 0, upserted: 0, deleted: 0, skippedStale: 0, sweptInstants: 0 };
}

/** Adds `more` into `into`. */
export function addCounts(into: SyncCounts, more: Partial<SyncCounts>): void {
  for (const key of Object.keys(more) as (keyof SyncCounts)[]) into[key] += more[key] ?? 0;
}

/**
 * Writes one page of sync work (`applyBatch`: rows and cursor in one transaction) in an
 * event-loop turn of its own. A 1,000-row commit is 10–40 ms of synchronous SQLite work; without
 * the turn it runs in the same microtask drain as the decoding that produced it and as the pages
 * of the other tenants syncing at the same time, which is how full syncs stalled the event loop
 * for hundreds of ms (docs/benchmarks.md, bench:tenants).
 */
export async function applyPage(context: SyncContext, batch: SyncBatch): Promise<ApplyResult> {
  await takeEventLoopTurn();
  return context.store.applyBatch(batch);
}

/** Throws the signal's reason when the work was cancelled (uninstall, shutdown). */
export function throwIfAborted(context: SyncContext): void {
  context.signal?.throwIfAborted();
}

/** The priority a phase's calls get from the shared points budget. */
export function priorityOf(phase: 'full' | 'incremental'): CallPriority {
  return phase === 'full' ? 'backfill' : 'incremental';
}
