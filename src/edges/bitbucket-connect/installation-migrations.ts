import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../../tenants/control-db.js';

/** The Bitbucket Connect edge's table in the control database. */
export const BITBUCKET_CONNECT_TABLE = 'bitbucket_connect_installations';

/**
 * `bitbucket-connect/001_installations`: how Bitbucket names each Connect installation — its
 * clientKey, the shared secret (sealed), and the API base URL the secret is sent to — and nothing
 * else; who installed it and the Jira link live in the core's `bitbucket_installations` (core
 * migration 007, which sorts and runs before this one). Cascade: uninstalling deletes the core
 * record and this row with it, in one statement.
 */
const createInstallations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable(BITBUCKET_CONNECT_TABLE)
      .addColumn('installation_id', 'text', (column) => column.primaryKey().references('bitbucket_installations.id').onDelete('cascade'))
      // Unique: two first installs of one clientKey racing cannot both commit.
      .addColumn('client_key', 'text', (column) => column.notNull().unique())
      .addColumn('shared_secret_sealed', 'text', (column) => column.notNull())
      .addColumn('base_api_url', 'text', (column) => column.notNull())
      .execute();
  },
};

/** The edge's control-database migrations (applied whether the edge is on or not). */
export const BITBUCKET_CONNECT_MIGRATIONS: OwnedMigrations = Object.freeze({ 'bitbucket-connect/001_installations': createInstallations });

/** What the data statement says about the edge's table: every column, none of them personal data. */
export const BITBUCKET_CONNECT_CATALOGUE: DatabaseCatalogue = {
  [BITBUCKET_CONNECT_TABLE]: {
    purpose: 'The Bitbucket Connect installation of a workspace: the key Bitbucket names it by, the secret both sides sign with, and where Bitbucket\'s API is.',
    retention: () => 'As long as the installation: deleted with its `bitbucket_installations` record, at once, when Bitbucket sends `uninstalled`.',
    columns: {
      installation_id: { description: 'Tally\'s id of the Bitbucket installation (`bitbucket_installations.id`).', personalData: 'no', source: 'tally' },
      client_key: { description: 'The Bitbucket Connect client key of the installation.', personalData: 'no', source: 'install' },
      shared_secret_sealed: { description: 'The installation\'s shared secret, encrypted (AES-256-GCM with TALLY_SECRET_KEY, bound to the installation id).', personalData: 'no', source: 'install' },
      base_api_url: { description: 'Bitbucket\'s REST API base URL from the install (one of TALLY_BITBUCKET_BASE_URLS), where Tally\'s signed calls go.', personalData: 'no', source: 'install' },
    },
  },
};
