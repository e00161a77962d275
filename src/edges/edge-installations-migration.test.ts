import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type Migration } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { MigratingSqliteDialect } from '../store/migrating-sqlite-dialect.js';
import { controlDialects, createControlDbTarget, type ControlDbTarget } from '../tenants/control-db-test-kit.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import { controlMigrations, type ControlDialect } from '../tenants/control-migrations.js';
import { createSecretBox } from '../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../tenants/sql-tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import { ALL_EDGE_MODULES } from './all-edges.js';
import { createConnectInstallationStore } from './jira-connect/connect-installation-store.js';
import { createForgeInstallationStore } from './jira-forge/forge-installation-store.js';
import { createSqlForgeTokenStore } from './jira-forge/forge-token-store.js';
import { SITE_INSTALLATION_MIGRATIONS } from './jira-site/site-installation-migrations.js';
import { SITE_ACCESS_MIGRATIONS } from './jira-site/site-access.js';
import { createSiteInstallationStore } from './jira-site/site-installation-store.js';
import { tallyOwnedData } from '../compose/owned-data.js';

/*
 * Core migration 005 split `tenants` into the neutral account record and the edges' own tables
 * (`jira-connect/001_installations`, `jira-forge/001_installations`), and `zz_006` dropped the
 * old table. These tests take a database as the release before left it — rows of every edge,
 * secrets and tokens included — and check that every record survives, that the migrations run
 * in the documented order, and that deleting a tenant reaches every edge's table on both dialects.
 */

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const CONNECT = 't_00000000000000000000c001' as TenantId;
const FORGE = 't_00000000000000000000f001' as TenantId;
const SITE = 't_00000000000000000000e001' as TenantId;
const CLOUD = '5a3e9d0c-1b2f-4c6d-8e7f-0a1b2c3d4e5f';
const SITE_CLOUD = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const INSTALLATION = 'ari:cloud:ecosystem::installation/11111111-2222-4333-8444-555555555555';
const API = `https://api.atlassian.com/ex/jira/${CLOUD}`;
const EDGE_TABLES = ['jira_connect_installations', 'jira_forge_installations', 'jira_forge_system_tokens', 'jira_site_installations'];

/** A token whose payload says it expires an hour after T0. */
const TOKEN = `h.${Buffer.from(JSON.stringify({ exp: (T0 + 3_600_000) / 1000 })).toString('base64url')}.s`;

/** The control database's Kysely without running the current migrations (the release before's view). */
function openRaw(target: ControlDbTarget, dialect: ControlDialect): Kysely<any> {
  if (dialect === 'sqlite') {
    const database = new Database(join((target.options as { dataDir: string }).dataDir, 'control.sqlite'));
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    return new Kysely<any>({ dialect: new MigratingSqliteDialect({ database }) });
  }
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: (target.options as { databaseUrl: string }).databaseUrl }) }) });
}

/** What the release before this change ran: core 001–004 and the site edge's tables. */
function previousRelease(dialect: ControlDialect): Record<string, Migration> {
  const core = controlMigrations(dialect);
  const names = ['001_tenants_and_audit_log', '002_purge_and_schedules', '003_forge_tenants', '004_schedules_by_tenant'];
  return { ...Object.fromEntries(names.map((name) => [name, core[name]!])), ...SITE_INSTALLATION_MIGRATIONS, ...SITE_ACCESS_MIGRATIONS };
}

