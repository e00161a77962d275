import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { newTenantId } from '../tenants/tenant.js';
import { createSqliteStoreProvider } from './sqlite-store-provider.js';
import { makeWorklog } from './tenant-store.contract.js';
import type { StoreProvider } from './tenant-store.js';

/** Whether any of the tenant's files (database, -wal, -shm) holds `text`'s UTF-8 bytes. */
function filesHold(path: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  return ['', '-wal', '-shm'].filter((suffix) => existsSync(path + suffix) && readFileSync(path + suffix).includes(needle)).map((suffix) => `.sqlite${suffix}`);
}

const adf = (text: string) => JSON.stringify({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('erasing an account from a SQLite tenant file', () => {
  let dataDir: string;
  let provider: StoreProvider;
  const tenant = newTenantId();
  const fileOf = () => join(dataDir, 'tenants', `${tenant}.sqlite`);
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-erase-'));
    provider = createSqliteStoreProvider({ dataDir });
  });
  afterEach(async () => {
    await provider.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no byte of the erased comment or account id in the database file or its WAL', async () => {
    const store = await provider.open(tenant);
    const closed = '5be24ba3f91c106033269289';
    const shortCanary = 'canary-short-7f3a9c';
    // Longer than a page: its bytes live in overflow pages, which the erase frees.
    const longCanary = `canary-long-${'e8b1'.repeat(3000)}`;
    const kept = 'kept-comment-4411';
    const rows = [
      makeWorklog(1, { accountId: closed, comment: adf(shortCanary) }),
      makeWorklog(2, { accountId: closed, comment: adf(longCanary) }),
      ...Array.from({ length: 300 }, (_, i) => makeWorklog(10 + i, { comment: adf(`${kept} ${i}`) })),
    ];
    await store.applyBatch({ upserts: rows, deletions: [] });
    expect(filesHold(fileOf(), shortCanary).length).toBeGreaterThan(0);

    expect(await store.eraseAccount(closed)).toBe(2);

    expect(filesHold(fileOf(), shortCanary)).toEqual([]);
    expect(filesHold(fileOf(), longCanary.slice(0, 200))).toEqual([]);
    expect(filesHold(fileOf(), closed)).toEqual([]);
    // The WAL was cut to nothing; the others' data is still there, byte for byte.
    expect(readFileSync(`${fileOf()}-wal`).length).toBe(0);
    expect(filesHold(fileOf(), `${kept} 299`)).toEqual(['.sqlite']);
    const others = await store.getWorklogsByIds(rows.slice(2).map((row) => row.clientWorklogId));
    expect(others.sort((a, b) => a.clientWorklogId - b.clientWorklogId)).toEqual(rows.slice(2));
  });

  it('drops the planner’s index samples that hold the erased account id', async () => {
    const store = await provider.open(tenant);
    const closed = '557058:5e1f0c2a-canary-stat4-0000-000000000001';
    await store.beginBulkLoad();
    const rows = Array.from({ length: 300 }, (_, i) => makeWorklog(i + 1, { accountId: i % 3 === 0 ? closed : `acc-${i % 3}` }));
    await store.applyBatch({ upserts: rows, deletions: [] });
    // endBulkLoad runs ANALYZE: sqlite_stat4 then keeps sample keys of the account index.
    await store.endBulkLoad();
    const sampled = () => {
      const db = new Database(fileOf(), { readonly: true });
      try {
        return (db.prepare('SELECT sample FROM sqlite_stat4').pluck().all() as Buffer[]).filter((sample) => sample.includes(Buffer.from(closed))).length;
      } finally {
        db.close();
      }
    };
    expect(sampled()).toBeGreaterThan(0);
    expect(await store.eraseAccount(closed)).toBe(100);
    expect(sampled()).toBe(0);
    expect(filesHold(fileOf(), closed)).toEqual([]);
    expect(filesHold(fileOf(), 'acc-1').length).toBeGreaterThan(0);
  });

  it('reports a WAL another reader keeps alive as retryable, and a repeat finishes the erase', async () => {
    const store = await provider.open(tenant);
    await store.applyBatch({ upserts: [makeWorklog(1, { accountId: 'acc-closed', comment: adf('canary-busy-91') })], deletions: [] });
    // Another process (an operator's shell, the CLI) in the middle of a read transaction.
    const reader = new Database(fileOf(), { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM worklogs').get();
    try {
      await expect(store.eraseAccount('acc-closed')).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE') && (error as Error).message.includes('retry'));
    } finally {
      reader.exec('COMMIT');
      reader.close();
    }
    // The update itself committed; the repeat changes nothing and empties the WAL.
    expect(await store.eraseAccount('acc-closed')).toBe(0);
    expect(filesHold(fileOf(), 'canary-busy-91')).toEqual([]);
  });

  it('refuses an empty account id', async () => {
    const store = await provider.open(tenant);
    await expect(store.eraseAccount('')).rejects.toSatisfy((error) => isAppError(error, 'STORE_WRITE_FAILED'));
  });
});
