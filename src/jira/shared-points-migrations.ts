import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../tenants/control-db.js';

/**
 * The ledger's tables in the control database, for `Kysely<…>` (see `createSqlPointsLedger`). A
 * type alias, not an interface: `Kysely.withTables<T>()` wants an index-signature-compatible type.
 */
export type JiraPointsTables = {
  jira_points_hours: { hour_start_ms: number; quota: number; spent: number };
  jira_points_pause: { scope: string; paused_until_ms: number };
};

/**
 * `jira-points/001_ledger`: the app's points per UTC hour and the app-wide quota pause, shared by
 * every instance. The same DDL on both dialects (integers, bigint epoch ms): the control database
 * may be SQLite, where the tables serve the CLI beside the server, or PostgreSQL. Nothing in them
 * names a tenant, so uninstalling one leaves nothing to delete here.
 */
const createLedger: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jira_points_hours')
      .addColumn('hour_start_ms', 'bigint', (column) => column.primaryKey())
      .addColumn('quota', 'integer', (column) => column.notNull())
      .addColumn('spent', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('jira_points_pause')
      .addColumn('scope', 'text', (column) => column.primaryKey())
      .addColumn('paused_until_ms', 'bigint', (column) => column.notNull())
      .execute();
  },
};

/** The shared points ledger's control-database migrations (applied whether one instance runs or many). */
export const JIRA_POINTS_MIGRATIONS: OwnedMigrations = Object.freeze({ 'jira-points/001_ledger': createLedger });

/** What the data statement says about the ledger's tables: no personal data, nothing per tenant. */
export const JIRA_POINTS_CATALOGUE: DatabaseCatalogue = {
  jira_points_hours: {
    purpose: 'The app\'s Jira points quota per UTC hour, shared by every Tally instance so that together they never spend more than Atlassian allows the app.',
    retention: () => 'A row per UTC hour; rows older than 24 hours are deleted when a new hour starts.',
    columns: {
      hour_start_ms: { description: 'The start of the UTC hour (epoch ms).', personalData: 'no', source: 'tally' },
      quota: { description: 'The app\'s points for the hour (TALLY_JIRA_POINTS_PER_HOUR of the first instance that asked).', personalData: 'no', source: 'tally' },
      spent: { description: 'Points the instances spent or reserved in the hour, raised to what Jira reports consumed.', personalData: 'no', source: 'tally' },
    },
  },
  jira_points_pause: {
    purpose: 'Until when every Tally instance holds its Jira calls after one of them met the app\'s hourly quota (a 429 with reason `jira-quota-global-based`).',
    retention: () => 'One row, overwritten by the next pause.',
    columns: {
      scope: { description: 'What the pause covers.', personalData: 'no', source: 'tally', values: { app: 'Every call of the app (Atlassian\'s global app quota).' } },
      paused_until_ms: { description: 'When calls may go again (epoch ms).', personalData: 'no', source: 'jira' },
    },
  },
};
