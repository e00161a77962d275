import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newTenantId } from '../tenants/tenant.js';
import { createSqliteStoreProvider, sqliteTenantDbPath } from './sqlite-store-provider.js';
import { openSqliteTenantDb } from './sqlite-tenant-db.js';
import { createSqliteTenantStore } from './sqlite-tenant-store.js';
import { createWorkerWalSyncs, type SqliteWalSyncs } from './sqlite-wal-syncs.js';
import { makeWorklog } from './tenant-store.contract.js';

/** The rows of `worklogs` in the database file alone, without its WAL (a copy opened on its own); 0 without the table. */
function rowsInFileAlone(path: string, scratchDir: string): number {
  const copy = join(scratchDir, 'file-alone.sqlite');
  copyFileSync(path, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const hasTable = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'worklogs'").pluck().get() === 1;
    return hasTable ? (db.prepare('SELECT count(*) FROM worklogs').pluck().get() as number) : 0;
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

describe('SqliteWalSyncs on a worker thread', () => {
  let dataDir: string;
  let syncs: SqliteWalSyncs;
  let checkpoints: { path: string; complete: boolean | 'failed' }[];
  /** The worker's checkpoint, recorded; `fail` makes it reject instead. */
  let fail: boolean;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-wal-'));
    const worker = createWorkerWalSyncs();
    checkpoints = [];
    fail = false;
    syncs = {
      async checkpoint(path) {
        if (fail) {
          checkpoints.push({ path, complete: 'failed' });
          throw new Error('worker gone');
        }
        const complete = await worker.checkpoint(path);
        checkpoints.push({ path, complete });
        return complete;
      },
      close: () => worker.close(),
    };
  });

  afterEach(async () => {
    await syncs.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies the WAL of an open store into its database file', async () => {
    const provider = createSqliteStoreProvider({ dataDir, walSyncs: 'inline' });
    const tenantId = newTenantId();
    const path = sqliteTenantDbPath(dataDir, tenantId);
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [] });
    // The commit sits in the WAL: the database file alone does not have the rows yet.
    expect(rowsInFileAlone(path, dataDir)).toBe(0);
    expect(await syncs.checkpoint(path)).toBe(true);
    expect(rowsInFileAlone(path, dataDir)).toBe(2);
    await provider.close();
  });

  it('checkpoints a store that wrote before closing it, and its rows stay', async () => {
    const provider = createSqliteStoreProvider({ dataDir, walSyncs: syncs });
    const tenantId = newTenantId();
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    await provider.release(tenantId);
    expect(checkpoints).toEqual([{ path: sqliteTenantDbPath(dataDir, tenantId), complete: true }]);
    expect(await (await provider.open(tenantId)).countWorklogs()).toBe(1);
    await provider.close();
  });

  it('asks for no checkpoint when the open only read', async () => {
    const provider = createSqliteStoreProvider({ dataDir, walSyncs: syncs });
    const tenantId = newTenantId();
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    await provider.release(tenantId);
    checkpoints = [];
    const store = await provider.open(tenantId);
    expect(await store.countWorklogs()).toBe(1);
    await store.getSyncState();
    await provider.release(tenantId);
    expect(checkpoints).toEqual([]);
    await provider.close();
  });

  it("checkpoints a new tenant's first open that only read: its migrations wrote", async () => {
    const provider = createSqliteStoreProvider({ dataDir, walSyncs: syncs });
    const tenantId = newTenantId();
    expect(await (await provider.open(tenantId)).countWorklogs()).toBe(0);
    await provider.release(tenantId);
    expect(checkpoints).toEqual([{ path: sqliteTenantDbPath(dataDir, tenantId), complete: true }]);
    await provider.close();
  });

  it('closes the store all the same when the worker fails, its rows kept', async () => {
    const provider = createSqliteStoreProvider({ dataDir, walSyncs: syncs });
    const tenantId = newTenantId();
    fail = true;
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [] });
    await provider.release(tenantId);
    expect(checkpoints.map((entry) => entry.complete)).toEqual(['failed']);
    // The close checkpointed itself: the file alone holds the rows.
    expect(rowsInFileAlone(sqliteTenantDbPath(dataDir, tenantId), dataDir)).toBe(2);
    await provider.close();
  });

  it('closes stores whose checkpoints answer together in event-loop turns of their own', async () => {
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const together: SqliteWalSyncs = { checkpoint: async () => answered.then(() => true), close: async () => undefined };
    const events: string[] = [];
    const stores = await Promise.all(
      ['A', 'B'].map(async (name) => {
        const path = join(dataDir, `${name}.sqlite`);
        const db = await openSqliteTenantDb(path);
        return createSqliteTenantStore({ tenantId: newTenantId(), db, walSyncs: { syncs: together, path }, onClose: () => events.push(`closed ${name}`) });
      }),
    );
    const closes = stores.map((store) => store.close());
    // A probe that takes one turn after another: it must run between the two closes.
    setImmediate(() => {
      events.push('turn');
      setImmediate(() => events.push('next turn'));
    });
    answer();
    await Promise.all(closes);
    expect(events.indexOf('next turn')).toBeGreaterThan(events.indexOf('closed A'));
    expect(events.indexOf('next turn')).toBeLessThan(events.indexOf('closed B'));
  });

  it('rejects once closed', async () => {
    const worker = createWorkerWalSyncs();
    await worker.close();
    await expect(worker.checkpoint(join(dataDir, 'any.sqlite'))).rejects.toThrow(/closed/);
  });
});
