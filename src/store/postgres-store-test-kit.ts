/**
 * Test helpers for the PostgreSQL store: a throwaway control database with the placement table,
 * providers over it, and a cleanup that drops every tenant database they created. Only imported
 * by `*.test.ts` files.
 */
import pg from 'pg';
import { createTestPostgresDatabase } from '../../test/support/postgres.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import { STORE_PLACEMENT_MIGRATIONS } from './placement-migrations.js';
import { createPostgresStoreProvider, type PostgresStoreProviderOptions } from './postgres-store-provider.js';
import type { StoreProvider } from './tenant-store.js';

/** A control database on the test server and what is needed to build providers over it. */
export interface PostgresStoreTestbed {
  control: ControlDb;
  /** The test server's URL (its database is the control database; tenant databases sit beside it). */
  serverUrl: string;
  provider(overrides?: Partial<PostgresStoreProviderOptions>): StoreProvider;
  /** Runs one statement on the server's control database (inspection). */
  query<T extends pg.QueryResultRow = any>(text: string, values?: unknown[], database?: string): Promise<T[]>;
  /** Closes every provider built so far (the testbed stays usable). */
  closeProviders(): Promise<void>;
  /** Closes every provider built here, drops every tenant database placed and the control database. */
  cleanup(): Promise<void>;
}

/** A fresh testbed; call `cleanup` after the test. */
export async function createPostgresStoreTestbed(): Promise<PostgresStoreTestbed> {
  const database = await createTestPostgresDatabase();
  const control = await openControlDb({ databaseUrl: database.url, ownedMigrations: STORE_PLACEMENT_MIGRATIONS });
  const providers: StoreProvider[] = [];
  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = [], on = database.name): Promise<T[]> => {
    const url = new URL(database.url);
    url.pathname = `/${on}`;
    const client = new pg.Client({ connectionString: url.toString(), application_name: 'tally-test-inspect' });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    control,
    serverUrl: database.url,
    query,
    provider(overrides = {}) {
      const provider = createPostgresStoreProvider({ controlDb: control.db, servers: [database.url], maxConnections: 8, nowMs: () => Date.now(), ...overrides });
      providers.push(provider);
      return provider;
    },
    async closeProviders() {
      for (const provider of providers.splice(0)) await provider.close();
    },
    async cleanup() {
      for (const provider of providers.splice(0)) await provider.close();
      const placed = await query<{ tenant_id: string }>('SELECT tenant_id FROM store_placements');
      // Databases of the testbed's tenants only (their ids come from our own table, so safe in DDL);
      // in parallel, since each DROP DATABASE waits for a checkpoint.
      await Promise.all(placed.map(({ tenant_id }) => query(`DROP DATABASE IF EXISTS tally_${tenant_id} WITH (FORCE)`)));
      await control.close();
      await database.drop();
    },
  };
}
