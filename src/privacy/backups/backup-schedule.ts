import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isAppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { ErrorCode } from '../../platform/error-codes.js';
import type { Logger } from '../../platform/logger.js';
import type { ControlSchema } from '../../tenants/control-schema.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantBackups } from './tenant-backups.js';

/** What {@link runDueBackups} needs. */
export interface BackupScheduleDeps {
  backups: Pick<TenantBackups, 'create' | 'prune'>;
  registry: Pick<TenantRegistry, 'listInstalled'>;
  /** The control database: `scheduled_jobs` holds each tenant's next run as `backup:<tenant id>`. */
  db: Kysely<ControlSchema>;
  clock: Clock;
  intervalHours: number;
  logger?: Logger;
  /** Stops the run between two tenants (server shutdown); the rest stay due. */
  signal?: AbortSignal;
}

/** What happened to one tenant in a run; tenants that were not due are not listed. */
export interface TenantBackupOutcome {
  tenantId: TenantId;
  /**
   * `created`: backed up and pruned. `scheduled`: seen for the first time, its first run set.
   * `skipped`: nothing to back up (no database yet, or uninstalled meanwhile). `failed`: retried sooner.
   */
  status: 'created' | 'scheduled' | 'skipped' | 'failed';
  backupId?: string;
  /** Backups (and leftovers) the retention removed. */
  pruned?: number;
  /** Why it was skipped or failed. */
  code?: ErrorCode;
  nextRunAtMs: number;
}

/** The result of one {@link runDueBackups} pass; it never throws for a tenant's failure. */
export interface BackupRunResult {
  outcomes: TenantBackupOutcome[];
  created: number;
  failed: number;
}

const HOUR_MS = 3_600_000;
/** A failed backup is tried again after this long (or the interval, if shorter), not a whole interval later. */
const RETRY_AFTER_MS = HOUR_MS;
const JOB_PREFIX = 'backup:';

/**
 * Where in the first interval a tenant's first backup falls: a stable hash of its id, so a fleet
 * of tenants (e.g. when backups are first switched on) spreads over the interval instead of all
 * copying at once, and a restart does not move anyone.
 */
export function firstBackupOffsetMs(tenantId: TenantId, intervalMs: number): number {
  return createHash('sha256').update(tenantId).digest().readUIntBE(0, 6) % intervalMs;
}

/**
 * One pass of the backup schedule. For every installed tenant: without a `scheduled_jobs` row
 * `backup:<id>`, schedules its first run at now + {@link firstBackupOffsetMs}; when the row is
 * due, claims it (moves it to now + interval only if no one else moved it — two instances never
 * back up the same tenant twice), then creates a backup and prunes by the retention. A failure
 * is reported in the result and retried after an hour (at most the interval); the other tenants
 * go on. Rows of tenants no longer installed are removed. Re-runnable at any time: a pass with
 * nothing due does nothing.
 */
export async function runDueBackups(deps: BackupScheduleDeps): Promise<BackupRunResult> {
  const { backups, registry, db, clock, logger, signal } = deps;
  if (!(deps.intervalHours > 0)) throw new RangeError(`intervalHours must be positive, got ${deps.intervalHours}`);
  const intervalMs = Math.round(deps.intervalHours * HOUR_MS);
  const nowMs = clock.nowMs();
  const tenants = await registry.listInstalled();
  const rows = await db.selectFrom('scheduled_jobs').select(['name', 'next_run_at_ms']).where('name', 'like', `${JOB_PREFIX}%`).execute();
  const nextRuns = new Map(rows.map((row) => [row.name, Number(row.next_run_at_ms)]));
  const outcomes: TenantBackupOutcome[] = [];

  for (const tenant of tenants) {
    if (signal?.aborted) break;
    const name = `${JOB_PREFIX}${tenant.id}`;
    const due = nextRuns.get(name);
    if (due === undefined) {
      const nextRunAtMs = nowMs + firstBackupOffsetMs(tenant.id, intervalMs);
      await db.insertInto('scheduled_jobs').values({ name, next_run_at_ms: nextRunAtMs, progress: null }).onConflict((conflict) => conflict.column('name').doNothing()).execute();
      outcomes.push({ tenantId: tenant.id, status: 'scheduled', nextRunAtMs });
      continue;
    }
    if (due > nowMs) continue;
    let nextRunAtMs = nowMs + intervalMs;
    const claim = await db.updateTable('scheduled_jobs').set({ next_run_at_ms: nextRunAtMs }).where('name', '=', name).where('next_run_at_ms', '=', due).executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) continue; // another instance took this run
    let outcome: TenantBackupOutcome;
    try {
      const info = await backups.create(tenant.id);
      outcome = { tenantId: tenant.id, status: 'created', backupId: info.backupId, nextRunAtMs };
    } catch (error) {
      const code: ErrorCode = isAppError(error) ? error.code : 'INTERNAL';
      if (code === 'BACKUP_SOURCE_MISSING' || code === 'BACKUP_TENANT_UNINSTALLED') {
        outcome = { tenantId: tenant.id, status: 'skipped', code, nextRunAtMs };
      } else {
        nextRunAtMs = nowMs + Math.min(RETRY_AFTER_MS, intervalMs);
        await db.updateTable('scheduled_jobs').set({ next_run_at_ms: nextRunAtMs }).where('name', '=', name).execute();
        outcome = { tenantId: tenant.id, status: 'failed', code, nextRunAtMs };
        logger?.warn({ tenantId: tenant.id, code, err: error }, 'scheduled backup failed; retrying later');
      }
    }
    // Retention applies even when this backup failed: the promise is about age, not success.
    try {
      outcome.pruned = await backups.prune(tenant.id);
    } catch (error) {
      logger?.warn({ tenantId: tenant.id, err: error }, 'pruning backups failed; retrying at the next run');
    }
    outcomes.push(outcome);
  }

  const installed = new Set(tenants.map((tenant) => `${JOB_PREFIX}${tenant.id}`));
  const gone = rows.map((row) => row.name).filter((name) => !installed.has(name));
  if (gone.length > 0 && !signal?.aborted) await db.deleteFrom('scheduled_jobs').where('name', 'in', gone).execute();

  return {
    outcomes,
    created: outcomes.filter((outcome) => outcome.status === 'created').length,
    failed: outcomes.filter((outcome) => outcome.status === 'failed').length,
  };
}
