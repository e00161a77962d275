import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { ALL_EDGE_MODULES } from '../../edges/all-edges.js';
import { buildDataStatement, introspectRealSchemas, listBitbucketTables, type OwnedData, type RealSchemas } from './data-statement.js';
import { controlDatabaseCatalogue } from './field-catalogue.js';
import { tallyOwnedData } from '../../compose/owned-data.js';

/*
 * The Bitbucket Cloud app's part of the data statement (issue 13). The second statement
 * (`../shared/seeds/003_*.txt`) promises "UUID, ClientKey, username, avatar" and "No email address,
 * phone numbers are collected": these tests hold the real schema to it.
 */

const defaultConfig = loadConfig({ TALLY_MODE: 'demo' });

/** The installer's columns: the only personal data the Bitbucket app may keep. */
const BITBUCKET_PERSONAL_DATA = ['bitbucket_installations.installer_avatar_url', 'bitbucket_installations.installer_username', 'bitbucket_installations.installer_uuid'];
/** A column name that could hold an e-mail address or a phone number. */
const CONTACT_COLUMN = /mail|phone|mobile|(^|_)tel(_|$)|msisdn|sms/i;

/** An edge's table that references the core's Bitbucket record and carries no mark of its own. */
const PLANTED_EDGE: OwnedData = {
  migrations: {
    'bitbucket-planted/001_installations': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('planted_workspace_keys')
          .addColumn('installation_id', 'text', (column) => column.primaryKey().references('bitbucket_installations.id').onDelete('cascade'))
          .addColumn('workspace_key', 'text', (column) => column.notNull())
          .execute();
      },
    },
  },
  catalogue: {
    planted_workspace_keys: {
      purpose: 'A planted edge table for the test.',
      retention: () => 'Deleted with its installation.',
      columns: {
        installation_id: { description: 'Tally\'s id of the installation.', personalData: 'no', source: 'tally' },
        workspace_key: { description: 'How the planted platform names the workspace.', personalData: 'no', source: 'install' },
      },
    },
  },
  notes: [],
};

describe('the data statement\'s Bitbucket Cloud app section', () => {
  it('holds the core\'s Bitbucket tables and every table that references them, and the Jira part holds none of them', async () => {
    const schemas = await introspectRealSchemas({ ownedMigrations: PLANTED_EDGE.migrations });
    const statement = await buildDataStatement(defaultConfig, { schemas, owned: PLANTED_EDGE });
    expect(statement.bitbucket.tables.map((table) => table.name)).toEqual(['bitbucket_installations', 'bitbucket_pairing_codes', 'planted_workspace_keys']);
    const control = statement.databases.find((database) => database.name === 'control')!;
    expect(control.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['tenants', 'audit_log']));
    expect(control.tables.map((table) => table.name).filter((name) => name.startsWith('bitbucket_') || name.startsWith('planted_'))).toEqual([]);
    expect(statement.bitbucket.summary.join(' ')).toContain('No e-mail address or phone number is collected');
  });

  describe('against the real schema with every edge Tally ships', () => {
    let schemas: RealSchemas;
    const owned = tallyOwnedData(ALL_EDGE_MODULES);
    const catalogue = { ...controlDatabaseCatalogue, ...owned.catalogue };
    beforeAll(async () => {
      schemas = await introspectRealSchemas({ ownedMigrations: owned.migrations });
    });

    it('keeps no personal data in the Bitbucket tables but the installer\'s UUID, username and avatar URL', async () => {
      const bitbucketTables = listBitbucketTables(catalogue, schemas.control);
      expect([...bitbucketTables]).toEqual(expect.arrayContaining(['bitbucket_installations', 'bitbucket_pairing_codes']));
      // Every column as the database has it, classified by the catalogue (the build fails on any column it does not describe).
      const columns = schemas.control.tables.filter((table) => bitbucketTables.has(table.name)).flatMap((table) => table.columns.map((column) => ({ table: table.name, column: column.name })));
      const personal = columns.filter(({ table, column }) => catalogue[table]!.columns[column]!.personalData !== 'no').map(({ table, column }) => `${table}.${column}`);
      expect(personal.sort()).toEqual(BITBUCKET_PERSONAL_DATA);
      const statement = await buildDataStatement(defaultConfig, { schemas, owned });
      expect(statement.bitbucket.tables.flatMap((table) => table.columns.map((column) => `${table.name}.${column.name}`)).sort()).toEqual(columns.map(({ table, column }) => `${table}.${column}`).sort());
    });

    it('has no column in either database that could hold an e-mail address or a phone number', () => {
      const contact = [...schemas.control.tables, ...schemas.tenant.tables].flatMap((table) => table.columns.filter((column) => CONTACT_COLUMN.test(column.name)).map((column) => `${table.name}.${column.name}`));
      expect(contact).toEqual([]);
      // And the pattern would catch one.
      expect(['installer_email', 'owner_mail', 'phone', 'mobile_number', 'tel'].every((name) => CONTACT_COLUMN.test(name))).toBe(true);
      expect(CONTACT_COLUMN.test('installer_uuid') || CONTACT_COLUMN.test('telemetry_at_ms') || CONTACT_COLUMN.test('hotel')).toBe(false);
    });
  });
});
