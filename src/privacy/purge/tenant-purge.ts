import type { Kysely } from 'kysely';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { Scheduler } from '../../jobs/scheduler.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';

/*
 * The uninstall purge (the statements: "all of a customer's data is deleted, backups included").
 * A verified uninstall marks the tenant `pending` in the same write that records it; the purge
 * then runs as a job under the tenant's own key, so it starts only after the tenant's running
 * sync has stopped (the uninstall aborts it) and before any job queued later (a re-install's full
 * sync waits behind it). Each step is idempotent and its completion is recorded on the tenant
 * row: killed at any point, the purge is resumed at the next start and ends in the same state.
 */

/** The steps, in order. Each one can run again after a crash without harm. */
export const PURGE_STEPS = ['caches_evicted', 'store_destroyed', 'backups_deleted', 'schedules_deleted', 'secret_wiped'] as const;
export type PurgeStep = (typeof PURGE_STEPS)[number];

/** The purge job's kind in the queue; its key is the tenant id (one writer per tenant). */
export const PURGE_JOB = 'purge';
/** Before everything else of the tenant: a re-install's full sync must find the old data gone. */
const PURGE_PRIORITY = -1;

/** What the purge needs. */
export interface TenantPurgeDeps {
  registry: TenantRegistry;
  queue: JobQueue;
  stores: StoreProvider;
  /** Deletes every backup of the tenant (`TALLY_BACKUP_DIR/<tenant id>/`); idempotent. */
  deleteBackups(tenantId: TenantId): Promise<void>;
  /** Drops what memory holds of the tenant: report columns, live Jira data, rate-limit state. */
  evictCaches(tenantId: TenantId): void | Promise<void>;
  /** Cancels the tenant's schedules (backups, personal-data reporting, …) and their progress. */
  scheduler: Pick<Scheduler, 'cancelTenant'>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /**
   * Wipes the secrets the platform edges keep for the tenant (keys, tokens), in `db`: the
   * transaction that ends the purge, and only while the tenant is still uninstalled (wired from
   * every edge module's `forgetTenant`, on or off). Idempotent.
   */
  forgetSecrets(db: Kysely<any>, tenantId: TenantId): Promise<void>;
  /** Tests: called after each step is recorded; throwing there stands for the process dying. */
  afterStep?: (tenantId: TenantId, step: PurgeStep) => Promise<void> | void;
}

/** The purge of uninstalled tenants. */
export interface TenantPurge {
  /** Queues the purge of one tenant (after a verified uninstall, or to resume one). */
  request(tenantId: TenantId): void;
  /** Runs the purge of one tenant now, from wherever it stopped; the job calls this. */
  run(tenantId: TenantId): Promise<void>;
  /** Queues every purge that is owed and not finished (at start, after a crash). */
  resumeOwed(): Promise<number>;
}

/** Builds the purge and registers its job handler on the queue. */
export function createTenantPurge(deps: TenantPurgeDeps): TenantPurge {
  const { registry, audit, logger } = deps;

  const steps: Record<PurgeStep, (tenantId: TenantId) => Promise<void>> = {
    caches_evicted: async (tenantId) => {
      await deps.evictCaches(tenantId);
    },
    // The SQLite file with its -wal and -shm (secure_delete zeroes nothing once the file is gone:
    // the whole file is unlinked).
    store_destroyed: (tenantId) => deps.stores.destroy(tenantId),
    backups_deleted: (tenantId) => deps.deleteBackups(tenantId),
    schedules_deleted: async (tenantId) => {
      await deps.scheduler.cancelTenant(tenantId);
    },
    // The secret goes last: until then the tenant row still proves who the data belonged to.
    secret_wiped: async () => {},
  };

  async function run(tenantId: TenantId): Promise<void> {
    const tenant = await registry.findTenant(tenantId);
    if (!tenant || tenant.purgeStep === undefined || tenant.purgeStep === 'done') return;
    const done = PURGE_STEPS.indexOf(tenant.purgeStep as PurgeStep);
    if (done < 0) await audit.appendAudit('tenant.purge_started', tenantId);
    for (const step of PURGE_STEPS.slice(done + 1)) {
      if (step === 'secret_wiped') {
        // Audited before the write that ends the purge: a crash in between repeats an entry on
        // resume rather than losing it.
        await audit.appendAudit('tenant.purge_step', tenantId, { step });
        await audit.appendAudit('tenant.purged', tenantId, { reason: tenant.state === 'installed' ? 'reinstalled_during_purge' : 'uninstalled' });
        // One transaction, the tenant row written first: a re-install that commits before it
        // keeps its new secret (the tenant is installed again, nothing is wiped); one that
        // commits after it finds the purge done and writes its secret afresh.
        await registry.transaction(async (tx) => {
          const finished = await tx.finishPurge(tenantId, deps.clock.nowMs());
          if (finished?.state === 'uninstalled') await deps.forgetSecrets(tx.db, tenantId);
        });
        // The queue's rows of the tenant's finished jobs (and of this job once it returns) go too.
        // The purge is done either way: rows a failure leaves expire after the queue's retention.
        await deps.queue.forgetKey?.(tenantId).catch((error: unknown) => logger.warn({ err: error, tenantId }, 'forgetting the tenant\'s finished jobs failed; they expire with the queue\'s retention'));
        await deps.afterStep?.(tenantId, step);
        logger.info({ event: 'tenant_purged', tenantId }, 'tenant data purged');
        return;
      }
      await steps[step](tenantId);
      await registry.recordPurgeStep(tenantId, step);
      await audit.appendAudit('tenant.purge_step', tenantId, { step });
      await deps.afterStep?.(tenantId, step);
    }
  }

  deps.queue.register<{ tenantId: TenantId }>(PURGE_JOB, async ({ tenantId }) => {
    // Not cancellable by design: a purge once started finishes (an abort would only delay it).
    await run(tenantId);
  });

  const request = (tenantId: TenantId) => deps.queue.enqueue({ kind: PURGE_JOB, key: tenantId, priority: PURGE_PRIORITY, payload: { tenantId }, dedupe: 'purge' });

  return {
    request,
    run,
    async resumeOwed() {
      const owed = await registry.listPurgesOwed();
      for (const tenant of owed) request(tenant.id);
      return owed.length;
    },
  };
}
