import pg from 'pg';
import { expect, it } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres } from './postgres.js';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const result = await client.query('select 1 from pg_database where datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describeWithPostgres('createTestPostgresDatabase', () => {
  it('creates a fresh, uniquely named database and drops it even with a connection still open', async () => {
    const [first, second] = await Promise.all([createTestPostgresDatabase(), createTestPostgresDatabase()]);
    expect(first.name).toMatch(/^tally_test_[0-9a-f]{16}$/);
    expect(second.name).not.toBe(first.name);

    const forgotten = new pg.Client({ connectionString: first.url });
    forgotten.on('error', () => {}); // DROP ... WITH (FORCE) terminates it, on purpose
    await forgotten.connect();
    const tables = await forgotten.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
    expect(tables.rows).toEqual([{ n: 0 }]);

    await Promise.all([first.drop(), second.drop()]);
    await first.drop(); // idempotent
    expect(await databaseExists(first.name)).toBe(false);
    expect(await databaseExists(second.name)).toBe(false);
    await forgotten.end().catch(() => {});
  });
});