describe.each(controlDialects)('the tenants split (%s)', (dialect) => {
  let opened: { control?: ControlDb; target: ControlDbTarget } | undefined;
  afterEach(async (context) => {
    await opened?.control?.close();
    if (context.task.result?.state !== 'fail') await opened?.target.remove();
    opened = undefined;
  });

  const secretBox = createSecretBox(randomBytes(32));
  const clock = createManualClock(T0 + 60_000);
  const storesOn = (control: ControlDb) => {
    const registry = createSqlTenantRegistry({ db: control.db, clock });
    return {
      registry,
      connect: createConnectInstallationStore({ db: control.db, registry, secretBox }),
      forge: createForgeInstallationStore({ db: control.db, registry, clock }),
      tokens: createSqlForgeTokenStore({ db: control.db, secretBox, clock: createManualClock(T0) }),
      site: createSiteInstallationStore(control.db),
    };
  };
  const countRows = async (control: ControlDb, tenantId: TenantId) => {
    const db = control.db as unknown as Kysely<any>;
    const counts: Record<string, number> = {};
    for (const table of EDGE_TABLES) counts[table] = (await db.selectFrom(table).select('tenant_id').where('tenant_id', '=', tenantId).execute()).length;
    return counts;
  };

  async function migratedFromPreviousRelease(ownedMigrations = tallyOwnedData(ALL_EDGE_MODULES).migrations, options: { forgeToken?: boolean } = {}): Promise<ControlDb> {
    const target = await createControlDbTarget(dialect);
    opened = { target };
    const raw = openRaw(target, dialect);
    try {
      const { error } = await new Migrator({ db: raw, allowUnorderedMigrations: true, provider: { getMigrations: async () => previousRelease(dialect) } }).migrateToLatest();
      if (error) throw error;
      const common = { product: 'jira', state: 'installed', enabled: 1, installed_at_ms: T0, uninstalled_at_ms: null, updated_at_ms: T0, purge_step: null, purged_at_ms: null };
      await raw
        .insertInto('tenants')
        .values([
          { ...common, id: CONNECT, platform: 'connect', client_key: 'jira:connect-client', base_url: 'https://connect.atlassian.net', shared_secret_sealed: secretBox.seal('connect-secret-0123456789', CONNECT) },
          { ...common, id: FORGE, platform: 'forge', client_key: INSTALLATION, base_url: 'https://forge.atlassian.net', shared_secret_sealed: null, cloud_id: CLOUD, api_base_url: API, last_tick_at_ms: T0 + 5, suspected_since_ms: T0 + 7 },
          { ...common, id: SITE, platform: 'site', client_key: `jira-site:${SITE_CLOUD}`, base_url: 'https://site.atlassian.net', shared_secret_sealed: null },
        ])
        .execute();
      if (options.forgeToken !== false) await raw.insertInto('forge_system_tokens').values({ tenant_id: FORGE, token_sealed: secretBox.seal(TOKEN, FORGE), expires_at_ms: T0 + 3_600_000, received_at_ms: T0 }).execute();
      await raw.insertInto('jira_site_installations').values({ tenant_id: SITE, cloud_id: SITE_CLOUD, site_url: 'https://site.atlassian.net', api_base_url: 'https://site.atlassian.net', checked_at_ms: T0, token_rejected_at_ms: null }).execute();
    } finally {
      await raw.destroy();
    }
    const control = await openControlDb({ ...target.options, ownedMigrations });
    opened.control = control;
    return control;
  }

  it('runs the core split, then each edge\'s copy, then drops the old table', async () => {
    const control = await migratedFromPreviousRelease();
    expect(control.appliedMigrations).toEqual([
      '005_tenants_core',
      // Issue 13's tables, new in this release: the core's first, then each Bitbucket edge's (they reference it).
      '007_bitbucket',
      'bitbucket-connect/001_installations',
      'bitbucket-forge/001_installations',
      'jira-connect/001_installations',
      // Issue 16: the OAuth client id of Connect's user impersonation.
      'jira-connect/002_oauth_client_id',
      'jira-forge/001_installations',
      'jira-points/001_ledger',
      'store-placement/001_placements',
      'zz_006_drop_legacy_tenants',
    ]);
    const tables = (await control.db.introspection.getTables()).map((table) => table.name);
    expect(tables).not.toContain('legacy_tenants');
    expect(tables).not.toContain('forge_system_tokens');
    expect(tables).toEqual(expect.arrayContaining(['tenants', ...EDGE_TABLES]));
  });

  it('refuses to drop the old table when opened without the edges\' migrations, and loses nothing', async () => {
    // Only the site edge's migrations: the Connect and Forge rows have nowhere to go yet (and no
    // Forge token holds the old table, so only the installation rows themselves can stop the drop).
    const failed = await migratedFromPreviousRelease({ ...SITE_INSTALLATION_MIGRATIONS, ...SITE_ACCESS_MIGRATIONS }, { forgeToken: false }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'CONTROL_DB_MIGRATION_FAILED' });
    const control = await openControlDb({ ...opened!.target.options, ownedMigrations: tallyOwnedData(ALL_EDGE_MODULES).migrations });
    opened!.control = control;
    const { connect, forge } = storesOn(control);
    expect(await connect.findCredentialsByClientKey('jira:connect-client')).toMatchObject({ sharedSecret: 'connect-secret-0123456789' });
    expect(await forge.findByInstallationId(INSTALLATION)).toMatchObject({ id: FORGE, forge: { cloudId: CLOUD } });
  });

  it('keeps every tenant, its secret, its Forge facts and token, and the site\'s row', async () => {
    const control = await migratedFromPreviousRelease();
    const { registry, connect, forge, tokens, site } = storesOn(control);
    expect((await registry.listTenants()).map((tenant) => [tenant.id, tenant.platform, tenant.baseUrl, tenant.state])).toEqual([
      [CONNECT, 'connect', 'https://connect.atlassian.net', 'installed'],
      [FORGE, 'forge', 'https://forge.atlassian.net', 'installed'],
      [SITE, 'site', 'https://site.atlassian.net', 'installed'],
    ].sort((a, b) => a[0]!.localeCompare(b[0]!)));
    const credentials = await connect.findCredentialsByClientKey('jira:connect-client');
    expect(credentials).toMatchObject({ tenant: { id: CONNECT }, clientKey: 'jira:connect-client', sharedSecret: 'connect-secret-0123456789' });
    expect(await forge.findByInstallationId(INSTALLATION)).toMatchObject({ id: FORGE, installationId: INSTALLATION, forge: { cloudId: CLOUD, apiBaseUrl: API, lastTickAtMs: T0 + 5, suspectedSinceMs: T0 + 7 } });
    expect(await tokens.findSystemToken(FORGE, T0)).toEqual({ token: TOKEN, expiresAtMs: T0 + 3_600_000 });
    expect(await site.findByCloudId(SITE_CLOUD)).toMatchObject({ tenantId: SITE, siteUrl: 'https://site.atlassian.net' });
  });

  it('deletes every edge\'s rows with the tenant row on a migrated database', async () => {
    const control = await migratedFromPreviousRelease();
    expect(await countRows(control, FORGE)).toMatchObject({ jira_forge_installations: 1, jira_forge_system_tokens: 1 });
    await control.db.deleteFrom('tenants').execute();
    for (const tenantId of [CONNECT, FORGE, SITE]) expect(Object.values(await countRows(control, tenantId))).toEqual([0, 0, 0, 0]);
  });

  it('deletes every edge\'s rows with the tenant row on a new database', async () => {
    const target = await createControlDbTarget(dialect);
    opened = { target };
    const control = await openControlDb({ ...target.options, ownedMigrations: tallyOwnedData(ALL_EDGE_MODULES).migrations });
    opened.control = control;
    const { connect, forge, tokens, site } = storesOn(control);
    const connectTenant = (await connect.recordInstall({ clientKey: 'ck', product: 'jira', baseUrl: 'https://connect.atlassian.net', sharedSecret: 'secret-0123456789' })).tenant;
    const forgeTenant = (await forge.recordInstall({ installationId: INSTALLATION, cloudId: CLOUD, apiBaseUrl: API, product: 'jira', siteUrl: undefined })).tenant;
    expect(await tokens.storeSystemToken(forgeTenant.id, TOKEN)).toBe(true);
    await control.db.insertInto('tenants').values({ id: SITE, platform: 'site', product: 'jira', base_url: 'https://site.atlassian.net', state: 'installed', enabled: 1, installed_at_ms: T0, uninstalled_at_ms: null, updated_at_ms: T0, purge_step: null, purged_at_ms: null }).execute();
    await site.recordChecked({ tenantId: SITE, cloudId: SITE_CLOUD, siteUrl: 'https://site.atlassian.net', apiBaseUrl: 'https://site.atlassian.net', checkedAtMs: T0 });
    expect(await countRows(control, forgeTenant.id)).toMatchObject({ jira_forge_installations: 1, jira_forge_system_tokens: 1 });
    await control.db.deleteFrom('tenants').execute();
    for (const tenantId of [connectTenant.id, forgeTenant.id, SITE]) expect(Object.values(await countRows(control, tenantId))).toEqual([0, 0, 0, 0]);
  });
});
