import { Hono, type Context } from 'hono';
import { AppError } from '../platform/app-error.js';
import type { BackupInfo, TenantBackups } from '../privacy/backups/tenant-backups.js';
import { checkResyncDates, type ResyncDates } from '../sync/range-resync.js';
import type { SyncService } from '../sync/sync-service.js';
import type { AuditLog } from '../tenants/audit-log.js';
import type { TenantId } from '../tenants/tenant.js';
import { readJson } from './read-json.js';
import { requireSiteAdmin, type SiteAdminCheck } from './site-admin-check.js';
import type { TallyEnv } from './tally-env.js';

/** Dependencies of {@link adminRoutes}. */
export interface AdminDeps {
  /** Asked of Jira as the app (site-admin-check.ts); never taken from the page. */
  isSiteAdmin: SiteAdminCheck;
  /** The same answer as `GET /api/sync/status`. */
  syncStatus(tenantId: TenantId): Promise<unknown>;
  sync: Pick<SyncService, 'requestSync' | 'requestReconcile' | 'requestRangeResync' | 'adminFacts'>;
  backups: Pick<TenantBackups, 'list' | 'create'>;
  audit: Pick<AuditLog, 'appendAudit'>;
}

/** A backup as the admin page shows it: no checksum, file name or tenant id. */
export interface AdminBackup {
  id: string;
  createdAtMs: number;
  /** The backup file's size, measured from the file when it was written (and checked by every verify). */
  sizeBytes: number;
}

const presentBackup = (backup: BackupInfo): AdminBackup => ({ id: backup.backupId, createdAtMs: backup.createdAtMs, sizeBytes: backup.bytes });

const invalid = (problems: string[]) => new AppError('ADMIN_INPUT_INVALID', `The re-sync request is invalid: ${problems.join('; ')}`, { details: problems });

/** `{}` or no body: everything; `{ from, to }`: that date range. Anything else is refused, naming the field. */
async function readResyncRequest(c: Context<TallyEnv>): Promise<ResyncDates | undefined> {
  // Hono keeps the text it read, so readJson reads the same body again without the stream.
  const body = (await c.req.text()).trim() === '' ? {} : await readJson(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(['body: must be a JSON object']);
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => key !== 'from' && key !== 'to');
  if (unknown.length > 0) throw invalid(unknown.map((key) => `${key.slice(0, 40)}: is not a field of this request`));
  const { from, to } = fields;
  if (from === undefined && to === undefined) return undefined;
  const problems: string[] = [];
  if (typeof from !== 'string') problems.push('from: must be given with to, as a date YYYY-MM-DD');
  if (typeof to !== 'string') problems.push('to: must be given with from, as a date YYYY-MM-DD');
  if (problems.length > 0) throw invalid(problems);
  const dates = { from: from as string, to: to as string };
  const problem = checkResyncDates(dates);
  if (problem) throw invalid([`${problem.field}: ${problem.message}`]);
  return dates;
}

/**
 * The admin page's API (issue 16), behind `/api`'s authentication: every route is for Jira site
 * admins only, asked live of Jira as the app, and every action is audited before it is queued
 * (an action the audit log cannot record does not happen). See docs/api.md.
 */
export function adminRoutes(deps: AdminDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();

  /** The sync's status and facts, the last reconciliation's findings and the backups: one read, no Jira call beyond the admin check. */
  routes.get('/api/admin/overview', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'open the admin page or act on it');
    const [sync, facts, backups] = await Promise.all([deps.syncStatus(tenantId), deps.sync.adminFacts(tenantId), deps.backups.list(tenantId)]);
    c.header('cache-control', 'no-store');
    return c.json({ sync, ...facts, backups: backups.map(presentBackup) });
  });

  /** Re-sync a date range (a queued re-read of its worklogs) or everything (the full sync again). */
  routes.post('/api/admin/resync', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'open the admin page or act on it');
    const dates = await readResyncRequest(c);
    if (dates === undefined) {
      await deps.audit.appendAudit('admin.resync_requested', tenantId, { step: 'everything' });
      deps.sync.requestSync(tenantId, 'full');
    } else {
      await deps.audit.appendAudit('admin.resync_requested', tenantId, { step: 'date_range', dateRange: `${dates.from}..${dates.to}` });
      deps.sync.requestRangeResync(tenantId, dates);
    }
    return c.json({ queued: true }, 202);
  });

  /** Compare with Jira's whole visible set now (it runs as a backfill; findings show in the overview). */
  routes.post('/api/admin/reconcile', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'open the admin page or act on it');
    await deps.audit.appendAudit('admin.reconcile_requested', tenantId);
    deps.sync.requestReconcile(tenantId);
    return c.json({ queued: true }, 202);
  });

  /** A backup now; answered once it is written (its outcome is audited by the backups too). */
  routes.post('/api/admin/backups', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'open the admin page or act on it');
    await deps.audit.appendAudit('admin.backup_requested', tenantId);
    const backup = await deps.backups.create(tenantId);
    return c.json({ backup: presentBackup(backup) }, 201);
  });

  return routes;
}
