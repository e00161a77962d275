import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { Hono } from 'hono';
import { createTestPostgresDatabase, describeWithPostgres } from '../../../test/support/postgres.js';
import { TEST_POSTGRES_ADMIN_URL } from '../../../test/support/postgres-url.js';
import { dataStatementRoutes } from '../../http/data-statement-route.js';
import { createPostgresTenantMigrationProvider } from '../../store/postgres-tenant-migrations.js';
import { tenantCatalogueFor } from './postgres-tenant-catalogue.js';
import { loadConfig } from '../../config/load-config.js';
import { isAppError } from '../../platform/app-error.js';
import { openSqliteTenantDb, type SqliteTenantDb } from '../../store/sqlite-tenant-db.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { buildDataStatement, introspectRealSchemas, listCatalogueDrift, renderDataStatementText, type RealSchemas, type StatementTable } from './data-statement.js';
import { controlDatabaseCatalogue, tenantDatabaseCatalogue } from './field-catalogue.js';
import { ALL_EDGE_MODULES } from '../../edges/all-edges.js';
import { introspectControlSchema, readPostgresSchema, readSqliteSchema, STATEMENT_SCRATCH_DATABASE_PREFIX, type DatabaseSchema } from './introspect-schema.js';
import { tallyOwnedData } from '../../compose/owned-data.js';

/** The eight worklog fields the data statement (`../shared/seeds/000_*.txt`) promises by name. */
const STATEMENT_FIELDS = ['client_worklog_id', 'account_id', 'client_issue_id', 'comment', 'created', 'updated', 'started', 'time_spent_seconds'];

const defaultConfig = loadConfig({ TALLY_MODE: 'demo' });

/** `table.column` for every column of a schema, sorted. */
const columnsOf = (schema: DatabaseSchema) => schema.tables.flatMap((table) => table.columns.map((column) => `${table.name}.${column.name}`)).sort();

/** The build's failure, for asserting on its code and details. */
async function buildFailure(schemas: RealSchemas) {
  const error = await buildDataStatement(defaultConfig, { schemas }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAppError(error, 'INTERNAL')) throw new Error(`expected an INTERNAL AppError, got ${String(error)}`);
  return error;
}

