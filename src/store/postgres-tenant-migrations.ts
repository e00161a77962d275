import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { tenantMigrations } from './tenant-migrations.js';

/**
 * `postgres/001_write_version`: a one-row counter that every write transaction on the tenant's
 * tables bumps once (a statement trigger, so it also sees a restore or a hand-made fix, not only
 * Tally's writes). `othersWriteVersion` reads it; this store subtracts its own bumps. Chosen over
 * `pg_stat_database.xact_commit`, which counts every transaction of the database — read-only ones
 * and autovacuum's included — is per server statistics (reset by an operator) and lags behind
 * the commit. `last_xact` keeps the bump at one per transaction, however many statements it runs.
 */
const writeVersion: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE TABLE write_version (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      version bigint NOT NULL,
      last_xact bigint
    )`.execute(db);
    await sql`INSERT INTO write_version (version) VALUES (0)`.execute(db);
    await sql`CREATE FUNCTION bump_write_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE write_version SET version = version + 1, last_xact = txid_current() WHERE last_xact IS DISTINCT FROM txid_current();
        RETURN NULL;
      END $$`.execute(db);
    for (const table of ['worklogs', 'worklog_tombstones', 'sync_state']) {
      await sql`CREATE TRIGGER ${sql.raw(`${table}_write_version`)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
        FOR EACH STATEMENT EXECUTE FUNCTION bump_write_version()`.execute(db);
    }
  },
};

/**
 * `postgres/002_maintenance_owed`: maintenance a committed write still owes, recorded in the same
 * transaction so a crash between the commit and the maintenance cannot lose it. Today one task:
 * `erase_cleanup`, the VACUUM FULL and fresh statistics after an account erase
 * (postgres-personal-data.ts).
 */
const maintenanceOwed: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE TABLE maintenance_owed (task text PRIMARY KEY)`.execute(db);
  },
};

/**
 * A PostgreSQL tenant database's migrations: the shared tenant schema (tenant-migrations.ts, in
 * its `postgres` DDL) and the PostgreSQL-only ones, named `postgres/<nnn>_<what>`. Those sort after
 * the shared numbered ones, so a later shared migration runs after them: the migrator allows
 * unordered migrations. Kysely runs each in a transaction under an advisory lock (PostgreSQL has
 * transactional DDL), so a crash leaves the database at the last whole migration.
 */
export function postgresTenantMigrations(): Record<string, Migration> {
  return { ...tenantMigrations('postgres'), 'postgres/001_write_version': writeVersion, 'postgres/002_maintenance_owed': maintenanceOwed };
}

/** An in-code Kysely {@link MigrationProvider} over {@link postgresTenantMigrations}. */
export function createPostgresTenantMigrationProvider(): MigrationProvider {
  return { getMigrations: async () => postgresTenantMigrations() };
}
