import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

/** The SQL dialects the control database runs on. */
export type ControlDialect = 'sqlite' | 'postgres';

/**
 * What differs between the dialects in DDL, as data rather than `if (dialect)` branches in each
 * migration. Only auto-numbered keys differ so far: SQLite wants `integer primary key
 * autoincrement` (the rowid alias; AUTOINCREMENT keeps ids from being reused after deletes),
 * PostgreSQL an identity column.
 */
interface DdlCapabilities {
  autoIncrementKeyType: 'integer' | 'bigint';
  autoIncrementKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

const ddlCapabilities: Record<ControlDialect, DdlCapabilities> = {
  sqlite: { autoIncrementKeyType: 'integer', autoIncrementKey: (column) => column.primaryKey().autoIncrement() },
  postgres: { autoIncrementKeyType: 'bigint', autoIncrementKey: (column) => column.primaryKey().generatedByDefaultAsIdentity() },
};

/** Migration 001: the tenant registry and the audit log. */
function createTenantsAndAuditLog(ddl: DdlCapabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('client_key', 'text', (column) => column.notNull().unique())
        .addColumn('product', 'text', (column) => column.notNull())
        .addColumn('base_url', 'text', (column) => column.notNull())
        // Nullable: the uninstall purge wipes it while the row stays for the audit trail.
        .addColumn('shared_secret_sealed', 'text')
        .addColumn('state', 'text', (column) => column.notNull())
        // `boolean` is a real type in PostgreSQL and a NUMERIC-affinity name in SQLite (stores 0/1).
        .addColumn('enabled', 'boolean', (column) => column.notNull())
        // Epoch ms: `bigint` is 8 bytes in PostgreSQL and INTEGER affinity (8 bytes) in SQLite.
        .addColumn('installed_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('uninstalled_at_ms', 'bigint')
        .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      // listInstalled: installed tenants, oldest first.
      await db.schema.createIndex('tenants_state_installed_idx').on('tenants').columns(['state', 'installed_at_ms']).execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', ddl.autoIncrementKeyType, (column) => ddl.autoIncrementKey(column))
        // No foreign key: audit rows outlive a purged tenant row on purpose.
        .addColumn('tenant_id', 'text')
        .addColumn('event', 'text', (column) => column.notNull())
        .addColumn('at_ms', 'bigint', (column) => column.notNull())
        .addColumn('detail', 'text')
        .execute();
      // A tenant's history (data statement, support) without scanning every tenant's rows.
      await db.schema.createIndex('audit_log_tenant_idx').on('audit_log').columns(['tenant_id', 'id']).execute();
    },
  };
}

/**
 * Migration 002: the uninstall purge's checkpoint on the tenant row, and the schedule of Tally's
 * periodic jobs (account retention, backups, personal-data reporting), so a restart neither
 * repeats nor skips them and several instances agree on when they are due.
 */
function addPurgeAndSchedules(): Migration {
  return {
    async up(db: Kysely<any>) {
      // The last purge step completed for an uninstalled tenant; null when no purge is pending.
      await db.schema.alterTable('tenants').addColumn('purge_step', 'text').execute();
      await db.schema.alterTable('tenants').addColumn('purged_at_ms', 'bigint').execute();
      await db.schema
        .createTable('scheduled_jobs')
        // e.g. `account-retention`, `backup:t_…`, `personal-data-report:t_…`.
        .addColumn('name', 'text', (column) => column.primaryKey())
        .addColumn('next_run_at_ms', 'bigint', (column) => column.notNull())
        // Job-specific progress as JSON (e.g. where a reporting cycle stopped); never personal data.
        .addColumn('progress', 'text')
        .execute();
    },
  };
}

/**
 * Migration 003: Forge tenants beside Connect ones (issue 7). The installation id lives in
 * `client_key` (both are "the key Atlassian names the installation by"); the cloud id is unique
 * among Forge tenants, so a new installation id for a known site is recognised as a reinstall and
 * re-keyed rather than made a second tenant. System tokens get their own table: they rotate every
 * few minutes, and a row per tenant keeps those writes off the registry row.
 */
