import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type MigrationProvider,
  type SqliteDialectConfig,
} from 'kysely';
import { AppError } from '../platform/app-error.js';
import { createTenantMigrationProvider } from './tenant-migrations.js';
import type { TenantSchema } from './tenant-schema.js';

/** Another process (the CLI next to the server) may hold the write lock for a moment. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Kysely's SQLite driver opens transactions with a deferred `begin`: a migrator that reads the
 * migration table and then writes fails with SQLITE_BUSY when another process migrated the same
 * file in between. `begin immediate` takes the write lock first, so the second migrator waits
 * (busy_timeout) and then finds nothing left to do.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite has transactional DDL, but Kysely's adapter says it has not, which makes the Migrator run
 * migrations outside a transaction (a crash would leave half a schema). This capability flag
 * is the whole difference.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class MigratingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

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
