import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../tenants/control-db.js';

/**
 * `store-placement/001_placements`: on which PostgreSQL server each tenant's database lives.
 * No foreign key to `tenants`: the row belongs to the database, not to the account record — it
 * is written before `CREATE DATABASE` and deleted after `DROP DATABASE`, so a crash in between
 * always leaves a row that says where to finish. `server` is `host:port` only (never a URL, which
 * may carry a password).
 */
const createPlacements: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('store_placements')
      .addColumn('tenant_id', 'text', (column) => column.primaryKey())
      .addColumn('server', 'text', (column) => column.notNull())
      .addColumn('placed_at_ms', 'bigint', (column) => column.notNull())
      .execute();
    // Counting tenants per server picks where a new one goes.
    await db.schema.createIndex('store_placements_server_idx').on('store_placements').column('server').execute();
  },
};

/** The PostgreSQL store's control-database migrations (applied whatever store is configured). */
export const STORE_PLACEMENT_MIGRATIONS: OwnedMigrations = Object.freeze({ 'store-placement/001_placements': createPlacements });

/** What the data statement says about the placement table. */
export const STORE_PLACEMENT_CATALOGUE: DatabaseCatalogue = {
  store_placements: {
    purpose: "On which PostgreSQL server each site's own database lives (PostgreSQL tenant store only).",
    retention: () => "As long as the site's database: deleted right after the database is dropped by the uninstall purge.",
    columns: {
      tenant_id: { description: 'Tally\'s id of the tenant (`t_…`) whose database this is.', personalData: 'no', source: 'tally' },
      server: { description: 'The server holding the database, as `host:port` (no user or password).', personalData: 'no', source: 'tally' },
      placed_at_ms: { description: 'When the database was placed there (epoch ms).', personalData: 'no', source: 'tally' },
    },
    indexes: { store_placements_server_idx: 'Counts the databases per server, so a new site goes to the least loaded one.' },
  },
};
