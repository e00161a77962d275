import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, type Dialect, type Migration } from 'kysely';
import { MigratingSqliteDialect } from '../store/migrating-sqlite-dialect.js';
import pg from 'pg';
import { AppError } from '../platform/app-error.js';
import { reportErrorsOfCheckedOutClients } from '../platform/pg-pool-errors.js';
import { createControlMigrationProvider, type ControlDialect } from './control-migrations.js';
import type { ControlSchema } from './control-schema.js';

/**
 * Migrations of tables other modules own in the control database (each platform edge keeps its
 * installation records there), named `<owner>/<nnn>_<what>` so they sort after the core's numbered
 * ones and never collide. The composition root passes every edge's, on or off, so the schema does
 * not depend on which edges run today.
 */
export type OwnedMigrations = Readonly<Record<string, Migration>>;

/** Where the control database lives: a SQLite file under `dataDir`, or a PostgreSQL database. */
export type ControlDbOptions = { ownedMigrations?: OwnedMigrations } & (
  | { dataDir: string }
  | {
      databaseUrl: string;
      /**
       * Told about errors of idle pooled connections (server restart, network drop). The pool has
       * already discarded the connection and the next query reconnects; without a listener Node
       * would crash on the pool's unhandled `error` event. Defaults to ignoring them.
       */
      onPoolError?: (error: Error) => void;
    });

/** An open, migrated control database. */
export interface ControlDb {
  db: Kysely<ControlSchema>;
  dialect: ControlDialect;
  /** Names of the migrations this open applied (empty when the database was already current). */
  appliedMigrations: readonly string[];
  /** Closes the file or pool. Idempotent. */
  close(): Promise<void>;
}

const SQLITE_FILE = 'control.sqlite';
const SQLITE_BUSY_TIMEOUT_MS = 5000; // another process (the CLI next to the server) may hold the write lock
const PG_INT8_OID = 20;

/**
 * `bigint` (int8) arrives from pg as a string, because it can exceed 2^53. Every int8 of the
 * control database — epoch-ms times, audit ids — stays far below that, so this pool (and only this
 * pool: `types` is per pool, not pg's global parser that the tenant stores would share) parses
 * them to numbers, and both dialects hand the repositories the same type. A value past 2^53
 * fails the query rather than silently losing precision.
 */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} is outside the safe integer range`);
  return parsed;
}

/** The server and database of a PostgreSQL URL, without user or password, for messages. */
function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a URL)';
  }
}

function createDialect(options: ControlDbOptions): { dialect: Dialect; where: string } {
  if ('dataDir' in options) {
    const path = join(options.dataDir, SQLITE_FILE);
    try {
      mkdirSync(options.dataDir, { recursive: true });
      const database = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
      // WAL: the server's readers never block on the CLI's writes, and the reverse.
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // A wiped shared secret or a deleted account record is zeroed, not left in free pages.
      database.pragma('secure_delete = ON');
      return { dialect: new MigratingSqliteDialect({ database }), where: path };
    } catch (error) {
      throw new AppError('CONTROL_DB_UNAVAILABLE', `Cannot open the control database ${path}`, { cause: error });
    }
  }
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    application_name: 'tally-control',
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === PG_INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  const onPoolError = options.onPoolError ?? (() => {});
  pool.on('error', onPoolError);
  reportErrorsOfCheckedOutClients(pool, onPoolError);
  return { dialect: new PostgresDialect({ pool }), where: describeDatabaseUrl(options.databaseUrl) };
}

/**
 * Opens the control database and migrates it to the latest version (Kysely's Migrator over the
 * in-code migrations; PostgreSQL serialises concurrent migrators with an advisory lock, so several
 * instances may start at once). Re-opening a current database applies nothing.
 *
 * Throws `CONTROL_DB_UNAVAILABLE` when the database cannot be opened or reached and
 * `CONTROL_DB_MIGRATION_FAILED` naming the failed migration; in both cases nothing stays open.
 */
export async function openControlDb(options: ControlDbOptions): Promise<ControlDb> {
  const dialectName: ControlDialect = 'dataDir' in options ? 'sqlite' : 'postgres';
  const { dialect, where } = createDialect(options);
  const db = new Kysely<ControlSchema>({ dialect });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= db.destroy());

  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await close();
    throw new AppError('CONTROL_DB_UNAVAILABLE', `Cannot reach the control database (${where})`, { cause: error });
  }

  const core = createControlMigrationProvider(dialectName);
  const owned = options.ownedMigrations ?? {};
  // Owned migrations may be added after core ones ran (a new edge): order by name, not by history.
  const migrator = new Migrator({ db, allowUnorderedMigrations: true, provider: { getMigrations: async () => ({ ...(await core.getMigrations()), ...owned }) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await close();
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const step = failed === undefined ? 'before any migration ran' : `in migration ${failed}`;
    throw new AppError('CONTROL_DB_MIGRATION_FAILED', `Migrating the control database (${where}) failed ${step}`, { cause: error });
  }
  const appliedMigrations = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  return { db, dialect: dialectName, appliedMigrations, close };
}

/**
 * Whether the control database has a table of this name: for a migration that copies from a table
 * only some databases still have (e.g. an edge's first migration reading `legacy_tenants`).
 */
export async function hasTable(db: Kysely<any>, name: string): Promise<boolean> {
  return (await db.introspection.getTables()).some((table) => table.name === name);
}