describe('data statement against the real schema', () => {
  let scratch: string;
  let real: RealSchemas;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tally-statement-test-'));
    real = await introspectRealSchemas();
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('describes every table and column of both databases, and nothing that does not exist', async () => {
    const statement = await buildDataStatement(defaultConfig, { schemas: real });
    const [tenant, control] = statement.databases;
    const described = (tables: readonly StatementTable[]) => tables.flatMap((table) => table.columns.map((column) => `${table.name}.${column.name}`)).sort();
    expect(described(tenant?.tables ?? [])).toEqual(columnsOf(real.tenant));
    // The Bitbucket app's tables live in the control database and are shown in their own section.
    expect(described([...(control?.tables ?? []), ...statement.bitbucket.tables])).toEqual(columnsOf(real.control));
    expect(real.tenant.tables.map((table) => table.name)).toContain('worklogs');
    expect(real.control.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['tenants', 'audit_log', 'scheduled_jobs']));
    for (const table of [...(tenant?.tables ?? []), ...(control?.tables ?? []), ...statement.bitbucket.tables]) {
      for (const column of table.columns) expect(column.description.length, `${table.name}.${column.name}`).toBeGreaterThan(10);
    }
  });

  describe('fails when the schema drifts', () => {
    let tenantDb: SqliteTenantDb;
    let controlDb: ControlDb;

    beforeAll(async () => {
      tenantDb = await openSqliteTenantDb(join(scratch, 'drift.sqlite'));
      controlDb = await openControlDb({ dataDir: join(scratch, 'control') });
    });
    afterAll(async () => {
      await tenantDb.kysely.destroy();
      await controlDb.close();
    });

    it('names a column added to worklogs that the catalogue does not describe', async () => {
      await sql`alter table worklogs add column author_email text`.execute(tenantDb.kysely);
      const error = await buildFailure({ tenant: await readSqliteSchema(tenantDb.kysely), control: real.control });
      expect(error.details).toEqual(['tenant database: column worklogs.author_email is not described']);
      expect(error.message).toContain('field-catalogue.ts');
      await sql`alter table worklogs drop column author_email`.execute(tenantDb.kysely);
    });

    it('names a new table, a new index and a dropped column', async () => {
      await sql`create table issue_cache (id integer primary key, summary text)`.execute(tenantDb.kysely);
      await sql`create index worklogs_comment_idx on worklogs (comment)`.execute(tenantDb.kysely);
      await sql`alter table worklog_tombstones drop column deleted_at_ms`.execute(tenantDb.kysely);
      const error = await buildFailure({ tenant: await readSqliteSchema(tenantDb.kysely), control: real.control });
      expect([...error.details].sort()).toEqual([
        'tenant database: column worklog_tombstones.deleted_at_ms is described but does not exist',
        'tenant database: index worklogs_comment_idx on worklogs is not described',
        'tenant database: table issue_cache is not described',
      ]);
    });

    it('names a column added to the control database', async () => {
      await sql`alter table tenants add column owner_email text`.execute(controlDb.db);
      const error = await buildFailure({ tenant: real.tenant, control: await readSqliteSchema(controlDb.db) });
      expect(error.details).toEqual(['control database: column tenants.owner_email is not described']);
      await sql`alter table tenants drop column owner_email`.execute(controlDb.db);
    });

    it('names a column added to a Bitbucket table, and a Bitbucket edge\'s table nobody describes', async () => {
      await sql`alter table bitbucket_installations add column installer_email text`.execute(controlDb.db);
      await sql`create table bitbucket_other_installations (installation_id text primary key references bitbucket_installations (id) on delete cascade, phone text)`.execute(controlDb.db);
      const error = await buildFailure({ tenant: real.tenant, control: await readSqliteSchema(controlDb.db) });
      expect([...error.details].sort()).toEqual(['control database: column bitbucket_installations.installer_email is not described', 'control database: table bitbucket_other_installations is not described']);
      await sql`drop table bitbucket_other_installations`.execute(controlDb.db);
      await sql`alter table bitbucket_installations drop column installer_email`.execute(controlDb.db);
    });
  });

  it('prints the eight worklog fields, the configured retention numbers and the backup directory', async () => {
    const config = loadConfig({
      TALLY_MODE: 'demo',
      TALLY_DATA_DIR: '/var/lib/tally-data',
      TALLY_BACKUP_DIR: '/mnt/tally-backups/',
      TALLY_ACCOUNT_RETENTION_DAYS: '45',
      TALLY_BACKUP_RETENTION_DAYS: '9',
      TALLY_GDPR_CYCLE_DAYS: '5',
    });
    const text = renderDataStatementText(await buildDataStatement(config, { schemas: real }));
    const worklogSection = text.slice(text.indexOf('### `worklogs`'), text.indexOf('### `worklog_tombstones`'));
    for (const field of STATEMENT_FIELDS) expect(worklogSection, field).toMatch(new RegExp(`^\\| \`${field}\` \\| .+ \\| .{20,} \\|$`, 'm'));
    expect(text).toContain('`/var/lib/tally-data/tenants/<tenant id>.sqlite`');
    expect(text).toContain('`/mnt/tally-backups/<tenant id>/`');
    expect(text).toContain('**45 days after uninstall (TALLY_ACCOUNT_RETENTION_DAYS):**');
    expect(text).toContain('each kept 9 days (TALLY_BACKUP_RETENTION_DAYS)');
    expect(text).toContain('checked every 5 days');
    expect(text).toMatch(/## Never stored\n\n- Issue keys, summaries/);
    expect(text).toContain('## In memory only');
    const bitbucketSection = text.slice(text.indexOf('## Bitbucket Cloud app'), text.indexOf('## In memory only'));
    expect(bitbucketSection).toContain('No e-mail address or phone number is collected');
    for (const table of ['bitbucket_installations', 'bitbucket_pairing_codes']) expect(bitbucketSection).toContain(`### \`${table}\``);
    expect(bitbucketSection).toMatch(/^\| `installer_uuid` \| .+ \| yes \| Atlassian install \| .{20,} \|$/m);
  });

  it('shows the directories by variable name, never the configured paths, when asked to', async () => {
    const config = loadConfig({ TALLY_MODE: 'demo', TALLY_DATA_DIR: '/srv/private-place', DATABASE_URL: 'postgres://tally:hunter2@db.internal:5432/control', TALLY_TENANT_STORE: 'sqlite' });
    const statement = await buildDataStatement(config, { schemas: real, paths: 'variables' });
    const both = `${renderDataStatementText(statement)}${JSON.stringify(statement)}`;
    expect(both).toContain('$TALLY_DATA_DIR/tenants/<tenant id>.sqlite');
    expect(both).not.toContain('/srv/private-place');
    expect(both).not.toContain('hunter2');
    expect(both).not.toContain('db.internal');
    expect(statement.settings.controlDb).toBe('postgres');
  });

  it('is the committed docs/data-statement.md for the default configuration (update with `npx vitest run src/privacy/data-statement -u`)', async () => {
    // With every edge Tally ships, as `tally data-statement` and `GET /data-statement` build it.
    const text = renderDataStatementText(await buildDataStatement(defaultConfig, { owned: tallyOwnedData(ALL_EDGE_MODULES) }));
    await expect(text).toMatchFileSnapshot('../../../docs/data-statement.md');
  });
});

