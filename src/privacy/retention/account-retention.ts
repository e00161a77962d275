import { DONE, type Task } from '../../jobs/task.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';

const DAY_MS = 86_400_000;

/**
 * Makes the control database's files forget rows deleted before the call (the deleted records
 * stay in a WAL or as dead tuples otherwise: control-db-reclaim.ts), with a mark that it is owed,
 * kept across a crash.
 */
export interface DeletedRowsReclaim {
  reclaim(): Promise<void>;
  isOwed(): Promise<boolean>;
  markOwed(): Promise<void>;
  clearOwed(): Promise<void>;
}

/** What the retention job needs. */
export interface AccountRetentionDeps {
  registry: TenantRegistry;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** `TALLY_ACCOUNT_RETENTION_DAYS`: how long an uninstalled site's account record is kept. */
  retentionDays: number;
  /** Run after records were deleted, so no byte of them stays in the control database's files. */
  reclaim?: DeletedRowsReclaim;
}

/**
 * The daily retention job (the statement: account information is kept 30 days after uninstall,
 * then deleted for good). Deletes the account records (client key, base URL, product, install and
 * uninstall times) of tenants uninstalled more than `retentionDays` ago whose data purge is done,
 * and drops the site URL from their audit entries; an entry records each deletion, by tenant id
 * only. A tenant re-installed inside the window is installed again and never matches.
 * Then, when anything was deleted (now or by a run that failed or died before its reclaim), the
 * `reclaim` makes the control database's files forget it. Re-runnable; a failed reclaim throws
 * (`STORE_UNAVAILABLE`) and the next run does it again.
 */
export async function deleteExpiredAccounts(deps: AccountRetentionDeps): Promise<TenantId[]> {
  const owedBefore = (await deps.reclaim?.isOwed()) ?? false;
  // Marked before deleting, so a crash between the deletion and the reclaim leaves the mark.
  await deps.reclaim?.markOwed();
  const deleted = await deps.registry.deleteExpiredAccounts(deps.clock.nowMs() - deps.retentionDays * DAY_MS);
  for (const tenantId of deleted) {
    await deps.audit.forgetTenantUrl(tenantId);
    await deps.audit.appendAudit('tenant.account_deleted', tenantId, { reason: 'retention_expired' });
  }
  if (deleted.length > 0) deps.logger.info({ event: 'accounts_deleted', count: deleted.length }, 'expired account records deleted');
  if (deps.reclaim !== undefined) {
    if (deleted.length > 0 || owedBefore) await deps.reclaim.reclaim();
    await deps.reclaim.clearOwed();
  }
  return deleted;
}

/** The retention as a scheduled task (declared daily as `account-retention`). */
export function accountRetentionTask(deps: AccountRetentionDeps): Task {
  return async () => {
    await deleteExpiredAccounts(deps);
    return DONE;
  };
}
