import { describe, expect, it } from 'vitest';
import { listBitbucketTables, listCatalogueDrift } from '../../privacy/data-statement/data-statement.js';
import { introspectControlSchema } from '../../privacy/data-statement/introspect-schema.js';
import { bitbucketConnectEdgeModule } from './bitbucket-connect-edge.js';
import { BITBUCKET_CONNECT_CATALOGUE, BITBUCKET_CONNECT_TABLE } from './installation-migrations.js';

describe('the Bitbucket Connect edge\'s table', () => {
  it('is described column for column, holds no personal data, and lands in the data statement\'s Bitbucket section', async () => {
    const schema = await introspectControlSchema({ ownedMigrations: bitbucketConnectEdgeModule.controlMigrations! });
    const own = { ...schema, tables: schema.tables.filter((table) => table.name === BITBUCKET_CONNECT_TABLE) };
    expect(own.tables).toHaveLength(1);
    expect(listCatalogueDrift('control database', BITBUCKET_CONNECT_CATALOGUE, own)).toEqual([]);
    expect(own.tables[0]!.columns.map((column) => column.name).sort()).toEqual(['base_api_url', 'client_key', 'installation_id', 'shared_secret_sealed']);
    expect(Object.values(BITBUCKET_CONNECT_CATALOGUE[BITBUCKET_CONNECT_TABLE]!.columns).map((column) => column.personalData)).toEqual(['no', 'no', 'no', 'no']);
    // Its foreign key to the core's bitbucket_installations puts it in the Bitbucket section.
    expect(own.tables[0]!.references).toEqual(['bitbucket_installations']);
    expect(listBitbucketTables({ bitbucket_installations: { product: 'bitbucket' } as never }, schema).has(BITBUCKET_CONNECT_TABLE)).toBe(true);
  });
});
