import type { Kysely, Migration } from 'kysely';
import type { DatabaseCatalogue } from '../../privacy/data-statement/field-catalogue.js';
import type { OwnedMigrations } from '../../tenants/control-db.js';
import { SITE_SESSION_LIFETIME_MS } from './site-access-store.js';

/*
 * The site edge's sign-in tables in the control database. Nothing in them is usable on its own:
 * an access key and a session id are kept only as SHA-256 hashes (site-access-secrets.ts), so a
 * copy of the database (a backup, a support dump) signs nobody in.
 */

/** Access keys `tally access-link` minted: valid until `tally access-link --rotate`. */
export interface SiteAccessKeyRow {
  /** base64url SHA-256 of the key (43 characters). */
  key_hash: string;
  created_at_ms: number;
}

/** Signed-in browsers: a session ends at `expires_at_ms` whatever happens in between. */
export interface SiteSessionRow {
  /** base64url SHA-256 of the session id the browser holds in its cookie. */
  session_hash: string;
  created_at_ms: number;
  expires_at_ms: number;
}

/** The tables as Kysely sees them. */
export interface SiteAccessSchema {
  site_access_keys: SiteAccessKeyRow;
  site_sessions: SiteSessionRow;
}

/**
 * Migration `jira-site/002_access`: both tables. Plain DDL that reads the same in SQLite and
 * PostgreSQL (text keys, `bigint` epoch ms, which the control pool parses to numbers), so it needs
 * no dialect capabilities. Re-running is Kysely's business (it runs once).
 */
const createAccessTables: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('site_access_keys')
      .addColumn('key_hash', 'text', (column) => column.primaryKey())
      .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema
      .createTable('site_sessions')
      .addColumn('session_hash', 'text', (column) => column.primaryKey())
      .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
      .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
      .execute();
    // No index on `expires_at_ms`: the sweep at each sign-in scans a table of a few rows per
    // signed-in browser, and an index would be one more thing to describe and keep.
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('site_sessions').ifExists().execute();
    await db.schema.dropTable('site_access_keys').ifExists().execute();
  },
};

/** The site edge's sign-in tables, for `EdgeModule.controlMigrations` (merged with the edge's own). */
export const SITE_ACCESS_MIGRATIONS: OwnedMigrations = Object.freeze({ 'jira-site/002_access': createAccessTables });

/** The data-statement entries of {@link SITE_ACCESS_MIGRATIONS}: every table and column it creates. */
export const SITE_ACCESS_CATALOGUE: DatabaseCatalogue = Object.freeze({
  site_access_keys: {
    purpose: 'Self-hosted site: the sign-in links `tally access-link` printed, as hashes only, so the report page opens for whoever holds one.',
    retention: () => 'Until `tally access-link --rotate` deletes every key (and every session).',
    columns: {
      key_hash: { description: 'SHA-256 of an access key (base64url); the key itself is printed once and never stored.', personalData: 'no', source: 'tally' },
      created_at_ms: { description: 'When the key was minted (epoch ms).', personalData: 'no', source: 'tally' },
    },
  },
  site_sessions: {
    purpose: 'Self-hosted site: browsers signed in with an access link (no account id: every session sees what the configured API token\'s account sees).',
    retention: () =>
      `Until the session ends: sign-out, its absolute expiry ${SITE_SESSION_LIFETIME_MS / 3_600_000} hours after sign-in (expired rows are deleted at the next sign-in or use), or \`tally access-link --rotate\`.`,
    columns: {
      session_hash: { description: 'SHA-256 of the session id the browser holds in its HttpOnly cookie (base64url); the id itself is never stored.', personalData: 'no', source: 'tally' },
      created_at_ms: { description: 'When the browser signed in (epoch ms).', personalData: 'no', source: 'tally' },
      expires_at_ms: { description: 'When the session ends, however active it is (epoch ms).', personalData: 'no', source: 'tally' },
    },
  },
});
