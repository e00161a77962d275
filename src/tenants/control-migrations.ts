import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** The SQL dialects the control database runs on. */
export type ControlDialect = 'sqlite' | 'postgres';

/**
 * What differs between the dialects in DDL, as data rather than `if (dialect)` branches in each
 * migration: auto-numbered keys (SQLite wants `integer primary key autoincrement` — the rowid
 * alias; AUTOINCREMENT keeps ids from being reused after deletes — PostgreSQL an identity
 * column), and how foreign keys that followed a renamed table are found and moved (migration 005).
 */
interface DdlCapabilities {
  autoIncrementKeyType: 'integer' | 'bigint';
  autoIncrementKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The tables with a foreign key that references `table`. */
  tablesReferencing(db: Kysely<any>, table: string): Promise<string[]>;
  /** Points every foreign key that references `from` at `to` instead (same columns, same actions). */
  retargetForeignKeys(db: Kysely<any>, from: string, to: string): Promise<void>;
}

const ddlCapabilities: Record<ControlDialect, DdlCapabilities> = {
  sqlite: {
    autoIncrementKeyType: 'integer',
    autoIncrementKey: (column) => column.primaryKey().autoIncrement(),
    tablesReferencing: sqliteTablesReferencing,
    retargetForeignKeys: sqliteRetargetForeignKeys,
  },
  postgres: {
    autoIncrementKeyType: 'bigint',
    autoIncrementKey: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
    tablesReferencing: async (db, table) => (await postgresForeignKeysTo(db, table)).map((key) => key.table_name),
    retargetForeignKeys: postgresRetargetForeignKeys,
  },
};

