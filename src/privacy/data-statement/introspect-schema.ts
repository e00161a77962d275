import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createPgTenantPools } from '../../store/pg-tenant-pools.js';
import { databaseUrlOn, dropPostgresDatabase, ensurePostgresDatabase, migratePostgresTenantDb } from '../../store/postgres-tenant-db.js';
import { openSqliteTenantDb } from '../../store/sqlite-tenant-db.js';
import { openControlDb, type OwnedMigrations } from '../../tenants/control-db.js';

/** One column as the database itself reports it. */
export interface SchemaColumn {
  name: string;
  /** The declared type, lower-cased (`integer`, `text`, `bigint`, `character varying`, …). */
  type: string;
  nullable: boolean;
  primaryKey: boolean;
}

/** One index as the database reports it. */
export interface SchemaIndex {
  name: string;
  columns: readonly string[];
  unique: boolean;
  /**
   * `explicit` for a `CREATE INDEX` of a migration; `constraint` for the index the database makes
   * itself behind a primary key or unique constraint (its name is the engine's, not ours).
   */
  origin: 'explicit' | 'constraint';
}

/** One table (or view) with its columns in declaration order and its indexes by name. */
export interface SchemaTable {
  name: string;
  columns: readonly SchemaColumn[];
  indexes: readonly SchemaIndex[];
  /** The tables its foreign keys reference, sorted, each once (what ties an edge's table to the core's). */
  references: readonly string[];
}