function addForgeTenants(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tenants').addColumn('platform', 'text', (column) => column.notNull().defaultTo('connect')).execute();
      await db.schema.alterTable('tenants').addColumn('cloud_id', 'text').execute();
      await db.schema.alterTable('tenants').addColumn('api_base_url', 'text').execute();
      await db.schema.alterTable('tenants').addColumn('last_tick_at_ms', 'bigint').execute();
      await db.schema.alterTable('tenants').addColumn('suspected_since_ms', 'bigint').execute();
      // NULLs are distinct in a unique index on both dialects: Connect rows (no cloud id) never collide.
      await db.schema.createIndex('tenants_platform_cloud_idx').on('tenants').columns(['platform', 'cloud_id']).unique().execute();
      await db.schema
        .createTable('forge_system_tokens')
        // Cascade: the account-retention job deletes the tenant row; no token may outlive it.
        .addColumn('tenant_id', 'text', (column) => column.primaryKey().references('tenants.id').onDelete('cascade'))
        .addColumn('token_sealed', 'text', (column) => column.notNull())
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('received_at_ms', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}

/** Schedule names whose old rows were `<name>:<tenant id>` (migration 004 splits them). */
const PER_TENANT_SCHEDULE_PREFIXES = ['backup:', 'personal-data-report:'];

/**
 * Migration 004: schedules keyed by (name, tenant_id) instead of a tenant id inside the name, so
 * the uninstall purge cancels a tenant's schedules by a column (src/jobs/ owns the table). The
 * table is rebuilt (SQLite cannot change a primary key in place); app-wide rows get the empty
 * tenant id (a primary-key column cannot be null in PostgreSQL). Backups moved from an hourly
 * app-wide check to per-tenant schedules, so the old `backup-check` row is dropped.
 */
function schedulesByTenant(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('scheduled_jobs_004')
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('tenant_id', 'text', (column) => column.notNull().defaultTo(''))
        .addColumn('next_run_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('progress', 'text')
        .addPrimaryKeyConstraint('scheduled_jobs_pk', ['name', 'tenant_id'])
        .execute();
      const rows = (await db.selectFrom('scheduled_jobs').selectAll().execute()) as { name: string; next_run_at_ms: number | string; progress: string | null }[];
      for (const row of rows) {
        if (row.name === 'backup-check') continue;
        const prefix = PER_TENANT_SCHEDULE_PREFIXES.find((candidate) => row.name.startsWith(candidate));
        const [name, tenantId] = prefix ? [prefix.slice(0, -1), row.name.slice(prefix.length)] : [row.name, ''];
        await db.insertInto('scheduled_jobs_004').values({ name, tenant_id: tenantId, next_run_at_ms: Number(row.next_run_at_ms), progress: row.progress }).execute();
      }
      await db.schema.dropTable('scheduled_jobs').execute();
      await db.schema.alterTable('scheduled_jobs_004').renameTo('scheduled_jobs').execute();
      // The purge's cancelTenant deletes by tenant.
      await db.schema.createIndex('scheduled_jobs_tenant_idx').on('scheduled_jobs').column('tenant_id').execute();
    },
  };
}

/**
 * The control database's migrations, in order, for `dialect`. Names sort in run order; a released
 * migration is never edited — a change is a new one. Each runs in a transaction (both dialects
 * have transactional DDL), so a failed migration leaves no half-made table behind.
 */
export function controlMigrations(dialect: ControlDialect): Record<string, Migration> {
  const ddl = ddlCapabilities[dialect];
  return {
    '001_tenants_and_audit_log': createTenantsAndAuditLog(ddl),
    '002_purge_and_schedules': addPurgeAndSchedules(),
    '003_forge_tenants': addForgeTenants(),
    '004_schedules_by_tenant': schedulesByTenant(),
  };
}

/** An in-code Kysely {@link MigrationProvider} over {@link controlMigrations} (no migration files to ship). */
export function createControlMigrationProvider(dialect: ControlDialect): MigrationProvider {
  return { getMigrations: async () => controlMigrations(dialect) };
}
