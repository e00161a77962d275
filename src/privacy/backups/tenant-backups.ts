import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { StoreProvider, SyncState } from '../../store/tenant-store.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import { parseTenantId, type TenantId } from '../../tenants/tenant.js';
import { BACKUP_FILE_SUFFIXES, type BackupEngine } from './backup-engine.js';
import type { BackupFileOps } from './backup-file-ops.js';
import { backupIdOfFileName, backupIdTimeMs, newBackupId, parseBackupId, requireBackupId, type BackupId } from './backup-id.js';
import { formatManifest, parseManifest, type BackupInfo } from './backup-manifest.js';
import { fsyncDirectory, writeFileDurably } from './durable-files.js';
import { createPostgresBackupEngine } from './postgres-backup-engine.js';
import { createSqliteBackupEngine } from './sqlite-backup-engine.js';

export type { BackupInfo } from './backup-manifest.js';

/** One check of {@link TenantBackups.verify}, in the order they run. */
export interface VerifyCheck {
  name: 'manifest' | 'tenant' | 'size' | 'sha256' | 'integrity' | 'worklogs' | 'schema';
  ok: boolean;
  /** What was expected and found (sizes, counts, SQLite's or pg_restore's complaint); never row content. */
  detail?: string;
}

/** What {@link TenantBackups.verify} found; `ok` only when every check passed. */
export interface VerifyReport {
  backupId: BackupId;
  tenantId: TenantId;
  ok: boolean;
  checks: VerifyCheck[];
  /** The manifest, when it could be read. */
  backup: BackupInfo | undefined;
}

/** What {@link TenantBackups.restore} did. */
export interface RestoreReport {
  backupId: BackupId;
  tenantId: TenantId;
  /** Worklogs stored after the restore (equal to the backup's manifest). */
  worklogs: number;
  /** The backup of the database as it was just before the restore, when there was one to take. */
  safetyBackupId: BackupId | undefined;
  /** The restored sync state: the next sync continues from these cursors. */
  syncState: SyncState;
}

/** Per-tenant backups of the tenant databases (SQLite files or PostgreSQL databases), in `<backupDir>/<tenant id>/`. */
export interface TenantBackups {
  /** Takes a backup of the tenant's live database now (see {@link createTenantBackups}). */
  create(tenantId: TenantId): Promise<BackupInfo>;
  /** The tenant's backups with a readable manifest, newest first; [] when there are none. */
  list(tenantId: TenantId): Promise<BackupInfo[]>;
  /** Checks one backup (default: the newest) without changing anything; audited. */
  verify(tenantId: TenantId, backupId?: string): Promise<VerifyReport>;
  /** Verifies, then replaces the tenant's database with the backup's content; audited. */
  restore(tenantId: TenantId, backupId: string): Promise<RestoreReport>;
  /** Deletes the tenant's backups older than the retention, keeping the newest; returns how many went. */
  prune(tenantId: TenantId): Promise<number>;
  /** Deletes every backup of the tenant and its directory (uninstall purge); idempotent. */
  deleteAll(tenantId: TenantId): Promise<void>;
}

/** What {@link createTenantBackups} needs. */
export interface TenantBackupsDeps {
  backupDir: string;
  /** Tally's data directory: SQLite tenant databases are `<dataDir>/tenants/<id>.sqlite`. */
  dataDir: string;
  /** The tenant stores; their `kind` chooses how backups are taken (see {@link backupEngineFor}). */
  stores: StoreProvider;
  clock: Clock;
  audit: Pick<AuditLog, 'appendAudit'>;
  /** Backups older than this are pruned (the newest one is always kept). */
  retentionDays: number;
  logger?: Logger;
  /**
   * True once the tenant is uninstalled (its purge pending, running or done): no backup is taken
   * and none restored. Asked before a backup and again after it is written, so a backup racing
   * the purge is removed by one side or the other. Default: never.
   */
  isPurging?: (tenantId: TenantId) => Promise<boolean>;
  /**
   * Told after a restore succeeded. A backup may hold personal data erased since it was taken (a
   * closed account): the CLI makes the tenant due for personal-data reporting at once, so the
   * next cycle erases it again. A failure here is logged; the restore stands.
   */
  onRestored?: (tenantId: TenantId) => Promise<void>;
  /** SQLite: where snapshots and inspections run; default one long-lived worker thread (backup-file-ops.ts). */
  fileOps?: BackupFileOps;
  /** How backups are taken and restored; default {@link backupEngineFor} the stores. */
  engine?: BackupEngine;
}

