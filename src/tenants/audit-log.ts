import type { Kysely } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { ControlSchema } from './control-schema.js';
import type { Product, TenantId } from './tenant.js';

/** Every event the audit log records: a closed list, so free text cannot sneak in as an event. */
export const auditEvents = [
  'tenant.installed',
  'tenant.reinstalled',
  'tenant.uninstalled',
  'tenant.enabled',
  'tenant.disabled',
  'tenant.install_rejected',
  'tenant.upgraded',
  'tenant.rekeyed',
  'tenant.uninstall_suspected',
  'tenant.uninstall_suspicion_cleared',
  'tenant.purge_started',
  'tenant.purge_step',
  'tenant.purged',
  'tenant.account_deleted',
  'backup.created',
  'backup.verified',
  'backup.restored',
  'backup.deleted',
  'backup.failed',
  'gdpr.reported',
  'gdpr.account_erased',
  'admin.resync_requested',
  'admin.reconcile_requested',
  'admin.backup_requested',
] as const;

/** One of {@link auditEvents}. */
export type AuditEvent = (typeof auditEvents)[number];

/**
 * The only details an audit entry may carry — none of them secret or worklog content. Anything
 * else is dropped on write, and each field is checked: see {@link AuditLog.appendAudit}.
 */
export interface AuditDetail {
  product?: Product;
  /** The site's URL; stored as origin and path only (no user info, query or fragment). */
  baseUrl?: string;
  /** A machine-readable code such as `jwt_expired`: lowercase letters, digits, `_`, at most 64. */
  reason?: string;
  /** How many rows an operation touched (e.g. a purge). */
  rowCount?: number;
  /** A step or phase name such as `store_destroyed`: same rule as `reason`. */
  step?: string;
  /** A backup's id (letters, digits, `-`, `_`, `.`; at most 64). */
  backupId?: string;
  /** How many accounts an operation concerned (personal-data reporting). */
  accountCount?: number;
  /** The dates an admin asked to re-sync, `YYYY-MM-DD..YYYY-MM-DD` (both inclusive). */
  dateRange?: string;
}

/** An audit entry as read back. */
export interface AuditEntry {
  id: number;
  tenantId: TenantId | undefined;
  event: AuditEvent;
  atMs: number;
  detail: AuditDetail | undefined;
}

/** The audit log in the control database. */
export interface AuditLog {
  /**
   * Appends one entry at the clock's now. `detail` is whitelisted field by field: unknown keys,
   * a `reason` that is not a short code, a `baseUrl` that is not a URL (or its query, fragment and
   * user info) and a `rowCount` that is not a count are dropped, never stored.
   * Throws `INTERNAL` for an event outside {@link auditEvents} (a programming error).
   */
  appendAudit(event: AuditEvent, tenantId?: TenantId, detail?: AuditDetail): Promise<void>;
  /** Entries oldest first, optionally of one tenant; at most `limit` (default 100, capped at 1000). */
  listAudit(options?: { tenantId?: TenantId; limit?: number }): Promise<AuditEntry[]>;
  /**
   * Drops the site URL from a tenant's entries, keeping the events (what happened, when): the
   * account-retention job calls it when it deletes the account record, so the URL does not
   * outlive the retention period in the audit trail.
   */
  forgetTenantUrl(tenantId: TenantId): Promise<number>;
}

const REASON = /^[a-z][a-z0-9_]{0,63}$/;
const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DATE_RANGE = /^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$/;
const MAX_URL_CHARS = 200;

function cleanBaseUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  // A query string may carry a `jwt`, user info a password: only origin and path are kept.
  const kept = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return url.origin !== 'null' && kept.length <= MAX_URL_CHARS ? kept : undefined;
}

/** Rebuilds `detail` from the allowed fields only (see {@link AuditLog.appendAudit}). */
function cleanDetail(detail: AuditDetail | undefined): AuditDetail {
  const clean: AuditDetail = {};
  if (detail === undefined) return clean;
  if (detail.product === 'jira' || detail.product === 'bitbucket') clean.product = detail.product;
  const baseUrl = cleanBaseUrl(detail.baseUrl);
  if (baseUrl !== undefined) clean.baseUrl = baseUrl;
  if (typeof detail.reason === 'string' && REASON.test(detail.reason)) clean.reason = detail.reason;
  if (Number.isSafeInteger(detail.rowCount) && (detail.rowCount as number) >= 0) clean.rowCount = detail.rowCount as number;
  if (typeof detail.step === 'string' && REASON.test(detail.step)) clean.step = detail.step;
  if (typeof detail.backupId === 'string' && BACKUP_ID.test(detail.backupId)) clean.backupId = detail.backupId;
  if (Number.isSafeInteger(detail.accountCount) && (detail.accountCount as number) >= 0) clean.accountCount = detail.accountCount as number;
  if (typeof detail.dateRange === 'string' && DATE_RANGE.test(detail.dateRange)) clean.dateRange = detail.dateRange;
  return clean;
}

/** Builds the {@link AuditLog} over the control database (both dialects). */
export function createSqlAuditLog({ db, clock }: { db: Kysely<ControlSchema>; clock: Clock }): AuditLog {
  return {
    async appendAudit(event, tenantId, detail) {
      if (!(auditEvents as readonly string[]).includes(event)) {
        throw new AppError('INTERNAL', `Unknown audit event ${JSON.stringify(String(event).slice(0, 40))}`);
      }
      const clean = cleanDetail(detail);
      await db
        .insertInto('audit_log')
        .values({
          tenant_id: tenantId ?? null,
          event,
          at_ms: clock.nowMs(),
          detail: Object.keys(clean).length > 0 ? JSON.stringify(clean) : null,
        })
        .execute();
    },

    async forgetTenantUrl(tenantId) {
      const rows = await db.selectFrom('audit_log').select(['id', 'detail']).where('tenant_id', '=', tenantId).where('detail', 'is not', null).execute();
      let changed = 0;
      for (const row of rows) {
        const { baseUrl, ...rest } = JSON.parse(row.detail as string) as AuditDetail;
        if (baseUrl === undefined) continue;
        await db.updateTable('audit_log').set({ detail: Object.keys(rest).length > 0 ? JSON.stringify(rest) : null }).where('id', '=', row.id).execute();
        changed++;
      }
      return changed;
    },

    async listAudit(options = {}) {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
      let query = db.selectFrom('audit_log').selectAll().orderBy('id').limit(limit);
      if (options.tenantId !== undefined) query = query.where('tenant_id', '=', options.tenantId);
      const rows = await query.execute();
      return rows.map((row) => ({
        id: row.id,
        tenantId: (row.tenant_id ?? undefined) as TenantId | undefined,
        event: row.event as AuditEvent,
        atMs: row.at_ms,
        detail: row.detail === null ? undefined : (JSON.parse(row.detail) as AuditDetail),
      }));
    },
  };
}
