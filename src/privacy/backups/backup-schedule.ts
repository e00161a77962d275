import { createHash } from 'node:crypto';
import type { TenantSchedule } from '../../jobs/scheduler.js';
import type { TaskOutcome } from '../../jobs/task.js';
import { isAppError } from '../../platform/app-error.js';
import type { ErrorCode } from '../../platform/error-codes.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantBackups } from './tenant-backups.js';

/** What {@link backupSchedule} needs. */
export interface BackupScheduleDeps {
  backups: Pick<TenantBackups, 'create' | 'prune'>;
  registry: Pick<TenantRegistry, 'listInstalled'>;
  intervalHours: number;
}

/** The per-tenant schedule's name (one row per installed tenant). */
export const BACKUP_SCHEDULE = 'backup';

const HOUR_MS = 3_600_000;
/** A failed backup is tried again after this long (or the interval, if shorter), not a whole interval later. */
const RETRY_AFTER_MS = HOUR_MS;

/**
 * Where in the first interval a tenant's first backup falls: a stable hash of its id, so a fleet
 * of tenants (e.g. when backups are first switched on) spreads over the interval instead of all
 * copying at once, and a restart does not move anyone.
 */
export function firstBackupOffsetMs(tenantId: TenantId, intervalMs: number): number {
  return createHash('sha256').update(tenantId).digest().readUIntBE(0, 6) % intervalMs;
}

/**
 * The backup schedule, declared per tenant with the scheduler: every installed tenant is first
 * due at + {@link firstBackupOffsetMs}, then every `intervalHours`. A run creates a backup and
 * prunes by the retention (pruning also when the backup failed: the promise is about age). A
 * tenant without a database yet, or uninstalled meanwhile, is skipped until the next interval; any
 * other failure is retried after an hour (at most the interval). The scheduler claims each run
 * (two instances never back up the same tenant twice) and drops the schedules of tenants no
 * longer installed.
 */
export function backupSchedule(deps: BackupScheduleDeps): TenantSchedule {
  if (!(deps.intervalHours > 0)) throw new RangeError(`intervalHours must be positive, got ${deps.intervalHours}`);
  const intervalMs = Math.round(deps.intervalHours * HOUR_MS);
  return {
    name: BACKUP_SCHEDULE,
    everyMs: intervalMs,
    failureRetryMs: Math.min(RETRY_AFTER_MS, intervalMs),
    tenants: async () => (await deps.registry.listInstalled()).map((tenant) => tenant.id),
    firstRunAfterMs: (tenantId) => firstBackupOffsetMs(tenantId, intervalMs),
    async task({ tenantId }, { logger }) {
      let outcome: TaskOutcome;
      try {
        const info = await deps.backups.create(tenantId);
        logger.info({ backupId: info.backupId }, 'scheduled backup created');
        outcome = { status: 'done' };
      } catch (error) {
        const code: ErrorCode = isAppError(error) ? error.code : 'INTERNAL';
        outcome = code === 'BACKUP_SOURCE_MISSING' || code === 'BACKUP_TENANT_UNINSTALLED' ? { status: 'done' } : { status: 'failed', reason: code, error };
      }
      try {
        await deps.backups.prune(tenantId);
      } catch (error) {
        logger.warn({ err: error }, 'pruning backups failed; retrying at the next run');
      }
      return outcome;
    },
  };
}