/**
 * The engine for the stores' kind: SQLite files (`VACUUM INTO`, `<id>.sqlite`), or pg_dump
 * archives of the PostgreSQL databases (`<id>.dump`, through `stores.postgresDatabases`).
 */
export function backupEngineFor(deps: Pick<TenantBackupsDeps, 'stores' | 'dataDir' | 'fileOps'>): BackupEngine {
  if (deps.stores.kind === 'sqlite') return createSqliteBackupEngine({ dataDir: deps.dataDir, ...(deps.fileOps && { fileOps: deps.fileOps }) });
  const databases = deps.stores.postgresDatabases;
  if (databases === undefined) throw new AppError('CONFIG_INVALID', 'The PostgreSQL tenant stores offer no whole-database access (a decorator dropped `postgresDatabases`): backups cannot work');
  return createPostgresBackupEngine({ databases });
}

const DAY_MS = 86_400_000;
/** Leftovers (temp files, a file without its manifest) younger than this may belong to a backup in flight in another process. */
const STALE_LEFTOVER_MS = 3_600_000;
const MANIFEST_SUFFIX = '.json';
const PARTIAL_SUFFIX = '.partial';

/** The audit `reason` for a failed check. */
const failedCheckReasons: Record<VerifyCheck['name'], string> = {
  manifest: 'manifest_invalid',
  tenant: 'tenant_mismatch',
  size: 'size_mismatch',
  sha256: 'sha256_mismatch',
  integrity: 'integrity_failed',
  worklogs: 'worklogs_mismatch',
  schema: 'schema_unsupported',
};

