import type { Logger } from '../../platform/logger.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantId } from '../../tenants/tenant.js';

/** What {@link eraseClosedAccount} needs. */
export interface EraseClosedAccountDeps {
  stores: StoreProvider;
  audit: Pick<AuditLog, 'appendAudit'>;
  logger: Logger;
  /** Told after rows of the tenant were erased: drop anything in memory derived from them. */
  onTenantErased?: (tenantId: TenantId) => void;
  /** Told after rows of the tenant were erased, to keep its cycle's list position right (see report-schedule.ts). */
  onErasedFrom(tenantId: TenantId): Promise<void>;
}

/** The outcome: rows erased in total, and the first failure (the other tenants were still tried). */
export interface EraseClosedAccountResult {
  erasedRows: number;
  failure: unknown;
}

/**
 * Erases a closed account's personal data from every tenant in `tenantIds` — the account id and
 * the comments of its worklogs (TenantStore.eraseAccount) — and audits each tenant where rows
 * changed (`gdpr.account_erased`, row count only: never the account id). The `reporter` (the
 * tenant whose report got the `closed` answer) goes last, and only when every other tenant
 * succeeded: while any erase failed the reporter still holds the account, so re-reporting its
 * batch brings the `closed` answer back and the whole erase is retried (it is idempotent). A
 * failing tenant does not stop the other non-reporters. Never throws: the first failure is returned.
 */
export async function eraseClosedAccount(
  deps: EraseClosedAccountDeps,
  accountId: string,
  tenants: { reporter: TenantId; tenantIds: readonly TenantId[] },
): Promise<EraseClosedAccountResult> {
  let erasedRows = 0;
  let failure: unknown;
  const order = [...tenants.tenantIds.filter((tenantId) => tenantId !== tenants.reporter), tenants.reporter];
  for (const tenantId of order) {
    if (tenantId === tenants.reporter && failure !== undefined) break;
    try {
      const rows = await (await deps.stores.open(tenantId)).eraseAccount(accountId);
      if (rows === 0) continue;
      erasedRows += rows;
      deps.onTenantErased?.(tenantId);
      await deps.onErasedFrom(tenantId);
      await deps.audit.appendAudit('gdpr.account_erased', tenantId, { rowCount: rows, reason: 'account_closed' });
    } catch (error) {
      deps.logger.warn({ err: error, tenantId }, 'erasing a closed account from a tenant failed; the report batch will be retried');
      failure ??= error;
    }
  }
  return { erasedRows, failure };
}
