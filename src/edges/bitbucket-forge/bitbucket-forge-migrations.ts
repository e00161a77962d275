import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../../tenants/control-db.js';

/**
 * `bitbucket-forge/001_installations`: how Forge names each Bitbucket installation Tally holds —
 * nothing else. The installer and the Jira link live in the core's `bitbucket_installations`
 * record (core migration `007_bitbucket`, which sorts before this one); this row is keyed by that
 * record's id and deleted with it by cascade, so removing the record removes the installation
 * whole. No token column: the system token serves the request it came with and is never stored.
 */
const createInstallations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bitbucket_forge_installations')
      .addColumn('installation_id', 'text', (column) => column.primaryKey().references('bitbucket_installations.id').onDelete('cascade'))
      .addColumn('forge_installation_id', 'text', (column) => column.notNull().unique())
      // One installation per workspace: a new Forge installation of a known workspace replaces the old one.
      .addColumn('workspace_id', 'text', (column) => column.notNull().unique())
      .addColumn('last_tick_at_ms', 'bigint', (column) => column.notNull())
      .execute();
  },
};

/** The Bitbucket Forge edge's control-database migrations (applied whether the edge is on or not). */
export const BITBUCKET_FORGE_MIGRATIONS: OwnedMigrations = Object.freeze({ 'bitbucket-forge/001_installations': createInstallations });

/** What the data statement says about the Bitbucket Forge edge's table. */
export const BITBUCKET_FORGE_CATALOGUE: DatabaseCatalogue = {
  bitbucket_forge_installations: {
    purpose: 'How Forge names a Bitbucket workspace\'s installation of Tally\'s Bitbucket Forge app, and whether its scheduled ticks still arrive.',
    retention: () => 'As long as the installation: deleted with its `bitbucket_installations` record at the pre-uninstall call, or when no tick arrived for TALLY_FORGE_UNINSTALL_GRACE_HOURS.',
    columns: {
      installation_id: { description: 'Tally\'s id of the Bitbucket installation (`bb_…`), the core record this row belongs to.', personalData: 'no', source: 'tally' },
      forge_installation_id: { description: 'The Forge installation id (`ari:cloud:ecosystem::installation/<uuid>`), from the verified invocation token.', personalData: 'no', source: 'install' },
      workspace_id: { description: 'The Bitbucket workspace\'s uuid (lower case, without braces), from the verified invocation token: one installation per workspace.', personalData: 'no', source: 'install' },
      last_tick_at_ms: { description: 'When the last scheduled tick (or the install) arrived (epoch ms); silence for the grace period deletes the installation.', personalData: 'no', source: 'tally' },
    },
  },
};
