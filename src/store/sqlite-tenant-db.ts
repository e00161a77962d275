import Database from 'better-sqlite3';
import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import { MigratingSqliteDialect } from './migrating-sqlite-dialect.js';
import { AppError } from '../platform/app-error.js';
import { createTenantMigrationProvider } from './tenant-migrations.js';
import type { TenantSchema } from './tenant-schema.js';

/** Another process (the CLI next to the server) may hold the write lock for a moment. */
const BUSY_TIMEOUT_MS = 5000;

/** An open, migrated tenant SQLite file: the raw handle (hot path) and Kysely over the same handle. */
export interface SqliteTenantDb {
  database: Database.Database;
  kysely: Kysely<TenantSchema>;
}

function openHandle(path: string): Database.Database {
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    // WAL: report readers never block the sync's writes, and the reverse.
    database.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits but never corrupts the file; the
    // sync re-reads from its cursor, which was committed with the rows it covers.
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    // Deleted and overwritten content is zeroed, not left in free pages: an erased comment (GDPR)
    // or a deleted worklog must not survive as readable bytes in the file.
    database.pragma('secure_delete = ON');
    return database;
  } catch (error) {
    database?.close();
    throw new AppError('STORE_UNAVAILABLE', `Cannot open the tenant database ${path}`, { cause: error });
  }
}

/** Options of {@link openSqliteTenantDb}. */
export interface OpenSqliteTenantDbOptions {
  /** The migrations to run; the tenant migrations unless a test brings its own. */
  migrationProvider?: MigrationProvider;
}

/**
 * Opens (creating when absent) the SQLite file at `path` with Tally's pragmas and migrates it to
 * the latest version in one transaction. Re-opening a current file applies nothing.
 * Throws `STORE_UNAVAILABLE` or `STORE_MIGRATION_FAILED`; in both cases nothing stays open.
 */
export async function openSqliteTenantDb(path: string, options: OpenSqliteTenantDbOptions = {}): Promise<SqliteTenantDb> {
  const database = openHandle(path);
  const kysely = new Kysely<TenantSchema>({ dialect: new MigratingSqliteDialect({ database }) });
  const migrator = new Migrator({ db: kysely, provider: options.migrationProvider ?? createTenantMigrationProvider('sqlite') });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    // destroy() closes the handle once Kysely initialised it; close() covers the case it did not.
    await kysely.destroy();
    if (database.open) database.close();
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const step = failed === undefined ? 'before any migration ran' : `in migration ${failed}`;
    throw new AppError('STORE_MIGRATION_FAILED', `Migrating the tenant database ${path} failed ${step}`, { cause: error });
  }
  return { database, kysely };
}