async function sqliteTablesReferencing(db: Kysely<any>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select distinct m.name from sqlite_schema m join pragma_foreign_key_list(m.name) f where m.type = 'table' and f."table" = ${table} order by m.name`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * SQLite cannot alter a foreign key, and `ALTER TABLE … RENAME` has already rewritten every
 * reference to the renamed table (it always does with `foreign_keys` on — PRAGMA
 * legacy_alter_table does not stop that then — and the pragma cannot change inside the migration's
 * transaction). So each referencing table is rebuilt from its own `CREATE` statement with the
 * reference swapped: create, copy, drop, rename, indexes again (SQLite's documented way to change
 * a table's schema). A referencing table that is itself referenced is refused: dropping it would
 * cascade into its children.
 */
async function sqliteRetargetForeignKeys(db: Kysely<any>, from: string, to: string): Promise<void> {
  for (const table of await sqliteTablesReferencing(db, from)) {
    if ((await sqliteTablesReferencing(db, table)).length > 0) throw new Error(`Cannot move the foreign keys of ${table}: other tables reference it`);
    const { rows } = await sql<{ type: string; sql: string }>`select type, sql from sqlite_schema where tbl_name = ${table} and sql is not null order by type desc`.execute(db);
    const create = rows.find((row) => row.type === 'table')!.sql;
    const rebuilt = `${table}__rebuilt`;
    const swapped = create
      .replace(/^CREATE TABLE\s+("?)[^"\s(]+\1/i, `CREATE TABLE "${rebuilt}"`)
      .replace(new RegExp(`"${from}"|\\b${from}\\b`, 'g'), `"${to}"`);
    await sql.raw(swapped).execute(db);
    await sql`insert into ${sql.table(rebuilt)} select * from ${sql.table(table)}`.execute(db);
    await sql`drop table ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(rebuilt)} rename to ${sql.table(table)}`.execute(db);
    for (const index of rows.filter((row) => row.type === 'index')) await sql.raw(index.sql).execute(db);
  }
}

async function postgresForeignKeysTo(db: Kysely<any>, table: string): Promise<{ table_name: string; name: string; definition: string }[]> {
  const { rows } = await sql<{ table_name: string; name: string; definition: string }>`
    select c.conrelid::regclass::text as table_name, c.conname as name, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c where c.contype = 'f' and c.confrelid = to_regclass(${table}) order by 1, 2`.execute(db);
  return rows;
}

/** PostgreSQL keeps a foreign key on the renamed table (by oid): each one is dropped and added again on `to`. */
async function postgresRetargetForeignKeys(db: Kysely<any>, from: string, to: string): Promise<void> {
  for (const key of await postgresForeignKeysTo(db, from)) {
    const definition = key.definition.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
    await sql`alter table ${sql.raw(key.table_name)} drop constraint ${sql.id(key.name)}`.execute(db);
    await sql`alter table ${sql.raw(key.table_name)} add constraint ${sql.id(key.name)} ${sql.raw(definition)}`.execute(db);
  }
}

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

/** The table migration 005 renames the old `tenants` to, until `zz_006` drops it. */
export const LEGACY_TENANTS_TABLE = 'legacy_tenants';

/**
 * Migration 005: `tenants` keeps only the edge-neutral account record; each edge's own migration
 * (`<edge id>/001_installations`, sorted after this one) copies what it kept in the old table
 * into its own, and `zz_006` drops the old table. Here: the old table is renamed to
 * {@link LEGACY_TENANTS_TABLE} (its indexes dropped: index names are per database), the new one
 * made and filled, and every foreign key that followed the rename (both dialects carry a
 * reference along with a renamed table) moved back to the new `tenants`.
 */
function tenantsCore(ddl: DdlCapabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tenants').renameTo(LEGACY_TENANTS_TABLE).execute();
      await db.schema.dropIndex('tenants_state_installed_idx').execute();
      await db.schema.dropIndex('tenants_platform_cloud_idx').execute();
      await db.schema
        .createTable('tenants')
        // Named: PostgreSQL's default `tenants_pkey` is still the legacy table's until 006.
        .addColumn('id', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('tenants_core_pkey', ['id'])
        .addColumn('platform', 'text', (column) => column.notNull())
        .addColumn('product', 'text', (column) => column.notNull())
        .addColumn('base_url', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('enabled', 'boolean', (column) => column.notNull())
        .addColumn('installed_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('uninstalled_at_ms', 'bigint')
        .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('purge_step', 'text')
        .addColumn('purged_at_ms', 'bigint')
        .execute();
      await db.schema.createIndex('tenants_state_installed_idx').on('tenants').columns(['state', 'installed_at_ms']).execute();
      const columns = ['id', 'platform', 'product', 'base_url', 'state', 'enabled', 'installed_at_ms', 'uninstalled_at_ms', 'updated_at_ms', 'purge_step', 'purged_at_ms'] as const;
      await db.insertInto('tenants').columns(columns).expression(db.selectFrom(LEGACY_TENANTS_TABLE).select(columns)).execute();
      await ddl.retargetForeignKeys(db, LEGACY_TENANTS_TABLE, 'tenants');
    },
  };
}

/**
 * Migration 007 (issue 13): the core's Bitbucket records (src/bitbucket/bitbucket-installations.ts).
 * A Bitbucket workspace is not a tenant: `bitbucket_installations` keeps only who installed the app
 * and which Jira tenant the workspace is linked to; each Bitbucket edge keeps how its platform
 * names the installation in its own table (`bitbucket-connect/…`, `bitbucket-forge/…`, sorted
 * after this one), referencing `bitbucket_installations(id)` with a cascading delete. Pairing codes
 * are stored as SHA-256 hashes only. Both tables reference the new `tenants` of migration 005,
 * which this sorts after on a new database and runs after (unordered) on an existing one.
 */
function bitbucketInstallations(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bitbucket_installations')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('edge', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('installer_uuid', 'text', (column) => column.notNull())
        .addColumn('installer_username', 'text')
        .addColumn('installer_avatar_url', 'text')
        // SET NULL, not CASCADE: the account-retention job deleting a Jira tenant's record must not
        // delete a workspace's installation; the workspace just stops being linked.
        .addColumn('jira_tenant_id', 'text', (column) => column.references('tenants.id').onDelete('set null'))
        .addColumn('linked_at_ms', 'bigint')
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      // listLinked and the uninstall's unlinking find a tenant's workspaces by this column.
      await db.schema.createIndex('bitbucket_installations_tenant_idx').on('bitbucket_installations').column('jira_tenant_id').execute();
      await db.schema
        .createTable('bitbucket_pairing_codes')
        .addColumn('code_hash', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      // The opportunistic sweep of expired codes, and the uninstall's deletion of a tenant's codes.
      await db.schema.createIndex('bitbucket_pairing_codes_expiry_idx').on('bitbucket_pairing_codes').column('expires_at_ms').execute();
      await db.schema.createIndex('bitbucket_pairing_codes_tenant_idx').on('bitbucket_pairing_codes').column('tenant_id').execute();
    },
  };
}

/** The token table migration 003 created in the core; its rows belong to the Forge edge's own table since. */
const LEGACY_TOKENS_TABLE = 'forge_system_tokens';

/**
 * Migration `zz_006`: drops {@link LEGACY_TENANTS_TABLE} once the edges copied their part of it.
 * Named to sort after every `<edge id>/…` migration (Kysely runs pending migrations by name), on
 * a new database and an existing one alike. Refuses while any table still references it:
 * dropping it would delete (SQLite's implicit DELETE cascades) or orphan those rows. Also drops
 * 003's token table when the edge's migration left it (a database opened without the edges'
 * migrations, e.g. the data statement's core-only schema) — only empty: tokens are never lost.
 */
function dropLegacyTenants(ddl: DdlCapabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      if ((await db.introspection.getTables()).some((table) => table.name === LEGACY_TOKENS_TABLE)) {
        const left = await db.selectFrom(LEGACY_TOKENS_TABLE).select('tenant_id').limit(1).execute();
        if (left.length > 0) throw new Error(`${LEGACY_TOKENS_TABLE} still holds tokens: open the control database with every edge's migrations`);
        await db.schema.dropTable(LEGACY_TOKENS_TABLE).execute();
      }
      // The rows' installation records must have reached the edges' tables first: a database opened
      // without an edge's migrations (a forgotten `ownedMigrations`) would otherwise lose them here.
      const tables = new Set((await db.introspection.getTables()).map((table) => table.name));
      for (const [platform, ownTable] of [['connect', 'jira_connect_installations'], ['forge', 'jira_forge_installations']] as const) {
        if (tables.has(ownTable)) continue;
        const kept = await db.selectFrom(LEGACY_TENANTS_TABLE).select('id').where('platform', '=', platform).limit(1).execute();
        if (kept.length > 0) throw new Error(`${LEGACY_TENANTS_TABLE} holds ${platform} installations not yet copied to ${ownTable}: open the control database with every edge's migrations`);
      }
      const referencing = await ddl.tablesReferencing(db, LEGACY_TENANTS_TABLE);
      if (referencing.length > 0) throw new Error(`${LEGACY_TENANTS_TABLE} is still referenced by ${referencing.join(', ')}`);
      await db.schema.dropTable(LEGACY_TENANTS_TABLE).execute();
    },
  };
}

/**
 * The control database's migrations, in order, for `dialect`. Names sort in run order; a released
 * migration is never edited — a change is a new one. Each runs in a transaction (both dialects
 * have transactional DDL), so a failed migration leaves no half-made table behind. A core
 * migration that must run after the edges' (`<edge id>/…`) is named `zz_…`.
 */
export function controlMigrations(dialect: ControlDialect): Record<string, Migration> {
  const ddl = ddlCapabilities[dialect];
  return {
    '001_tenants_and_audit_log': createTenantsAndAuditLog(ddl),
    '002_purge_and_schedules': addPurgeAndSchedules(),
    '003_forge_tenants': addForgeTenants(),
    '004_schedules_by_tenant': schedulesByTenant(),
    '005_tenants_core': tenantsCore(ddl),
    '007_bitbucket': bitbucketInstallations(),
    zz_006_drop_legacy_tenants: dropLegacyTenants(ddl),
  };
}

/** An in-code Kysely {@link MigrationProvider} over {@link controlMigrations} (no migration files to ship). */
export function createControlMigrationProvider(dialect: ControlDialect): MigrationProvider {
  return { getMigrations: async () => controlMigrations(dialect) };
}
