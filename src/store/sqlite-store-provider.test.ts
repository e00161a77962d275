import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { newTenantId } from '../tenants/tenant.js';
import { createSqliteStoreProvider } from './sqlite-store-provider.js';
import { openSqliteTenantDb } from './sqlite-tenant-db.js';
import { reportIndexes } from './tenant-migrations.js';
import { describeTenantStoreContract, makeWorklog } from './tenant-store.contract.js';
import type { StoreProvider } from './tenant-store.js';

const makeDataDir = () => mkdtempSync(join(tmpdir(), 'tally-store-'));

describeTenantStoreContract('sqlite', async () => {
  const dataDir = makeDataDir();
  return {
    provider: createSqliteStoreProvider({ dataDir }),
    reopen: async () => createSqliteStoreProvider({ dataDir }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

/** Reads the file next to the provider's own handle, as an operator's sqlite3 shell would. */
function inspect<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const indexNames = (path: string) =>
  inspect(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'worklogs' ORDER BY name").pluck().all());

describe('SqliteStoreProvider', () => {
  let dataDir: string;
  let provider: StoreProvider;
  const fileOf = (tenantId: string) => join(dataDir, 'tenants', `${tenantId}.sqlite`);
  beforeEach(() => {
    dataDir = makeDataDir();
    provider = createSqliteStoreProvider({ dataDir });
  });
  afterEach(async () => {
    await provider.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps each tenant in its own file under <dataDir>/tenants', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    await (await provider.open(a)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    await provider.open(b);
    expect(readdirSync(join(dataDir, 'tenants')).filter((name) => name.endsWith('.sqlite')).sort()).toEqual([`${a}.sqlite`, `${b}.sqlite`].sort());
    expect(inspect(fileOf(a), (db) => db.prepare('SELECT count(*) FROM worklogs').pluck().get())).toBe(1);
    expect(inspect(fileOf(b), (db) => db.prepare('SELECT count(*) FROM worklogs').pluck().get())).toBe(0);
  });

  it('deletes the file with its -wal and -shm on destroy', async () => {
    const tenantId = newTenantId();
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    for (const suffix of ['', '-wal', '-shm']) expect(existsSync(`${fileOf(tenantId)}${suffix}`), suffix).toBe(true);
    await provider.destroy(tenantId);
    expect(readdirSync(join(dataDir, 'tenants'))).toEqual([]);
  });

  it('holds three descriptors per open tenant (file, -wal, -shm) and gives them all back on release', async () => {
    // The kernel's list of this process's descriptors: what a thousand open sites would cost.
    const descriptorsOf = (tenantId: string) =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(fileOf(tenantId));
        } catch {
          return false; // closed between the listing and the read
        }
      }).length;
    const tenantId = newTenantId();
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    expect(descriptorsOf(tenantId)).toBe(3);
    await provider.release(tenantId);
    expect(descriptorsOf(tenantId)).toBe(0);
    expect(await (await provider.open(tenantId)).countWorklogs()).toBe(1);
    expect(descriptorsOf(tenantId)).toBe(3);
  });

  it('opens each tenant once, even when asked twice at the same time', async () => {
    const tenantId = newTenantId();
    const [first, second] = await Promise.all([provider.open(tenantId), provider.open(tenantId)]);
    expect(first).toBe(second);
  });

  it('creates no file for a refused tenant id', async () => {
    await expect(provider.open('../escape' as never)).rejects.toSatisfy((error) => isAppError(error, 'STORE_TENANT_ID_INVALID'));
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses to open once closed', async () => {
    await provider.close();
    await expect(provider.open(newTenantId())).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
  });

  it('drops the report indexes for a bulk load, marks it across a re-open, and rebuilds them with statistics', async () => {
    const tenantId = newTenantId();
    const all = reportIndexes.map((index) => index.name).sort();
    const store = await provider.open(tenantId);
    expect(indexNames(fileOf(tenantId))).toEqual(all);
    await store.beginBulkLoad();
    expect(indexNames(fileOf(tenantId))).toEqual([]);
    await store.applyBatch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [] });
    await provider.close();

    provider = createSqliteStoreProvider({ dataDir });
    const resumed = await provider.open(tenantId);
    expect(await resumed.isBulkLoading?.()).toBe(true);
    expect(indexNames(fileOf(tenantId))).toEqual([]);
    await resumed.endBulkLoad();
    expect(await resumed.isBulkLoading?.()).toBe(false);
    expect(indexNames(fileOf(tenantId))).toEqual(all);
    const stats = inspect(fileOf(tenantId), (db) => db.prepare('SELECT idx FROM sqlite_stat1 ORDER BY idx').pluck().all());
    expect(stats).toEqual(expect.arrayContaining(all));
    expect(await resumed.countWorklogs()).toBe(2);
  });
});

describe('openSqliteTenantDb', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = makeDataDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets WAL, synchronous NORMAL, a busy timeout and foreign keys', async () => {
    const { database, kysely } = await openSqliteTenantDb(join(dataDir, 't.sqlite'));
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    await kysely.destroy();
  });

  it('applies migrations once, and leaves nothing of a migration run that failed', async () => {
    const path = join(dataDir, 't.sqlite');
    const first = await openSqliteTenantDb(path);
    await first.kysely.destroy();
    const failing = {
      getMigrations: async () => ({
        '001_half': {
          async up(db: import('kysely').Kysely<any>) {
            await db.schema.createTable('half_made').addColumn('id', 'integer').execute();
            throw new Error('boom');
          },
        },
      }),
    };
    const otherPath = join(dataDir, 'other.sqlite');
    await expect(openSqliteTenantDb(otherPath, { migrationProvider: failing })).rejects.toSatisfy(
      (error) => isAppError(error, 'STORE_MIGRATION_FAILED') && /001_half/.test((error as Error).message),
    );
    const tables = inspect(otherPath, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all());
    expect(tables).not.toContain('half_made');
    const again = await openSqliteTenantDb(path);
    expect(again.database.prepare('SELECT count(*) FROM kysely_migration').pluck().get()).toBe(1);
    await again.kysely.destroy();
  });

  it('refuses a file that is not a database', async () => {
    const path = join(dataDir, 'junk.sqlite');
    (await import('node:fs')).writeFileSync(path, 'not a database, just text '.repeat(100));
    await expect(openSqliteTenantDb(path)).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
  });
});