describe('data statement against PostgreSQL', () => {
  /** A fresh PostgreSQL database, dropped once the test passed (kept, and named, when it failed). */
  async function testDatabase(context: TestContext) {
    const database = await createTestPostgresDatabase();
    context.onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') console.warn(`Kept the PostgreSQL database of a failed test: ${database.name}`);
      else await database.drop();
    });
    return database;
  }

  it('describes exactly the control schema the migrations create on PostgreSQL', async (context) => {
    const database = await testDatabase(context);
    const control = await introspectControlSchema({ databaseUrl: database.url });
    expect(listCatalogueDrift('control database', controlDatabaseCatalogue, control)).toEqual([]);
    expect(columnsOf(control)).toEqual(columnsOf((await introspectRealSchemas()).control));
  });

  it('describes exactly the tenant schema the PostgreSQL tenant migrations create: the shared tables and its own two', async (context) => {
    // Migrated here with the store's own migration list, not through the statement's introspection.
    const database = await testDatabase(context);
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
    try {
      const { error } = await new Migrator({ db: kysely, provider: createPostgresTenantMigrationProvider(), allowUnorderedMigrations: true }).migrateToLatest();
      expect(error).toBeUndefined();
      const tenant = await readPostgresSchema(kysely);
      expect(listCatalogueDrift('tenant database', tenantCatalogueFor('postgres'), tenant)).toEqual([]);
      // The SQLite catalogue alone misses exactly PostgreSQL's own tables.
      expect(listCatalogueDrift('tenant database', tenantDatabaseCatalogue, tenant).sort()).toEqual(['tenant database: table maintenance_owed is not described', 'tenant database: table write_version is not described']);
      const shared = columnsOf(tenant).filter((column) => !/^(write_version|maintenance_owed)\./.test(column));
      expect(shared).toEqual(columnsOf((await introspectRealSchemas()).tenant));
    } finally {
      await kysely.destroy();
    }
  });
});

