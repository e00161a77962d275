import { tenantDatabaseCatalogue, type DatabaseCatalogue } from './field-catalogue.js';

const untilUninstall = () => 'Until the app is uninstalled: the uninstall purge drops the whole database.';

/**
 * The tables only a PostgreSQL tenant database has: its own migrations `postgres/<nnn>_<what>`
 * (src/store/postgres-tenant-migrations.ts). Neither holds worklog content or personal data.
 */
export const postgresOnlyTenantCatalogue: DatabaseCatalogue = {
  write_version: {
    purpose: 'One row counting the write transactions on the site\'s tables, so other Tally instances know when to reload their report columns.',
    retention: untilUninstall,
    columns: {
      only_row: { description: 'Always true: the key that keeps the table at one row.', personalData: 'no', source: 'tally' },
      version: { description: 'How many write transactions changed the worklogs, tombstones or sync state.', personalData: 'no', source: 'tally' },
      last_xact: { description: 'PostgreSQL\'s id of the last counted transaction, so a transaction counts once.', personalData: 'no', source: 'tally' },
    },
  },
  maintenance_owed: {
    purpose: 'Maintenance a committed write still owes, recorded in the same transaction so a crash cannot skip it.',
    retention: () => 'Until the maintenance is done.',
    columns: {
      task: {
        description: 'Which maintenance is owed (primary key).',
        personalData: 'no',
        source: 'tally',
        values: { erase_cleanup: 'After an account erase: rewrite the worklogs table and its statistics so the erased values leave the database\'s files.' },
      },
    },
  },
};

/** The catalogue of a tenant database of the given store: the shared tables, and PostgreSQL's own there. */
export function tenantCatalogueFor(store: 'sqlite' | 'postgres'): DatabaseCatalogue {
  return store === 'postgres' ? { ...tenantDatabaseCatalogue, ...postgresOnlyTenantCatalogue } : tenantDatabaseCatalogue;
}
