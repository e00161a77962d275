import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../../tenants/control-db.js';

/**
 * `jira-site/001_installations`: the site edge's own record of the team's site, one row per site
 * ever served. The cloud id is the key ("cloudId never changes over a site's life",
 * self-hosted-site.md §1.3); no token, no e-mail, no account id: the token is read from the
 * environment at each start. The same DDL on both dialects: text, bigint epoch ms, no
 * auto-numbered key. Cascade: the row goes with the tenant's account record.
 */
const createInstallations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jira_site_installations')
      .addColumn('tenant_id', 'text', (column) => column.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('cloud_id', 'text', (column) => column.notNull().unique())
      .addColumn('site_url', 'text', (column) => column.notNull())
      .addColumn('api_base_url', 'text', (column) => column.notNull())
      .addColumn('checked_at_ms', 'bigint', (column) => column.notNull())
      .addColumn('token_rejected_at_ms', 'bigint')
      .execute();
  },
};

/** The site edge's control-database migrations (applied whether the edge is on or not). */
export const SITE_INSTALLATION_MIGRATIONS: OwnedMigrations = { 'jira-site/001_installations': createInstallations };

/** What the data statement says about the site edge's table. */
export const SITE_INSTALLATION_CATALOGUE: DatabaseCatalogue = {
  jira_site_installations: {
    purpose: 'The team\'s own Jira site that Tally reaches with an API token (the site edge): where it calls Jira and whether Jira last refused the token. No token, e-mail or account id is kept.',
    retention: () => 'As long as the site\'s account record (the `tenants` row); deleted with it.',
    columns: {
      tenant_id: { description: 'Tally\'s id of the site.', personalData: 'no', source: 'tally' },
      cloud_id: { description: 'The site\'s cloud id, read from the site\'s unauthenticated `/_edge/tenant_info` (stable over the site\'s life).', personalData: 'no', source: 'jira' },
      site_url: { description: 'The site\'s URL from TALLY_JIRA_SITE, e.g. `https://acme.atlassian.net`.', personalData: 'no', source: 'tally' },
      api_base_url: { description: 'Where Tally calls Jira with the token: the site URL (classic token) or `https://api.atlassian.com/ex/jira/<cloud id>` (scoped token).', personalData: 'no', source: 'tally' },
      checked_at_ms: { description: 'When Tally last started and Jira accepted the token (epoch ms).', personalData: 'no', source: 'tally' },
      token_rejected_at_ms: { description: 'When Jira refused the token while Tally ran (epoch ms), pausing the sync until a restart with a token Jira accepts; null otherwise.', personalData: 'no', source: 'tally' },
    },
  },
};
