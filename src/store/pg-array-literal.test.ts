import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../../test/support/postgres.js';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal.js';

describeWithPostgres('PostgreSQL array literals', () => {
  let database: TestPostgresDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestPostgresDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('reads back every string exactly as PostgreSQL parses it, NULL included', async () => {
    const values = ['plain', '', 'NULL', 'null', ' spaced ', 'a,b', '{braces}', 'quote " inside', 'back\\slash', '\\"both\\"', 'tab\tnew\nline\r', 'Überstunden 🎉 日本語', "'); DROP TABLE x; --", null, '\\u0000 escaped'];
    const { rows } = await client.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [textArrayLiteral(values)]);
    expect(rows[0]?.a).toEqual(values);
  });

  it('reads back quoted text on each escaping path: JSON-quoted, and with control characters or emoji', async () => {
    const adf = JSON.stringify({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'said "done" \\ C:\\temp\n next line' }] }] });
    const values = [adf, 'a "quoted" word', 'back\\slash "and" quote', 'tab\t"quoted"', 'line\n"two"\r', 'bell\u0007 "x"', '🎉 "party" 🎉', 'Überstunden "ü"', '\\"', '"', '\\'];
    const { rows } = await client.query<{ a: string[] }>('SELECT $1::text[] AS a', [textArrayLiteral(values)]);
    expect(rows[0]?.a).toEqual(values);
  });

  it('reads back integers up to 2^53 - 1 as bigint', async () => {
    const values = [0, -1, 1, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const { rows } = await client.query<{ a: string[] }>('SELECT $1::bigint[] AS a', [integerArrayLiteral(values)]);
    expect(rows[0]?.a.map(Number)).toEqual(values);
    expect(integerArrayLiteral([])).toBe('{}');
    expect(textArrayLiteral([])).toBe('{}');
  });
});
