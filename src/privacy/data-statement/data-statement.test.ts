import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { createTestPostgresDatabase } from '../../../test/support/postgres.js';
import { loadConfig } from '../../config/load-config.js';
import { isAppError } from '../../platform/app-error.js';
import { openSqliteTenantDb, type SqliteTenantDb } from '../../store/sqlite-tenant-db.js';
import { createTenantMigrationProvider } from '../../store/tenant-migrations.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { buildDataStatement, introspectRealSchemas, listCatalogueDrift, renderDataStatementText, type RealSchemas, type StatementTable } from './data-statement.js';
import { controlDatabaseCatalogue, tenantDatabaseCatalogue } from './field-catalogue.js';
import { ALL_EDGE_MODULES } from '../../edges/all-edges.js';
import { introspectControlSchema, readPostgresSchema, readSqliteSchema, type DatabaseSchema } from './introspect-schema.js';
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
    const config = loadConfig({ TALLY_MODE: 'demo', TALLY_DATA_DIR: '/srv/private-place', DATABASE_URL: 'postgres://tally:hunter2@db.internal:5432/control' });
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

  it('describes exactly the tenant schema the PostgreSQL tenant migrations create', async (context) => {
    // No PostgreSQL tenant store runs yet, but the tenant migrations have a PostgreSQL dialect:
    // once it lands, its databases need no description beyond the SQLite one.
    const database = await testDatabase(context);
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
    try {
      const { error } = await new Migrator({ db: kysely, provider: createTenantMigrationProvider('postgres') }).migrateToLatest();
      expect(error).toBeUndefined();
      const tenant = await readPostgresSchema(kysely);
      expect(listCatalogueDrift('tenant database', tenantDatabaseCatalogue, tenant)).toEqual([]);
      expect(columnsOf(tenant)).toEqual(columnsOf((await introspectRealSchemas()).tenant));
    } finally {
      await kysely.destroy();
    }
  });
});
