import Database from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE, Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import { MigratingSqliteDialect } from './migrating-sqlite-dialect.js';
import { AppError } from '../platform/app-error.js';
import { appliesExactly, createTenantMigrationProvider } from './tenant-migrations.js';
import type { TenantSchema } from './tenant-schema.js';

/** Another process (the CLI next to the server) may hold the write lock for a moment. */
const BUSY_TIMEOUT_MS = 5000;

/** An open, migrated tenant SQLite file: the raw handle (hot path) and Kysely over the same handle. */
export interface SqliteTenantDb {
  database: Database.Database;
  kysely: Kysely<TenantSchema>;
  /** Whether this open wrote to the file (it was created or migrated): its WAL then holds frames. */
  migrated: boolean;
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
 * Whether the file's applied migrations are exactly the code's (`names`, any order): then Kysely's
 * migrator would do nothing. One read of its table, without the migrator's introspection and
 * `begin immediate` (about 6 of a current file's 9 ms per open, measured on a loaded machine:
 * opening stores lazily makes this the common case). Any doubt — no table yet, another set,
 * a failed read — answers false, and the migrator decides: it runs what is missing, refuses a file
 * newer than the code, and waits for a migrator in another process (which commits its rows with
 * its DDL, so a file read as current here is current).
 */
function isSchemaCurrent(database: Database.Database, names: readonly string[]): boolean {
  try {
    return appliesExactly(database.prepare(`SELECT name FROM ${DEFAULT_MIGRATION_TABLE}`).pluck().all(), names);
  } catch {
    return false;
  }
}

/**
 * Opens (creating when absent) the SQLite file at `path` with Tally's pragmas and migrates it to
 * the latest version in one transaction. Re-opening a current file applies nothing and takes no
 * write lock (see {@link isSchemaCurrent}).
 * Throws `STORE_UNAVAILABLE` or `STORE_MIGRATION_FAILED`; in both cases nothing stays open.
 */
export async function openSqliteTenantDb(path: string, options: OpenSqliteTenantDbOptions = {}): Promise<SqliteTenantDb> {
  const database = openHandle(path);
  const kysely = new Kysely<TenantSchema>({ dialect: new MigratingSqliteDialect({ database }) });
  const provider = options.migrationProvider ?? createTenantMigrationProvider('sqlite');
  let migrations: Record<string, Migration>;
  try {
    migrations = await provider.getMigrations();
  } catch (error) {
    await kysely.destroy();
    if (database.open) database.close();
    throw new AppError('STORE_MIGRATION_FAILED', `Migrating the tenant database ${path} failed before any migration ran`, { cause: error });
  }
  if (isSchemaCurrent(database, Object.keys(migrations))) return { database, kysely, migrated: false };
  const migrator = new Migrator({ db: kysely, provider: { getMigrations: async () => migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    // destroy() closes the handle once Kysely initialised it; close() covers the case it did not.
    await kysely.destroy();
    if (database.open) database.close();
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const step = failed === undefined ? 'before any migration ran' : `in migration ${failed}`;
    throw new AppError('STORE_MIGRATION_FAILED', `Migrating the tenant database ${path} failed ${step}`, { cause: error });
  }
  return { database, kysely, migrated: true };
}
