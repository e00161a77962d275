import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import { hasTable, type OwnedMigrations } from '../../tenants/control-db.js';

/**
 * `jira-forge/001_installations`: the Forge edge's record of each installation and its system
 * token, which the core kept until core migration 005 (in `tenants` and `forge_system_tokens`).
 * Runs after 005 (names sort so): copies the Forge rows of `legacy_tenants` when that table is
 * there (once, on every database migrated from before 005; `zz_006` drops it after the edges
 * ran), and moves the tokens from the core's old table into the edge's own, dropping the old one.
 * Sealed tokens stay valid: they are bound to the tenant id, which is kept. Cascade: both rows go
 * with the tenant's account record.
 */
const createInstallations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jira_forge_installations')
      .addColumn('tenant_id', 'text', (column) => column.primaryKey().references('tenants.id').onDelete('cascade'))
      // Both unique: either one known means "this installation is known" (a race of first installs, a re-key).
      .addColumn('installation_id', 'text', (column) => column.notNull().unique())
      .addColumn('cloud_id', 'text', (column) => column.notNull().unique())
      .addColumn('api_base_url', 'text', (column) => column.notNull())
      .addColumn('last_tick_at_ms', 'bigint')
      .addColumn('suspected_since_ms', 'bigint')
      .execute();
    await db.schema
      .createTable('jira_forge_system_tokens')
      .addColumn('tenant_id', 'text', (column) => column.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('token_sealed', 'text', (column) => column.notNull())
      .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
      .addColumn('received_at_ms', 'bigint', (column) => column.notNull())
      .execute();
    if (await hasTable(db, 'legacy_tenants')) {
      await db
        .insertInto('jira_forge_installations')
        .columns(['tenant_id', 'installation_id', 'cloud_id', 'api_base_url', 'last_tick_at_ms', 'suspected_since_ms'])
        .expression(db.selectFrom('legacy_tenants').select(['id', 'client_key', 'cloud_id', 'api_base_url', 'last_tick_at_ms', 'suspected_since_ms']).where('platform', '=', 'forge'))
        .execute();
    }
    if (await hasTable(db, 'forge_system_tokens')) {
      const columns = ['tenant_id', 'token_sealed', 'expires_at_ms', 'received_at_ms'] as const;
      await db.insertInto('jira_forge_system_tokens').columns(columns).expression(db.selectFrom('forge_system_tokens').select(columns)).execute();
      await db.schema.dropTable('forge_system_tokens').execute();
    }
  },
};

/** The Forge edge's control-database migrations (applied whether the edge is on or not). */
export const FORGE_INSTALLATION_MIGRATIONS: OwnedMigrations = Object.freeze({ 'jira-forge/001_installations': createInstallations });

/** What the data statement says about the Forge edge's tables. */
export const FORGE_INSTALLATION_CATALOGUE: DatabaseCatalogue = {
  jira_forge_installations: {
    purpose: 'The Forge app installation of a site with Tally as its remote: how Forge names it, where Tally calls Jira, and whether the scheduled ticks still arrive.',
    retention: () => 'As long as the site\'s account record (the `tenants` row); deleted with it.',
    columns: {
      tenant_id: { description: 'Tally\'s id of the installation.', personalData: 'no', source: 'tally' },
      installation_id: { description: 'The Forge installation id (`ari:cloud:ecosystem::installation/<uuid>`); a new one for a known site re-keys the row.', personalData: 'no', source: 'install' },
      cloud_id: { description: 'The site\'s cloud id (stable across reinstalls): one installation per site.', personalData: 'no', source: 'install' },
      api_base_url: { description: 'Where Tally calls Jira, `https://api.atlassian.com/ex/jira/<cloud id>`.', personalData: 'no', source: 'install' },
      last_tick_at_ms: { description: 'When the last scheduled tick arrived (epoch ms).', personalData: 'no', source: 'tally' },
      suspected_since_ms: { description: 'Since when the site is suspected uninstalled (ticks stopped, Jira refuses); null otherwise. After TALLY_FORGE_UNINSTALL_GRACE_HOURS without a tick its data is purged.', personalData: 'no', source: 'tally' },
    },
  },
  jira_forge_system_tokens: {
    purpose: 'The freshest Forge app system token of each Forge site: the OAuth token Forge delivers with every scheduled tick and Tally calls Jira with.',
    retention: () => 'Replaced by each fresher delivery; deleted when the uninstall purge finishes (and with the account record). A token expires 2–4 hours after delivery anyway.',
    columns: {
      tenant_id: { description: 'Tally\'s id of the installation.', personalData: 'no', source: 'tally' },
      token_sealed: { description: 'The token, encrypted (AES-256-GCM with TALLY_SECRET_KEY, bound to the tenant id). Never logged.', personalData: 'no', source: 'install' },
      expires_at_ms: { description: 'When the token expires (epoch ms), read from the token; Tally stops using it 5 minutes before.', personalData: 'no', source: 'install' },
      received_at_ms: { description: 'When Tally received it (epoch ms).', personalData: 'no', source: 'tally' },
    },
  },
};
