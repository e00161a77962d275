import type { TenantId } from '../../tenants/tenant.js';
import type { FileInspection, SnapshotFacts } from './sqlite-backup-files.mjs';

export type { FileInspection, SnapshotFacts } from './sqlite-backup-files.mjs';

/** The data file suffixes of every engine: a SQLite file, or pg_dump's custom format. */
export const BACKUP_FILE_SUFFIXES = ['.sqlite', '.dump'] as const;
export type BackupFileSuffix = (typeof BACKUP_FILE_SUFFIXES)[number];

/**
 * How one kind of tenant store is copied, checked and restored (port). {@link createTenantBackups}
 * owns everything else — the directory layout, manifests, audits, retention — identically for
 * every engine: `sqlite-backup-engine.ts` (a file per tenant) and `postgres-backup-engine.ts`
 * (a database per tenant, pg_dump).
 */
export interface BackupEngine {
  /** The suffix of a backup's data file, `<backup id><suffix>`. */
  readonly fileSuffix: BackupFileSuffix;
  /** Every migration name a restorable backup's schema may have gone through. */
  readonly knownSchemas: ReadonlySet<string>;
  /** Whether the tenant has a database to back up. */
  hasDatabase(tenantId: TenantId): Promise<boolean>;
  /**
   * Writes a consistent copy of the tenant's live database (one committed state, while the sync
   * writes) to `destPath`, which must not exist, fsynced, and measures it from the copy itself.
   * Rejects with the foreign error (its code kept); may leave a partial file, which the caller removes.
   */
  snapshot(tenantId: TenantId, destPath: string): Promise<SnapshotFacts>;
  /** Checks a backup file without changing it; reports unreadable content, rejects only when the file cannot be read at all. */
  inspect(path: string): Promise<FileInspection>;
  /** True when another process has the tenant's database open (the caller released its own). */
  isInUse(tenantId: TenantId): Promise<boolean>;
  /**
   * Replaces the tenant's database with the backup at `backupPath`, atomically: on a failure the
   * database is as it was. `in_use` when another process had it open (nothing changed).
   */
  restore(tenantId: TenantId, backupPath: string): Promise<'restored' | 'in_use'>;
}
