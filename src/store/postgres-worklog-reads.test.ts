import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../../test/support/postgres.js';
import { newTenantId } from '../tenants/tenant.js';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from './postgres-store-test-kit.js';
import { pagesOf, queryArrays } from './postgres-worklog-reads.js';
import { createSqliteStoreProvider } from './sqlite-store-provider.js';
import { makeWorklog } from './tenant-store.contract.js';
import type { WorklogRow } from './worklog-row.js';

/** A page reader over ids 1…`count` that records its calls and how many ran at once. */
function idReader(count: number, options: { failAfterId?: number } = {}) {
  const calls: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  let settled = 0;
  const read = async (afterId: number, limit: number): Promise<number[]> => {
    calls.push(afterId);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (options.failAfterId !== undefined && afterId >= options.failAfterId) throw new Error('connection lost');
      const first = Math.max(afterId + 1, 1);
      return Array.from({ length: Math.max(0, Math.min(limit, count - first + 1)) }, (_, i) => first + i);
    } finally {
      running--;
      settled++;
    }
  };
  return { read, calls, mostAtOnce: () => mostAtOnce, settled: () => settled };
}

const collect = async (pages: AsyncIterable<number[]>) => {
  const all: number[][] = [];
  for await (const page of pages) all.push(page);
  return all;
};

describe('pagesOf (keyset pages with one read ahead)', () => {
  it('yields every row once, in order, in pages of the batch size, and reads no page after a short one', async () => {
    const reader = idReader(10);
    const pages = await collect(pagesOf(4, (id) => id, reader.read));
    expect(pages).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4, 8]);
    expect(reader.mostAtOnce()).toBe(1);
  });

  it('ends with an empty read when the rows fill the last page exactly, and yields nothing for no rows', async () => {
    const reader = idReader(8);
    expect(await collect(pagesOf(4, (id) => id, reader.read))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4, 8]);
    expect(await collect(pagesOf(4, (id) => id, idReader(0).read))).toEqual([]);
  });

  it('waits for the read ahead when the consumer stops early, and drops its failure', async () => {
    const reader = idReader(100, { failAfterId: 4 });
    const seen: number[][] = [];
    for await (const page of pagesOf(4, (id) => id, reader.read)) {
      seen.push(page);
      break;
    }
    expect(seen).toEqual([[1, 2, 3, 4]]);
    // The read of the second page was started before the first was handed over, and had ended
    // (failed, unhandled by nobody) by the time the loop was left.
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4]);
    expect(reader.settled()).toBe(2);
  });

  it('passes a failed read on to the consumer at the page it was for', async () => {
    const reader = idReader(100, { failAfterId: 8 });
    const seen: number[][] = [];
    await expect(
      (async () => {
        for await (const page of pagesOf(4, (id) => id, reader.read)) seen.push(page);
      })(),
    ).rejects.toThrow('connection lost');
    expect(seen).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(collect(pagesOf(0, (id: number) => id, idReader(1).read))).rejects.toThrow(RangeError);
  });
});

describeWithPostgres('queryArrays (pg with the callback given up front)', () => {
  let database: TestPostgresDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestPostgresDatabase();
    client = new pg.Client({ connectionString: database.url, application_name: 'tally-test-reads' });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it("answers pg's own result, rows as arrays, with parameters", async () => {
    const result = await queryArrays<[number, string]>(client, { name: 'test_pairs', text: 'SELECT n, $1::text || n FROM generate_series(1, 3) AS n', values: ['row '], rowMode: 'array' });
    expect(result.rows).toEqual([[1, 'row 1'], [2, 'row 2'], [3, 'row 3']]);
    expect(result.rowCount).toBe(3);
  });

  it("rejects with pg's error when the statement fails, and the connection answers the next one", async () => {
    await expect(queryArrays(client, { text: 'SELECT no_such_column FROM generate_series(1, 1)', rowMode: 'array' })).rejects.toMatchObject({ code: '42703' });
    expect((await queryArrays<[number]>(client, { text: 'SELECT 1', rowMode: 'array' })).rows).toEqual([[1]]);
  });
});

describeWithPostgres('rows by id on PostgreSQL and SQLite', () => {
  let testbed: PostgresStoreTestbed;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-reads-'));
  const sqlite = createSqliteStoreProvider({ dataDir });
  beforeAll(async () => {
    testbed = await createPostgresStoreTestbed();
  });
  afterAll(async () => {
    await sqlite.close();
    await testbed?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the same rows for the same ids: a details page, a missing id, a repeated one and an impossible one', async () => {
    const tenantId = newTenantId();
    // Every kind of value a row holds: no author, no comment, quotes, backslashes and emoji in the
    // comment, ids and epoch milliseconds beyond 32 bits.
    const rows: WorklogRow[] = Array.from({ length: 250 }, (_, i) =>
      makeWorklog(3_000_000_000 + i * 7, {
        ...(i % 10 === 0 ? { accountId: null } : {}),
        ...(i % 15 === 0 ? { comment: null } : {}),
        ...(i % 4 === 1 ? { comment: `{"type":"doc","content":[{"type":"text","text":"a \\"quoted\\" \\\\ path 🙂 ${i}"}]}` } : {}),
        startedMs: Date.UTC(2026, 0, 1) + i * 3_600_000,
      }),
    );
    const stores = [await testbed.provider().open(tenantId), await sqlite.open(tenantId)];
    for (const store of stores) await store.applyBatch({ upserts: rows, deletions: [] });
    const asked = [...rows.slice(100, 200).map((row) => row.clientWorklogId).reverse(), 42, rows[150]!.clientWorklogId, 2 ** 53];
    const [onPostgres, onSqlite] = await Promise.all(stores.map((store) => store.getWorklogsByIds(asked)));
    const byId = (list: WorklogRow[]) => [...list].sort((a, b) => a.clientWorklogId - b.clientWorklogId);
    expect(byId(onPostgres!)).toEqual(byId(onSqlite!));
    expect(byId(onPostgres!)).toEqual(rows.slice(100, 200));
  });
});