/** Every table of one database, sorted by name. The engine's own tables are not included. */
export interface DatabaseSchema {
  dialect: 'sqlite' | 'postgres';
  tables: readonly SchemaTable[];
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Reads the schema of a SQLite database through Kysely: every table and view except SQLite's own
 * (`sqlite_*`, e.g. `sqlite_sequence`, which holds only the highest AUTOINCREMENT id), with
 * every column — `table_xinfo`, so generated and hidden columns count too. Read-only.
 */
export async function readSqliteSchema(db: Kysely<any>): Promise<DatabaseSchema> {
  const names = await sql<{ name: string }>`
    select name from sqlite_schema
    where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\'
    order by name`.execute(db);
  const tables: SchemaTable[] = [];
  for (const { name } of names.rows) {
    const columns = await sql<{ name: string; type: string; notnull: number; pk: number }>`
      select name, type, "notnull", pk from pragma_table_xinfo(${name}) order by cid`.execute(db);
    const indexList = await sql<{ name: string; unique: number; origin: string }>`
      select name, "unique", origin from pragma_index_list(${name})`.execute(db);
    const foreignKeys = await sql<{ table: string }>`select distinct "table" from pragma_foreign_key_list(${name}) order by 1`.execute(db);
    const indexes: SchemaIndex[] = [];
    for (const index of indexList.rows) {
      const indexed = await sql<{ name: string | null }>`select name from pragma_index_info(${index.name}) order by seqno`.execute(db);
      indexes.push({
        name: index.name,
        // An expression column has no name; it still reads only the table's own columns.
        columns: indexed.rows.map((column) => column.name ?? '(expression)'),
        unique: index.unique === 1,
        origin: index.origin === 'c' ? 'explicit' : 'constraint',
      });
    }
    tables.push({
      name,
      columns: columns.rows.map((column) => ({
        name: column.name,
        type: column.type.toLowerCase(),
        // SQLite lets a non-integer primary key hold NULL unless declared NOT NULL; Tally never writes one.
        nullable: column.notnull === 0 && column.pk === 0,
        primaryKey: column.pk > 0,
      })),
      indexes: indexes.sort(byName),
      references: foreignKeys.rows.map((row) => row.table),
    });
  }
  return { dialect: 'sqlite', tables };
}

/**
 * Reads the schema of the current PostgreSQL schema (`current_schema()`, normally `public`)
 * through Kysely: every base table and view with its columns and indexes. Read-only.
 */
export async function readPostgresSchema(db: Kysely<any>): Promise<DatabaseSchema> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
    select c.table_name, c.column_name, c.data_type, c.is_nullable
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type in ('BASE TABLE', 'VIEW')
    order by c.table_name, c.ordinal_position`.execute(db);
  const keys = await sql<{ table_name: string; column_name: string }>`
    select k.table_name, k.column_name
    from information_schema.table_constraints tc
    join information_schema.key_column_usage k on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
    where tc.table_schema = current_schema() and tc.constraint_type = 'PRIMARY KEY'`.execute(db);
  const indexes = await sql<{ table_name: string; index_name: string; is_unique: boolean; from_constraint: boolean; columns: string[] }>`
    select t.relname as table_name, c.relname as index_name, i.indisunique as is_unique,
      exists (select 1 from pg_constraint k where k.conindid = i.indexrelid) as from_constraint,
      array(
        select coalesce(a.attname::text, '(expression)')
        from unnest(i.indkey) with ordinality as k(attnum, ord)
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
        order by k.ord
      ) as columns
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema()`.execute(db);
  const foreignKeys = await sql<{ table_name: string; referenced: string }>`
    select distinct t.relname as table_name, r.relname as referenced
    from pg_constraint k
    join pg_class t on t.oid = k.conrelid
    join pg_class r on r.oid = k.confrelid
    join pg_namespace n on n.oid = t.relnamespace
    where k.contype = 'f' and n.nspname = current_schema()
    order by 1, 2`.execute(db);

  const primaryKeys = new Set(keys.rows.map((row) => `${row.table_name}.${row.column_name}`));
  const tables = new Map<string, { columns: SchemaColumn[]; indexes: SchemaIndex[] }>();
  for (const row of columns.rows) {
    const table = tables.get(row.table_name) ?? { columns: [], indexes: [] };
    tables.set(row.table_name, table);
    const primaryKey = primaryKeys.has(`${row.table_name}.${row.column_name}`);
    table.columns.push({ name: row.column_name, type: row.data_type.toLowerCase(), nullable: row.is_nullable === 'YES' && !primaryKey, primaryKey });
  }
  for (const row of indexes.rows) {
    tables.get(row.table_name)?.indexes.push({
      name: row.index_name,
      columns: row.columns,
      unique: row.is_unique,
      origin: row.from_constraint ? 'constraint' : 'explicit',
    });
  }
  return {
    dialect: 'postgres',
    tables: [...tables]
      .map(([name, table]) => ({
        name,
        columns: table.columns,
        indexes: table.indexes.sort(byName),
        references: foreignKeys.rows.filter((row) => row.table_name === name).map((row) => row.referenced),
      }))
      .sort(byName),
  };
}

/** Where {@link introspectTenantSchema} and {@link introspectControlSchema} make their scratch databases. */
export interface IntrospectOptions {
  /** A directory for a throwaway database (default the OS temp directory); removed afterwards. */
  scratchDir?: string;
}

/** Runs `read` inside a fresh scratch directory that is removed afterwards, whatever happens. */
async function inScratchDir<T>(options: IntrospectOptions, read: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(options.scratchDir ?? tmpdir(), 'tally-data-statement-'));
  try {
    return await read(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The schema a tenant database has today: a throwaway SQLite tenant database, opened (and so
 * migrated) exactly as the store provider opens a tenant's file, then read. Touches no real
 * tenant's data; leaves nothing behind.
 */
export async function introspectTenantSchema(options: IntrospectOptions = {}): Promise<DatabaseSchema> {
  return inScratchDir(options, async (dir) => {
    const tenantDb = await openSqliteTenantDb(join(dir, 'tenant.sqlite'));
    try {
      return await readSqliteSchema(tenantDb.kysely);
    } finally {
      await tenantDb.kysely.destroy();
    }
  });
}

/** The prefix of the scratch databases {@link introspectPostgresTenantSchema} makes (never a tenant's `tally_t_…`). */
export const STATEMENT_SCRATCH_DATABASE_PREFIX = 'tally_statement_';

/**
 * The schema a PostgreSQL tenant database has today: a throwaway database on `serverUrl` (one of
 * TALLY_PG_SERVERS: the role there may create databases), created and migrated with the store's
 * own functions, read, then dropped whatever happened. Its name is `tally_statement_` and random
 * hex, made here, so it is safe in DDL and never a tenant's. Touches no tenant's database.
 */
export async function introspectPostgresTenantSchema(serverUrl: string): Promise<DatabaseSchema> {
  const name = `${STATEMENT_SCRATCH_DATABASE_PREFIX}${randomBytes(8).toString('hex')}`;
  const pools = createPgTenantPools({ maxConnections: 2, applicationName: 'tally-data-statement' });
  const databaseUrl = databaseUrlOn(serverUrl, name);
  try {
    await ensurePostgresDatabase(pools, serverUrl, name);
    await migratePostgresTenantDb(pools, databaseUrl, name);
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: pools.kyselyPool(databaseUrl) as never }) });
    try {
      return await readPostgresSchema(kysely);
    } finally {
      await kysely.destroy();
    }
  } finally {
    try {
      await pools.closePool(databaseUrl);
      await dropPostgresDatabase(pools, serverUrl, name);
    } finally {
      await pools.close();
    }
  }
}

/**
 * The schema of the control database: with `databaseUrl`, the PostgreSQL database it names
 * (opened, and so migrated, by `openControlDb` — only ever point it at a database Tally owns);
 * otherwise a throwaway SQLite control database migrated the same way. Leaves nothing behind.
 */
export async function introspectControlSchema(options: IntrospectOptions & { databaseUrl?: string; ownedMigrations?: OwnedMigrations } = {}): Promise<DatabaseSchema> {
  const { databaseUrl } = options;
  const owned = options.ownedMigrations === undefined ? {} : { ownedMigrations: options.ownedMigrations };
  if (databaseUrl !== undefined) {
    const control = await openControlDb({ databaseUrl, ...owned });
    try {
      return await readPostgresSchema(control.db);
    } finally {
      await control.close();
    }
  }
  return inScratchDir(options, async (dir) => {
    const control = await openControlDb({ dataDir: dir, ...owned });
    try {
      return await readSqliteSchema(control.db);
    } finally {
      await control.close();
    }
  });
}