describeWithPostgres('data statement of a PostgreSQL tenant store', () => {
  /** Tally's configuration on the tests' server: DATABASE_URL makes the tenant store PostgreSQL. */
  async function postgresConfig(context: TestContext, env: Record<string, string> = {}) {
    const database = await createTestPostgresDatabase();
    context.onTestFinished(() => database.drop());
    return loadConfig({ TALLY_MODE: 'demo', DATABASE_URL: database.url, ...env });
  }
  /** Scratch databases the statement made and left behind (none, if it cleans up). */
  async function scratchDatabasesLeft(): Promise<string[]> {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      const rows = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [STATEMENT_SCRATCH_DATABASE_PREFIX]);
      return rows.rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  }

  it('says each site is a database tally_<tenant id> on a placed server, backups are pg_dump archives, and what uninstall drops', async (context) => {
    const config = await postgresConfig(context, { TALLY_DATA_DIR: '/var/lib/tally-data', TALLY_BACKUP_DIR: '/mnt/tally-backups/' });
    expect(config.tenantStore).toBe('postgres');
    const statement = await buildDataStatement(config, { paths: 'configured' });
    const text = renderDataStatementText(statement);
    const place = (name: string) => statement.storedPlaces.find((candidate) => candidate.name === name);
    const server = new URL(config.pgServers[0]!);

    expect(place('Tenant databases')?.location).toContain('A PostgreSQL database `tally_<tenant id>` per Atlassian product instance');
    expect(place('Tenant databases')?.location).toContain(`\`${server.hostname}:${server.port || '5432'}\``);
    expect(place('Tenant databases')?.location).toContain('`store_placements`');
    expect(place('Backups')?.location).toBe('`/mnt/tally-backups/<tenant id>/` (`<backup id>.dump` and `<backup id>.json`): a folder per installation, never shared.');
    expect(place('Backups')?.holds).toContain('`pg_dump` archives');
    const uninstall = statement.deletionRules[0]?.what ?? '';
    expect(uninstall).toMatch(/^Tally deletes the tenant's PostgreSQL database \(`DROP DATABASE … WITH \(FORCE\)`.*then its placement row, and every backup of it \(the dumps with their manifests\)/);
    expect(uninstall).toContain('write-ahead log');
    expect(place('Control database')?.holds).toContain('pg-boss');
    // Nothing of the SQLite store is claimed: no tenant or backup files, no secure_delete.
    expect(text).not.toMatch(/\.sqlite\b|-wal|secure_delete|zeroed in the file/);
    expect(text).toContain('- Tenant databases (TALLY_TENANT_STORE): PostgreSQL, a database per installation on `');

    // The tables are read from a real PostgreSQL tenant database: its own two, and PostgreSQL's types.
    const tenant = statement.databases[0];
    expect(tenant?.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['worklogs', 'write_version', 'maintenance_owed']));
    expect(tenant?.tables.find((table) => table.name === 'worklogs')?.columns.find((column) => column.name === 'client_worklog_id')?.type).toBe('bigint');
    expect(await scratchDatabasesLeft()).toEqual([]);
  });

  it('names no server when shown by variable name, as GET /data-statement does', async (context) => {
    const config = await postgresConfig(context, { TALLY_DATA_DIR: '/srv/private-place' });
    const response = await new Hono().route('/', dataStatementRoutes(config)).request('/data-statement');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('A PostgreSQL database `tally_<tenant id>` per Atlassian product instance, never shared, on the server its placement names (`store_placements` in the control database), one of `$TALLY_PG_SERVERS`.');
    expect(text).toContain('`$TALLY_BACKUP_DIR/<tenant id>/` (`<backup id>.dump`');
    expect(text).not.toContain(new URL(config.pgServers[0]!).host);
    expect(text).not.toContain('/srv/private-place');
  });

  it('is the committed docs/data-statement-postgres.md for a PostgreSQL configuration (update with `npx vitest run src/privacy/data-statement -u`)', async (context) => {
    const config = await postgresConfig(context);
    const text = renderDataStatementText(await buildDataStatement(config, { paths: 'variables', owned: tallyOwnedData(ALL_EDGE_MODULES) }));
    await expect(text).toMatchFileSnapshot('../../../docs/data-statement-postgres.md');
  });

  it('refuses a tenant schema of the other store', async (context) => {
    const config = await postgresConfig(context);
    const error = await buildDataStatement(config, { schemas: await introspectRealSchemas() }).catch((caught: unknown) => caught);
    expect(isAppError(error, 'INTERNAL')).toBe(true);
    expect(String((error as Error).message)).toContain('postgres tenant store was given a sqlite tenant schema');
  });
});
