import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import { hasTable, type OwnedMigrations } from '../../tenants/control-db.js';

/**
 * `jira-connect/001_installations`: the Connect edge's record of each installation — its client
 * key and sealed shared secret — which the core `tenants` table held until core migration 005.
 * Runs after 005 (names sort so) and copies the Connect rows of `legacy_tenants` when that table
 * is there (it is, once, on every database migrated from before 005; `zz_006` drops it after the
 * edges ran). The sealed secrets stay valid: they are bound to the tenant id, which is kept.
 * Cascade: the row goes with the tenant's account record.
 */
const createInstallations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jira_connect_installations')
      .addColumn('tenant_id', 'text', (column) => column.primaryKey().references('tenants.id').onDelete('cascade'))
      // Unique: it decides a race of two first installs of the same site (connect-installation-store.ts).
      .addColumn('client_key', 'text', (column) => column.notNull().unique())
      // Nullable: the uninstall purge wipes it while the row stays for the account record.
      .addColumn('shared_secret_sealed', 'text')
      .execute();
    if (!(await hasTable(db, 'legacy_tenants'))) return;
    await db
      .insertInto('jira_connect_installations')
      .columns(['tenant_id', 'client_key', 'shared_secret_sealed'])
      .expression(db.selectFrom('legacy_tenants').select(['id', 'client_key', 'shared_secret_sealed']).where('platform', '=', 'connect'))
      .execute();
  },
};

/**
 * `jira-connect/002_oauth_client_id`: the installed payload's `oauthClientId`, the `iss` of the
 * JWT-bearer assertion with which Tally acts as a user (ACT_AS_USER, issue 16). Nullable: rows
 * installed before this migration have none until Jira sends the next `installed` (a descriptor
 * change re-installs), and log work says so meanwhile. Not a secret: it only names the app.
 */
const addOauthClientId: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('jira_connect_installations').addColumn('oauth_client_id', 'text').execute();
  },
};

/** The Connect edge's control-database migrations (applied whether the edge is on or not). */
export const CONNECT_INSTALLATION_MIGRATIONS: OwnedMigrations = Object.freeze({
  'jira-connect/001_installations': createInstallations,
  'jira-connect/002_oauth_client_id': addOauthClientId,
});

/** What the data statement says about the Connect edge's table. */
export const CONNECT_INSTALLATION_CATALOGUE: DatabaseCatalogue = {
  jira_connect_installations: {
    purpose: 'The Atlassian Connect installation of a site: the key Jira names it by and the secret both sides sign with.',
    retention: () => 'As long as the site\'s account record (the `tenants` row); deleted with it. The secret is wiped (null) by the uninstall purge.',
    columns: {
      tenant_id: { description: 'Tally\'s id of the installation.', personalData: 'no', source: 'tally' },
      client_key: { description: 'The Atlassian Connect client key of the installation.', personalData: 'no', source: 'install' },
      oauth_client_id: { description: 'The OAuth 2.0 client id Jira sends on install; names the app when Tally asks Atlassian for a token acting as the person logging work (user impersonation). Not a secret.', personalData: 'no', source: 'install' },
      shared_secret_sealed: { description: 'The installation\'s shared secret, encrypted (AES-256-GCM with TALLY_SECRET_KEY, bound to the tenant id). Wiped (null) by the uninstall purge.', personalData: 'no', source: 'install' },
    },
  },
};
