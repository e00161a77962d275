import { AppError } from '../../platform/app-error.js';
import { postgresTenantMigrations } from '../../store/postgres-tenant-migrations.js';
import type { PostgresWholeDatabases } from '../../store/tenant-store.js';
import type { BackupEngine, FileInspection } from './backup-engine.js';
import { sha256OfFile } from './file-sha256.js';
import { readDumpContents } from './pg-dump-contents.js';
import { PgToolError, pgConnectionArgs, runPgTool, type PgToolPaths } from './pg-tools.js';

/** What {@link createPostgresBackupEngine} needs. */
export interface PostgresBackupEngineDeps {
  /** The PostgreSQL provider's whole-database operations (`stores.postgresDatabases`). */
  databases: PostgresWholeDatabases;
  tools?: PgToolPaths;
  /**
   * How long pg_dump waits for its share locks before it gives up (default 60 s): a bulk load's
   * index drop or an erase's VACUUM FULL holds the table exclusively for a moment; a backup that
   * cannot start fails (`BACKUP_FAILED`, the schedule retries) rather than queueing the site's
   * sync behind it.
   */
  lockWaitTimeoutMs?: number;
}

/**
 * Backups of the PostgreSQL tenant databases with PostgreSQL's own tools, as child processes:
 * - snapshot: `pg_dump --format=custom` (compressed, one consistent snapshot — pg_dump's
 *   repeatable-read transaction — while the sync writes; pg_dump fsyncs the file), then read back
 *   with pg_restore to measure it from the dump itself: worklog rows, migrations;
 * - inspect: size and SHA-256, and pg_restore reading the whole archive (every block is
 *   decompressed; a damaged one fails) with the rows counted;
 * - restore: pg_restore in one transaction into a scratch database, swapped in by renames
 *   (`PostgresWholeDatabases.replace`), so a failed restore leaves the live database as it was;
 * - in use: any session on the tenant's database (another instance's pool, `tally sync`, psql).
 * Passwords travel in the child's PGPASSWORD, never on its command line.
 */
export function createPostgresBackupEngine(deps: PostgresBackupEngineDeps): BackupEngine {
  const { databases } = deps;
  const pgDump = deps.tools?.pgDump ?? 'pg_dump';
  const pgRestore = deps.tools?.pgRestore ?? 'pg_restore';
  const lockWaitTimeoutMs = deps.lockWaitTimeoutMs ?? 60_000;
  const knownSchemas = new Set(Object.keys(postgresTenantMigrations()));

  const locate = async (tenantId: Parameters<BackupEngine['snapshot']>[0]) => {
    const location = await databases.find(tenantId);
    if (location === undefined) throw new AppError('BACKUP_SOURCE_MISSING', `Tenant ${tenantId} has no database to back up yet`);
    return location;
  };

  const inspect = async (path: string): Promise<FileInspection> => {
    const [file, read] = await Promise.all([
      sha256OfFile(path),
      runPgTool({ tool: 'pg_restore', command: pgRestore, args: ['--file=-', path], readStdout: readDumpContents }).then(
        (contents) => ({ contents, error: undefined }),
        (error: unknown) => ({ contents: undefined, error }),
      ),
    ]);
    if (read.contents === undefined) {
      // The tool's own words, values blanked (pg-tools.ts): no content.
      const message = read.error instanceof Error ? read.error.message : String(read.error);
      return { ...file, integrityErrors: [message], worklogs: undefined, schemaVersion: undefined };
    }
    const { rows, migrations } = read.contents;
    // The newest migration names the schema, unless one is unknown to this version: that one
    // then, so the schema check fails on it (a shared migration added later sorts before `postgres/…`).
    const unknown = migrations.filter((name) => !knownSchemas.has(name)).sort();
    const schemaVersion = unknown[0] ?? [...migrations].sort().at(-1);
    return { ...file, integrityErrors: [], worklogs: rows.get('worklogs'), schemaVersion };
  };

  return {
    fileSuffix: '.dump',
    knownSchemas,
    hasDatabase: async (tenantId) => (await databases.find(tenantId)) !== undefined,
    async snapshot(tenantId, destPath) {
      const { databaseUrl } = await locate(tenantId);
      const { dbname, password } = pgConnectionArgs(databaseUrl);
      await runPgTool({
        tool: 'pg_dump',
        command: pgDump,
        // --no-password: never prompt (a server has no terminal); --no-owner etc. are applied at restore.
        args: ['--format=custom', '--no-password', `--lock-wait-timeout=${lockWaitTimeoutMs}`, `--file=${destPath}`, `--dbname=${dbname}`],
        password,
      });
      const measured = await inspect(destPath);
      if (measured.integrityErrors.length > 0) throw new PgToolError(`The new dump does not read back: ${measured.integrityErrors[0]}`, 'PG_DUMP_UNREADABLE');
      if (measured.worklogs === undefined) throw new PgToolError('The dump has no worklogs table: the source is not a tenant database', 'PG_DUMP_NOT_TENANT');
      return { bytes: measured.bytes, sha256: measured.sha256, worklogs: measured.worklogs, schemaVersion: measured.schemaVersion };
    },
    inspect,
    isInUse: (tenantId) => databases.isInUse(tenantId),
    async restore(tenantId, backupPath) {
      const outcome = await databases.replace(tenantId, async (scratch) => {
        const { dbname, password } = pgConnectionArgs(scratch.databaseUrl);
        await runPgTool({
          tool: 'pg_restore',
          command: pgRestore,
          // Tally owns what it restores (--no-owner, --no-privileges); one transaction, first error stops it.
          args: ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${dbname}`, backupPath],
          password,
        });
      });
      return outcome === 'replaced' ? 'restored' : 'in_use';
    },
  };
}
