import { DONE, type Task } from '../../jobs/task.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';

const DAY_MS = 86_400_000;

/** What the retention job needs. */
export interface AccountRetentionDeps {
  registry: TenantRegistry;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** `TALLY_ACCOUNT_RETENTION_DAYS`: how long an uninstalled site's account record is kept. */
  retentionDays: number;
}

/**
 * The daily retention job (the statement: account information is kept 30 days after uninstall,
 * then deleted for good). Deletes the account records (client key, base URL, product, install and
 * uninstall times) of tenants uninstalled more than `retentionDays` ago whose data purge is done,
 * and drops the site URL from their audit entries; an entry records each deletion, by tenant id
 * only. A tenant re-installed inside the window is installed again and never matches.
 */
export async function deleteExpiredAccounts(deps: AccountRetentionDeps): Promise<TenantId[]> {
  const deleted = await deps.registry.deleteExpiredAccounts(deps.clock.nowMs() - deps.retentionDays * DAY_MS);
  for (const tenantId of deleted) {
    await deps.audit.forgetTenantUrl(tenantId);
    await deps.audit.appendAudit('tenant.account_deleted', tenantId, { reason: 'retention_expired' });
  }
  if (deleted.length > 0) deps.logger.info({ event: 'accounts_deleted', count: deleted.length }, 'expired account records deleted');
  return deleted;
}

/** The retention as a scheduled task (declared daily as `account-retention`). */
export function accountRetentionTask(deps: AccountRetentionDeps): Task {
  return async () => {
    await deleteExpiredAccounts(deps);
    return DONE;
  };
}
