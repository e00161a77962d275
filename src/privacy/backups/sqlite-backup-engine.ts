import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteTenantDbPath } from '../../store/sqlite-store-provider.js';
import { tenantMigrations } from '../../store/tenant-migrations.js';
import type { BackupEngine } from './backup-engine.js';
import { createWorkerBackupFileOps, type BackupFileOps } from './backup-file-ops.js';
import { isSqliteFileInUse, restoreSqliteFile } from './sqlite-restore.js';

/** What {@link createSqliteBackupEngine} needs. */
export interface SqliteBackupEngineDeps {
  /** Tally's data directory: the tenant databases are `<dataDir>/tenants/<id>.sqlite`. */
  dataDir: string;
  /** Where snapshots and inspections run; default one long-lived worker thread (see backup-file-ops.ts). */
  fileOps?: BackupFileOps;
}

/**
 * Backups of the SQLite tenant files: `VACUUM INTO` snapshots and integrity checks on a worker
 * thread (sqlite-backup-files.mjs), restores through SQLite's backup API in one write transaction
 * (sqlite-restore.ts). "In use" is another connection's lock on the file (a running server).
 */
export function createSqliteBackupEngine(deps: SqliteBackupEngineDeps): BackupEngine {
  const fileOps = deps.fileOps ?? createWorkerBackupFileOps();
  const livePathOf = (tenantId: Parameters<BackupEngine['hasDatabase']>[0]) => sqliteTenantDbPath(deps.dataDir, tenantId);
  return {
    fileSuffix: '.sqlite',
    knownSchemas: new Set(Object.keys(tenantMigrations('sqlite'))),
    hasDatabase: async (tenantId) => existsSync(livePathOf(tenantId)),
    snapshot: (tenantId, destPath) => fileOps.snapshot(livePathOf(tenantId), destPath),
    inspect: (path) => fileOps.inspect(path),
    async isInUse(tenantId) {
      const livePath = livePathOf(tenantId);
      return existsSync(livePath) && isSqliteFileInUse(livePath);
    },
    async restore(tenantId, backupPath) {
      const livePath = livePathOf(tenantId);
      mkdirSync(dirname(livePath), { recursive: true });
      await restoreSqliteFile(backupPath, livePath);
      return 'restored';
    },
  };
}