/** A foreign error's code as an audit `reason` (`SQLITE_FULL` → `sqlite_full`, `PG_DUMP_FAILED` → `pg_dump_failed`). */
function reasonOf(error: unknown): string {
  const code = isAppError(error) ? error.code : (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code.toLowerCase() : '';
  return /^[a-z][a-z0-9_]{0,63}$/.test(reason) ? reason : 'unexpected';
}

/**
 * Builds {@link TenantBackups}. Guarantees:
 * - Paths are built only from ids `parseTenantId` and `parseBackupId` accept; anything else is
 *   refused (`STORE_TENANT_ID_INVALID`, `BACKUP_ID_INVALID`) before a path exists.
 * - `create` has the engine copy the live database as one consistent state while the sync
 *   writes (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump`) into `<id><suffix>.partial`, then
 *   renames it and writes the manifest `<id>.json` last: a backup exists only once its manifest
 *   does. A failure leaves no partial file, is audited `backup.failed` and throws `BACKUP_FAILED`.
 * - `restore` runs every check of `verify` first; refuses a backup of another tenant
 *   (`BACKUP_TENANT_MISMATCH`), a damaged one (`BACKUP_CORRUPT`), one from an unknown schema
 *   (`BACKUP_SCHEMA_UNSUPPORTED`), and a database another process has open
 *   (`BACKUP_RESTORE_BUSY`); then backs up the current state and has the engine replace the
 *   live database atomically (SQLite: one write transaction; PostgreSQL: a scratch database
 *   swapped in by renames in one transaction).
 * - Operations on one tenant run one at a time in this process; audits never hold content.
 */
export function createTenantBackups(deps: TenantBackupsDeps): TenantBackups {
  const { backupDir, stores, clock, audit, logger } = deps;
  if (!Number.isFinite(deps.retentionDays) || deps.retentionDays <= 0) throw new RangeError(`retentionDays must be positive, got ${deps.retentionDays}`);
  const retentionMs = deps.retentionDays * DAY_MS;
  const isPurging = deps.isPurging ?? (async () => false);
  const engine = deps.engine ?? backupEngineFor(deps);
  const queues = new Map<TenantId, Promise<unknown>>();

  /** Runs `work` after every earlier operation on the tenant (in this process) settled. */
  const serially = <T>(tenantId: TenantId, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(tenantId) ?? Promise.resolve();
    const current = previous.then(work, work);
    const tail = current.catch(() => undefined);
    queues.set(tenantId, tail);
    void tail.then(() => queues.get(tenantId) === tail && queues.delete(tenantId));
    return current;
  };

  const tenantDir = (tenantId: TenantId): string => {
    const checked = typeof tenantId === 'string' ? parseTenantId(tenantId) : undefined;
    if (checked === undefined) throw new AppError('STORE_TENANT_ID_INVALID', 'Refused a backup operation: the tenant id is malformed');
    return join(backupDir, checked);
  };
  const filesOf = (dir: string, id: BackupId) => ({ db: join(dir, `${id}${engine.fileSuffix}`), manifest: join(dir, `${id}${MANIFEST_SUFFIX}`) });
  const listNames = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  };
  const readManifest = (path: string): BackupInfo | undefined => (existsSync(path) ? parseManifest(readFileSync(path, 'utf8')) : undefined);

  const refuseWhenPurging = async (tenantId: TenantId, action: string) => {
    if (await isPurging(tenantId)) throw new AppError('BACKUP_TENANT_UNINSTALLED', `Tenant ${tenantId} is uninstalled: ${action} refused`);
  };

  const listUnlocked = (tenantId: TenantId): BackupInfo[] => {
    const dir = tenantDir(tenantId);
    const backups: BackupInfo[] = [];
    for (const name of listNames(dir)) {
      const id = name.endsWith(MANIFEST_SUFFIX) ? parseBackupId(name.slice(0, -MANIFEST_SUFFIX.length)) : undefined;
      const info = id === undefined ? undefined : readManifest(join(dir, name));
      if (info !== undefined && info.backupId === id) backups.push(info);
      else if (id !== undefined) logger?.warn({ tenantId, backupId: id }, 'backup manifest unreadable; the backup is not listed');
    }
    return backups.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.backupId < b.backupId ? 1 : -1));
  };

  const createUnlocked = async (tenantId: TenantId): Promise<BackupInfo> => {
    const dir = tenantDir(tenantId);
    await refuseWhenPurging(tenantId, 'backup');
    if (!(await engine.hasDatabase(tenantId))) throw new AppError('BACKUP_SOURCE_MISSING', `Tenant ${tenantId} has no database to back up yet`);
    // The copy is the state when its read transaction began: that moment names and dates it.
    const takenAtMs = clock.nowMs();
    const backupId = newBackupId(takenAtMs);
    const files = filesOf(dir, backupId);
    const partial = { db: `${files.db}${PARTIAL_SUFFIX}`, manifest: `${files.manifest}${PARTIAL_SUFFIX}` };
    let step = 'prepare';
    try {
      // The file steps on libuv's threads: the manifest's and the directory's fsyncs took tens of
      // milliseconds of a busy disk, which on the event loop stalled every tenant's work.
      await mkdir(dir, { recursive: true });
      step = 'snapshot';
      const facts = await engine.snapshot(tenantId, partial.db);
      const info: BackupInfo = { backupId, tenantId, createdAtMs: takenAtMs, ...facts };
      step = 'commit';
      await rename(partial.db, files.db);
      await writeFileDurably(partial.manifest, formatManifest(info));
      await rename(partial.manifest, files.manifest);
      await fsyncDirectory(dir);
      step = 'purge_check';
      await refuseWhenPurging(tenantId, 'backup');
      await audit.appendAudit('backup.created', tenantId, { backupId, rowCount: info.worklogs });
      logger?.info({ tenantId, backupId, bytes: info.bytes, worklogs: info.worklogs }, 'backup created');
      return info;
    } catch (error) {
      // The manifest goes first: without it, no reader takes the rest for a backup.
      for (const path of [partial.manifest, files.manifest, partial.db, files.db]) rmSync(path, { force: true });
      if (isAppError(error, 'BACKUP_TENANT_UNINSTALLED')) throw error;
      await audit.appendAudit('backup.failed', tenantId, { backupId, step, reason: reasonOf(error) });
      logger?.warn({ tenantId, backupId, step, err: error }, 'backup failed');
      throw new AppError('BACKUP_FAILED', `Backing up tenant ${tenantId} failed at step ${step}; nothing of it was kept`, { cause: error });
    }
  };

  const verifyUnlocked = async (tenantId: TenantId, requested: string | undefined): Promise<VerifyReport> => {
    const dir = tenantDir(tenantId);
    const backupId = requested === undefined ? listUnlocked(tenantId)[0]?.backupId : requireBackupId(requested);
    if (backupId === undefined) throw new AppError('BACKUP_NOT_FOUND', `Tenant ${tenantId} has no backup`);
    const files = filesOf(dir, backupId);
    if (!existsSync(files.manifest) && !existsSync(files.db)) throw new AppError('BACKUP_NOT_FOUND', `Tenant ${tenantId} has no backup ${backupId}`);
    const backup = readManifest(files.manifest);
    const checks: VerifyCheck[] = [{ name: 'manifest', ok: backup !== undefined && backup.backupId === backupId }];
    if (backup !== undefined) {
      checks.push({ name: 'tenant', ok: backup.tenantId === tenantId, ...(backup.tenantId !== tenantId && { detail: `the manifest names ${backup.tenantId}` }) });
    }
    if (!existsSync(files.db)) {
      const other = BACKUP_FILE_SUFFIXES.find((suffix) => suffix !== engine.fileSuffix && existsSync(join(dir, `${backupId}${suffix}`)));
      const detail = other === undefined ? 'the backup file is missing' : `the backup is a ${other} file, taken when the tenant store was of another kind`;
      checks.push({ name: 'size', ok: false, detail });
    } else if (backup !== undefined) {
      const found = await engine.inspect(files.db);
      const sizeOk = found.bytes === backup.bytes;
      checks.push({ name: 'size', ok: sizeOk, ...(!sizeOk && { detail: `expected ${backup.bytes} bytes, found ${found.bytes}` }) });
      checks.push({ name: 'sha256', ok: found.sha256 === backup.sha256 });
      const sound = found.integrityErrors.length === 0;
      checks.push({ name: 'integrity', ok: sound, ...(!sound && { detail: found.integrityErrors.slice(0, 3).join('; ').slice(0, 300) }) });
      const countOk = found.worklogs === backup.worklogs;
      checks.push({ name: 'worklogs', ok: countOk, ...(!countOk && { detail: `expected ${backup.worklogs}, found ${found.worklogs ?? 'none'}` }) });
      const known = found.schemaVersion !== undefined && engine.knownSchemas.has(found.schemaVersion);
      checks.push({ name: 'schema', ok: known, ...(!known && { detail: `schema ${found.schemaVersion ?? 'unknown'} is not one this version migrates from` }) });
    }
    const failed = checks.find((check) => !check.ok);
    if (failed === undefined) await audit.appendAudit('backup.verified', tenantId, { backupId, rowCount: backup?.worklogs ?? 0 });
    else await audit.appendAudit('backup.failed', tenantId, { backupId, step: 'verify', reason: failedCheckReasons[failed.name] });
    return { backupId, tenantId, ok: failed === undefined, checks, backup };
  };

  const restoreUnlocked = async (tenantId: TenantId, requested: string): Promise<RestoreReport> => {
    const backupId = requireBackupId(requested);
    await refuseWhenPurging(tenantId, 'restore');
    const report = await verifyUnlocked(tenantId, backupId);
    const failedCheck = (name: VerifyCheck['name']) => report.checks.some((check) => check.name === name && !check.ok);
    if (failedCheck('tenant')) {
      throw new AppError('BACKUP_TENANT_MISMATCH', `Backup ${backupId} is not a backup of tenant ${tenantId}; a backup is only restored into its own tenant`);
    }
    if (failedCheck('schema') && report.checks.every((check) => check.ok || check.name === 'schema')) {
      throw new AppError('BACKUP_SCHEMA_UNSUPPORTED', `Backup ${backupId} has a database schema this version of Tally does not know`);
    }
    if (!report.ok) {
      const failed = report.checks.filter((check) => !check.ok).map((check) => check.name).join(', ');
      throw new AppError('BACKUP_CORRUPT', `Backup ${backupId} failed verification (${failed}); it was not restored`);
    }
    const refuseBusy = async (): Promise<never> => {
      await audit.appendAudit('backup.failed', tenantId, { backupId, step: 'restore', reason: 'database_in_use' });
      throw new AppError('BACKUP_RESTORE_BUSY', `Tenant ${tenantId}'s database is open in another process (a running server?); stop it and restore again`);
    };
    await stores.release(tenantId);
    if (await engine.isInUse(tenantId)) await refuseBusy();
    let safetyBackupId: BackupId | undefined;
    if (await engine.hasDatabase(tenantId)) {
      // An undo for an operator who picked the wrong backup. A current database too damaged to
      // copy is no reason to keep it: the restore goes on (the failure is audited by create).
      safetyBackupId = await createUnlocked(tenantId).then(
        (info) => info.backupId,
        () => undefined,
      );
    }
    let outcome: 'restored' | 'in_use';
    try {
      outcome = await engine.restore(tenantId, filesOf(tenantDir(tenantId), backupId).db);
    } catch (error) {
      await audit.appendAudit('backup.failed', tenantId, { backupId, step: 'restore', reason: reasonOf(error) });
      logger?.warn({ tenantId, backupId, err: error }, 'restore failed');
      throw new AppError('BACKUP_FAILED', `Restoring backup ${backupId} into tenant ${tenantId} failed; the database is as it was`, { cause: error });
    }
    // Someone opened the database between the check and the swap (PostgreSQL refuses the rename then).
    if (outcome === 'in_use') await refuseBusy();
    // Uninstalled while the restore ran: the purge may already be past the store, so the restored
    // database would outlive it. Deleted here (idempotent, as the purge's own step).
    if (await isPurging(tenantId)) {
      await stores.destroy(tenantId);
      throw new AppError('BACKUP_TENANT_UNINSTALLED', `Tenant ${tenantId} was uninstalled during the restore; its data was deleted`);
    }
    const store = await stores.open(tenantId);
    const worklogs = await store.countWorklogs();
    const syncState = await store.getSyncState();
    await audit.appendAudit('backup.restored', tenantId, { backupId, rowCount: worklogs });
    logger?.info({ tenantId, backupId, worklogs, safetyBackupId }, 'backup restored');
    await deps.onRestored?.(tenantId).catch((error: unknown) => logger?.warn({ tenantId, err: error }, 'the follow-up of a restore failed'));
    return { backupId, tenantId, worklogs, safetyBackupId, syncState };
  };

  const pruneUnlocked = async (tenantId: TenantId): Promise<number> => {
    const dir = tenantDir(tenantId);
    const nowMs = clock.nowMs();
    const backups = listUnlocked(tenantId);
    // The newest backup stays whatever its age: if backups stopped (a tenant that no longer syncs,
    // a full disk), the last good copy is not aged out behind the operator's back.
    const expired = new Set(backups.slice(1).filter((backup) => backup.createdAtMs < nowMs - retentionMs).map((backup) => backup.backupId));
    const listed = new Set(backups.map((backup) => backup.backupId));
    // Leftovers of failed or killed runs: temp files, a file whose manifest never came, an
    // unreadable manifest. Only old ones: a young one may be a backup another process is writing.
    const leftovers = new Set<BackupId>();
    for (const name of listNames(dir)) {
      const id = backupIdOfFileName(name);
      if (id !== undefined && !listed.has(id) && backupIdTimeMs(id) < nowMs - STALE_LEFTOVER_MS) leftovers.add(id);
    }
    for (const id of [...expired, ...leftovers]) {
      const files = filesOf(dir, id);
      // The manifest first: a backup half-deleted by a crash is a leftover, never a listed backup.
      // Data files of either engine: a backup taken before the store changed kind goes too.
      const data = BACKUP_FILE_SUFFIXES.map((suffix) => join(dir, `${id}${suffix}`));
      for (const path of [files.manifest, `${files.manifest}${PARTIAL_SUFFIX}`, ...data.flatMap((file) => [file, `${file}${PARTIAL_SUFFIX}`])]) rmSync(path, { force: true });
      await audit.appendAudit('backup.deleted', tenantId, { backupId: id, reason: expired.has(id) ? 'retention' : 'leftover' });
    }
    if (expired.size + leftovers.size > 0) logger?.info({ tenantId, expired: expired.size, leftovers: leftovers.size }, 'backups pruned');
    return expired.size + leftovers.size;
  };

  const deleteAllUnlocked = async (tenantId: TenantId): Promise<void> => {
    const dir = tenantDir(tenantId);
    if (!existsSync(dir)) return;
    const count = listNames(dir).filter((name) => name.endsWith(MANIFEST_SUFFIX)).length;
    rmSync(dir, { recursive: true, force: true });
    await audit.appendAudit('backup.deleted', tenantId, { reason: 'tenant_purged', rowCount: count });
    logger?.info({ tenantId, backups: count }, 'every backup of the tenant deleted');
  };

  return {
    create: (tenantId) => serially(tenantId, () => createUnlocked(tenantId)),
    list: async (tenantId) => listUnlocked(tenantId),
    verify: (tenantId, backupId) => serially(tenantId, () => verifyUnlocked(tenantId, backupId)),
    restore: (tenantId, backupId) => serially(tenantId, () => restoreUnlocked(tenantId, backupId)),
    prune: (tenantId) => serially(tenantId, () => pruneUnlocked(tenantId)),
    deleteAll: (tenantId) => serially(tenantId, () => deleteAllUnlocked(tenantId)),
  };
}
