import type { ColumnDefinitionBuilder, CreateIndexBuilder, DropIndexBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

/** The SQL dialects a tenant database runs on. */
export type TenantDialect = 'sqlite' | 'postgres';

/**
 * What differs between the dialects in DDL, as data rather than `if (dialect)` branches.
 * SQLite: only a column declared exactly `integer primary key` is the rowid, so the worklog id
 * keys the table's own B-tree (no second unique index to maintain on every write) — `bigint
 * primary key` would not be (SQLite file format, "ROWIDs and the INTEGER PRIMARY KEY").
 * PostgreSQL: `bigint`, since Jira ids are 64-bit on the wire. Both store 8-byte integers.
 */
interface DdlCapabilities {
  idKeyType: 'integer' | 'bigint';
}

const ddlCapabilities: Record<TenantDialect, DdlCapabilities> = {
  sqlite: { idKeyType: 'integer' },
  postgres: { idKeyType: 'bigint' },
};

/** A secondary index on `worklogs` that reports use and a bulk load may drop and rebuild. */
export interface ReportIndex {
  name: string;
  columns: readonly string[];
}

/**
 * The secondary indexes the current schema has on `worklogs` (schema.test.ts checks this list
 * against what the migrations create). A change to it goes with a new migration.
 *
 * `time_spent_seconds` trails each key so a report's SUM is answered from the index alone. Measured
 * on SQLite, 1M stack-check-shaped rows, median of 5 warm runs: month × account (Q1) 26 → 8.5 ms,
 * 2000 issues × 1 year (Q3) 38 → 6.5 ms — only the covering form meets stack-check's goals
 * (≤ 10 / ≤ 15 ms); the price is 24k → 19k rows/s for writes with indexes live (a first load drops
 * them, see beginBulkLoad). No `(started_ms)` index: with it, the month × account plan still
 * skip-scans the account index (as stack-check §4 saw), so it would only cost writes (24k → 20k/s).
 */
export const reportIndexes: readonly ReportIndex[] = [
  // Reports per person and period, and a person's worklog list ordered by start.
  { name: 'worklogs_account_started_idx', columns: ['account_id', 'started_ms', 'time_spent_seconds'] },
  // Reports per issue (or set of issues) and period.
  { name: 'worklogs_issue_started_idx', columns: ['client_issue_id', 'started_ms', 'time_spent_seconds'] },
];

/** `CREATE INDEX IF NOT EXISTS` for one report index, in `db`'s dialect. Idempotent. */
export function createReportIndex(db: Kysely<any>, index: ReportIndex): CreateIndexBuilder {
  return db.schema.createIndex(index.name).ifNotExists().on('worklogs').columns([...index.columns]);
}

/** `DROP INDEX IF EXISTS` for one report index, in `db`'s dialect. Idempotent. */
export function dropReportIndex(db: Kysely<any>, index: ReportIndex): DropIndexBuilder {
  return db.schema.dropIndex(index.name).ifExists();
}

const notNull = (column: ColumnDefinitionBuilder) => column.notNull();

/** Migration 001: worklogs, tombstones, sync state. Frozen once released: changes are new migrations. */
function createWorklogTables(ddl: DdlCapabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('worklogs')
        // In SQLite a NULL (or NaN) into the rowid key gets an invented id despite NOT NULL, so the
        // writer refuses non-integer ids before SQL sees them.
        .addColumn('client_worklog_id', ddl.idKeyType, (column) => column.primaryKey().notNull())
        .addColumn('account_id', 'text')
        .addColumn('client_issue_id', 'bigint', notNull)
        .addColumn('comment', 'text')
        // As received from Jira (`yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm`): the data statement stores them unchanged.
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .addColumn('started', 'text', notNull)
        .addColumn('time_spent_seconds', 'integer', notNull)
        // Derived instants: reports range over `started_ms`; newest-wins compares `updated_ms`.
        .addColumn('started_ms', 'bigint', notNull)
        .addColumn('updated_ms', 'bigint', notNull)
        .execute();
      // Written out rather than taken from `reportIndexes`, so this migration never changes.
      await db.schema.createIndex('worklogs_account_started_idx').on('worklogs').columns(['account_id', 'started_ms', 'time_spent_seconds']).execute();
      await db.schema.createIndex('worklogs_issue_started_idx').on('worklogs').columns(['client_issue_id', 'started_ms', 'time_spent_seconds']).execute();

      await db.schema
        .createTable('worklog_tombstones')
        .addColumn('client_worklog_id', ddl.idKeyType, (column) => column.primaryKey().notNull())
        .addColumn('deleted_at_ms', 'bigint', notNull)
        .execute();

      await db.schema
        .createTable('sync_state')
        .addColumn('key', 'text', (column) => column.primaryKey().notNull())
        .addColumn('value', 'text', notNull)
        .execute();
    },
  };
}

/**
 * A tenant database's migrations, in order, for `dialect`. Names sort in run order; a released
 * migration is never edited. The SQLite provider runs them in one transaction (see
 * sqlite-tenant-db.ts), so a failed run leaves no half-made table behind.
 */
export function tenantMigrations(dialect: TenantDialect): Record<string, Migration> {
  const ddl = ddlCapabilities[dialect];
  return {
    '001_worklogs': createWorklogTables(ddl),
  };
}

/** An in-code Kysely {@link MigrationProvider} over {@link tenantMigrations}. */
export function createTenantMigrationProvider(dialect: TenantDialect): MigrationProvider {
  return { getMigrations: async () => tenantMigrations(dialect) };
}

/**
 * Whether `applied` (the names in a tenant database's migration table) are exactly the code's
 * migrations `names`, in any order: then Kysely's migrator would do nothing, so an open may skip
 * it. Both stores' opens ask this; any other set (missing, unknown, repeated) means "migrate".
 */
export function appliesExactly(applied: readonly unknown[], names: readonly string[]): boolean {
  const appliedNames = new Set(applied);
  return applied.length === names.length && appliedNames.size === names.length && names.every((name) => appliedNames.has(name));
}
