import { mkdtempSync, readdirSync, readlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { columnsContent, fixtureWorklogs } from '../reporting/engine/engine-fixtures.js';
import { observeStoreWrites } from '../reporting/engine/observe-store-writes.js';
import { createReportColumnsCache, type ReportColumnsCache } from '../reporting/engine/report-columns-cache.js';
import { loadWorklogColumns } from '../reporting/engine/worklog-columns.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createOpenStorePool, type OpenStorePool } from './open-store-pool.js';
import { createSqliteStoreProvider } from './sqlite-store-provider.js';
import { describeTenantStoreContract, makeWorklog } from './tenant-store.contract.js';
import type { PostgresDatabaseLocation, PostgresWholeDatabases, ReportColumnRow, StoreProvider } from './tenant-store.js';

const makeDataDir = () => mkdtempSync(join(tmpdir(), 'tally-pool-'));

// The whole store contract holds through a pool that can keep a single store open.
describeTenantStoreContract('sqlite behind an open-store pool of 1', async () => {
  const dataDir = makeDataDir();
  const pooled = () => createOpenStorePool(createSqliteStoreProvider({ dataDir }), { maxOpen: 1 });
  return { provider: pooled(), reopen: async () => pooled(), cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});

/**
 * The tenants whose SQLite files this process holds open right now, read from the kernel's own
 * list of the process's descriptors (`/proc/self/fd`), not from the pool.
 */
function tenantsWithOpenFiles(dataDir: string): Set<string> {
  const tenantsDir = join(dataDir, 'tenants');
  const open = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const match = target.startsWith(tenantsDir) ? /(t_[0-9a-f]{24})\.sqlite/.exec(target) : null;
    if (match) open.add(match[1] as string);
  }
  return open;
}

const rowsOf = (tenantIndex: number, round: number) =>
  Array.from({ length: 3 }, (_, i) => makeWorklog(tenantIndex * 1000 + round * 10 + i, { accountId: `acc-${tenantIndex}` }));

describe('OpenStorePool', () => {
  let dataDir: string;
  let pool: OpenStorePool;
  let tenants: TenantId[];
  /** The most tenant files ever seen open at once, and the pool's own most, sampled as the test runs. */
  let peakFiles: number;
  let peakPool: number;
  let sampler: NodeJS.Timeout;

  const sample = () => {
    peakFiles = Math.max(peakFiles, tenantsWithOpenFiles(dataDir).size);
    peakPool = Math.max(peakPool, pool.stats().open);
  };

  /** A provider that samples the descriptors right after every real open, when the count is highest. */
  const sampling = (provider: StoreProvider): StoreProvider => ({
    ...provider,
    kind: provider.kind,
    async open(tenantId) {
      const store = await provider.open(tenantId);
      sample();
      return store;
    },
    destroy: (tenantId) => provider.destroy(tenantId),
    release: (tenantId) => provider.release(tenantId),
    close: () => provider.close(),
  });

  beforeEach(() => {
    dataDir = makeDataDir();
    peakFiles = 0;
    peakPool = 0;
    pool = createOpenStorePool(sampling(createSqliteStoreProvider({ dataDir })), { maxOpen: 5 });
    tenants = Array.from({ length: 30 }, () => newTenantId());
    sampler = setInterval(sample, 1);
  });
  afterEach(async () => {
    clearInterval(sampler);
    await pool.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves 30 tenants with at most 5 databases open, and every reopened store holds all its data', async () => {
    const handles = await Promise.all(tenants.map((tenantId) => pool.open(tenantId)));
    // Three rounds of writes to every tenant at once: each round re-opens stores closed by the last.
    for (let round = 0; round < 3; round++) {
      await Promise.all(handles.map((store, index) => store.applyBatch({ upserts: rowsOf(index, round), deletions: [], state: { updatedCursorMs: round } })));
    }
    for (const [index, store] of handles.entries()) {
      const expected = [0, 1, 2].flatMap((round) => rowsOf(index, round)).sort((a, b) => a.clientWorklogId - b.clientWorklogId);
      expect(await store.getWorklogsByIds(expected.map((row) => row.clientWorklogId))).toEqual(expect.arrayContaining(expected));
      expect(await store.countWorklogs()).toBe(9);
      expect((await store.getSyncState()).updatedCursorMs).toBe(2);
    }
    sample();
    expect(peakFiles).toBeGreaterThan(0);
    expect(peakFiles).toBeLessThanOrEqual(5);
    expect(peakPool).toBeLessThanOrEqual(5);
    expect(tenantsWithOpenFiles(dataDir).size).toBeLessThanOrEqual(5);
    expect(pool.stats().evictions).toBeGreaterThanOrEqual(25);
    // The files themselves, read without the pool: what a restart would find.
    for (const [index, tenantId] of tenants.entries()) {
      const db = new Database(join(dataDir, 'tenants', `${tenantId}.sqlite`), { readonly: true });
      const ids = db.prepare('SELECT client_worklog_id FROM worklogs ORDER BY 1').pluck().all();
      db.close();
      expect(ids).toEqual([0, 1, 2].flatMap((round) => rowsOf(index, round).map((row) => row.clientWorklogId)).sort((a, b) => a - b));
    }
  });

  it('never closes a store while a call on it is in flight', async () => {
    const [held, ...others] = tenants as [TenantId, ...TenantId[]];
    const heldStore = await pool.open(held);
    await heldStore.applyBatch({ upserts: Array.from({ length: 30 }, (_, i) => makeWorklog(i + 1)), deletions: [] });
    const pages: ReportColumnRow[][] = [];
    const scan = heldStore.scanReportColumns(10)[Symbol.asyncIterator]();
    pages.push((await scan.next()).value as ReportColumnRow[]);
    // While the scan is between pages, every other tenant is used: 29 stores through 4 free slots.
    for (const tenantId of others) await (await pool.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    expect(tenantsWithOpenFiles(dataDir)).toContain(held);
    for (let next = await scan.next(); !next.done; next = await scan.next()) pages.push(next.value);
    expect(pages.flat().map((row) => row[0])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(peakFiles).toBeLessThanOrEqual(5);
    // Once the scan is over the held store is idle like any other, and the next newcomer may close it.
    expect(pool.stats().busy).toBe(0);
  });

  it('makes a call wait for a slot when every open store is busy, instead of opening a sixth', async () => {
    const busy = await Promise.all(tenants.slice(0, 5).map(async (tenantId) => {
      const store = await pool.open(tenantId);
      await store.applyBatch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [] });
      const scan = store.scanReportColumns(1)[Symbol.asyncIterator]();
      await scan.next();
      return scan;
    }));
    let sixthDone = false;
    const sixth = pool.open(tenants[5] as TenantId).then(async (store) => {
      await store.countWorklogs();
      sixthDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sixthDone).toBe(false);
    expect(pool.stats()).toMatchObject({ open: 5, busy: 5, waiting: 1 });
    expect(tenantsWithOpenFiles(dataDir).size).toBe(5);
    // Finishing one scan frees its slot.
    await busy[0]?.return?.();
    await sixth;
    expect(sixthDone).toBe(true);
    for (const scan of busy.slice(1)) await scan.return?.();
    expect(peakFiles).toBeLessThanOrEqual(5);
  });

  it('keeps a handle working across the closes that make room, and ends it on destroy', async () => {
    const [first, ...others] = tenants as [TenantId, ...TenantId[]];
    const handle = await pool.open(first);
    await handle.applyBatch({ upserts: [makeWorklog(7)], deletions: [] });
    for (const tenantId of others.slice(0, 10)) await (await pool.open(tenantId)).countWorklogs();
    expect(tenantsWithOpenFiles(dataDir)).not.toContain(first);
    expect(await handle.listWorklogIds()).toEqual([7]);
    expect(await pool.open(first)).toBe(handle);

    await pool.destroy(first);
    expect(existsSync(join(dataDir, 'tenants', `${first}.sqlite`))).toBe(false);
    // An old handle must not re-create a destroyed tenant's database.
    await expect(handle.countWorklogs()).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
    expect(existsSync(join(dataDir, 'tenants', `${first}.sqlite`))).toBe(false);
    const fresh = await pool.open(first);
    expect(fresh).not.toBe(handle);
    expect(await fresh.countWorklogs()).toBe(0);
  });

  it("changes othersWriteVersion on another connection's commit and on every re-open, never on its own writes", async () => {
    const [first, ...others] = tenants as [TenantId, ...TenantId[]];
    const handle = await pool.open(first);
    const v0 = await handle.othersWriteVersion?.();
    await handle.applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    expect(await handle.othersWriteVersion?.()).toBe(v0);

    const other = new Database(join(dataDir, 'tenants', `${first}.sqlite`));
    other.prepare("INSERT INTO sync_state (key, value) VALUES ('x', 'y')").run();
    other.close();
    const v1 = await handle.othersWriteVersion?.();
    expect(v1).not.toBe(v0);

    // Closed to make room, then re-opened: whatever was committed meanwhile could not be seen.
    for (const tenantId of others.slice(0, 5)) await (await pool.open(tenantId)).countWorklogs();
    expect(await handle.othersWriteVersion?.()).not.toBe(v1);
  });

  it('refuses every call once closed', async () => {
    const handle = await pool.open(tenants[0] as TenantId);
    await pool.close();
    await expect(handle.countWorklogs()).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
    await expect(pool.open(tenants[1] as TenantId)).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
    expect(tenantsWithOpenFiles(dataDir).size).toBe(0);
  });

  it('refuses a maxOpen below 1', () => {
    expect(() => createOpenStorePool(createSqliteStoreProvider({ dataDir }), { maxOpen: 0 })).toThrow(RangeError);
  });

  it('passes through a provider member it does not manage (an optional port method), bound to the provider', async () => {
    const sqlite = createSqliteStoreProvider({ dataDir });
    const located: TenantId[] = [];
    const extended = Object.assign(sqlite, {
      locate(this: StoreProvider, tenantId: TenantId) {
        located.push(tenantId);
        return `${this.kind}:${tenantId}`;
      },
    });
    const wrapped = createOpenStorePool(extended, { maxOpen: 1 }) as OpenStorePool & { locate?: (tenantId: TenantId) => string };
    try {
      expect(wrapped.locate?.(tenants[0] as TenantId)).toBe(`sqlite:${tenants[0]}`);
      expect(located).toEqual([tenants[0]]);
    } finally {
      await wrapped.close();
    }
  });
  it('forwards whole-database operations, and lets go of the tenant’s store before a replacement', async () => {
    const sqlite = createSqliteStoreProvider({ dataDir });
    const [tenant] = tenants as [TenantId];
    const calls: string[] = [];
    let openDuringReplace: boolean | undefined;
    const withWhole = Object.assign(sqlite, {
      postgresDatabases: {
        find: async (tenantId: TenantId) => {
          calls.push(`find ${tenantId}`);
          return { databaseUrl: 'postgres://h/db', database: 'db' };
        },
        isInUse: async (tenantId: TenantId) => {
          calls.push(`isInUse ${tenantId}`);
          return false;
        },
        replace: async (tenantId: TenantId, load: (scratch: PostgresDatabaseLocation) => Promise<void>) => {
          calls.push(`replace ${tenantId}`);
          openDuringReplace = tenantsWithOpenFiles(dataDir).has(tenantId);
          await load({ databaseUrl: 'postgres://h/scratch', database: 'scratch' });
          return 'replaced' as const;
        },
      } satisfies PostgresWholeDatabases,
    });
    const wrapped = createOpenStorePool(withWhole, { maxOpen: 2 });
    try {
      const handle = await wrapped.open(tenant);
      await handle.applyBatch({ upserts: rowsOf(0, 0), deletions: [] });
      expect(tenantsWithOpenFiles(dataDir).has(tenant)).toBe(true);
      const whole = wrapped.postgresDatabases as PostgresWholeDatabases;
      expect(await whole.find(tenant)).toEqual({ databaseUrl: 'postgres://h/db', database: 'db' });
      expect(await whole.isInUse(tenant)).toBe(false);
      const loaded: string[] = [];
      expect(await whole.replace(tenant, async (scratch) => void loaded.push(scratch.database))).toBe('replaced');
      expect({ calls, openDuringReplace, loaded }).toEqual({ calls: [`find ${tenant}`, `isInUse ${tenant}`, `replace ${tenant}`], openDuringReplace: false, loaded: ['scratch'] });
      // The old handle ended with the release, as after `release`; a new open reads the data again.
      await expect(handle.countWorklogs()).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
      expect(await (await wrapped.open(tenant)).countWorklogs()).toBe(3);
    } finally {
      await wrapped.close();
    }
  });
});

describe('OpenStorePool under the report columns cache', () => {
  let dataDir: string;
  let pool: OpenStorePool;
  let raw: StoreProvider;
  beforeEach(() => {
    dataDir = makeDataDir();
    pool = createOpenStorePool(createSqliteStoreProvider({ dataDir }), { maxOpen: 2 });
    raw = createSqliteStoreProvider({ dataDir });
  });
  afterEach(async () => {
    await pool.close();
    await raw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a loaded tenant’s columns equal to its database while the pool closes and re-opens it', async () => {
    // Wired as compose.ts wires the stores: the pool under the write observer, the cache on top.
    let cache: ReportColumnsCache | undefined;
    const stores = observeStoreWrites(pool, (tenantId, change) => cache?.applyWrite(tenantId, change), {
      isObserving: (tenantId) => cache?.isTracking(tenantId) ?? false,
      onDiscard: (tenantId) => cache?.evict(tenantId),
    });
    cache = createReportColumnsCache({ stores });
    const [reported, ...others] = Array.from({ length: 5 }, () => newTenantId()) as [TenantId, ...TenantId[]];
    const rows = fixtureWorklogs(400, 5);
    const store = await stores.open(reported);
    await store.applyBatch({ upserts: rows.slice(0, 100), deletions: [] });
    await cache.columnsFor(reported);
    for (let round = 0; round < 4; round++) {
      const deleted = rows[round]!.clientWorklogId;
      await store.applyBatch({ upserts: rows.slice(100 + round * 50, 150 + round * 50), deletions: [{ clientWorklogId: deleted, deletedAtMs: Date.UTC(2030, 0, 1) }] });
      // Four other tenants through two slots: the reported tenant's store is closed meanwhile.
      for (const tenantId of others) await (await stores.open(tenantId)).applyBatch({ upserts: fixtureWorklogs(10, round + 7), deletions: [] });
      const columns = await cache.columnsFor(reported);
      expect(columns.size).toBe(100 + (round + 1) * 50 - (round + 1));
      expect(columnsContent(columns)).toEqual(columnsContent(await loadWorklogColumns(await raw.open(reported))));
      await raw.release(reported);
    }
    expect(pool.stats().evictions).toBeGreaterThan(0);
    expect(pool.stats().open).toBeLessThanOrEqual(2);
  });
});

describe('OpenStorePool with idleCloseMs', () => {
  it('passes over the stores keepOpen names when closing idle ones', async () => {
    const dataDir = makeDataDir();
    const [kept, idle] = [newTenantId(), newTenantId()];
    const pool = createOpenStorePool(createSqliteStoreProvider({ dataDir }), { maxOpen: 10, idleCloseMs: 40, keepOpen: (tenantId) => tenantId === kept });
    try {
      for (const tenantId of [kept, idle]) await (await pool.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
      // Real timers are the subject here: the kernel's descriptors once the idle store's close (a
      // checkpoint on the WAL worker first) has finished — on a loaded machine later than 200 ms.
      await expect.poll(() => [...tenantsWithOpenFiles(dataDir)], { timeout: 10_000, interval: 50 }).toEqual([kept]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([...tenantsWithOpenFiles(dataDir)]).toEqual([kept]);
    } finally {
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('closes stores left without a call, and never one in use', async () => {
    const dataDir = makeDataDir();
    const pool = createOpenStorePool(createSqliteStoreProvider({ dataDir }), { maxOpen: 10, idleCloseMs: 40 });
    try {
      const [idle, busy] = [newTenantId(), newTenantId()];
      const idleStore = await pool.open(idle);
      await idleStore.applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
      const busyStore = await pool.open(busy);
      await busyStore.applyBatch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [] });
      const scan = busyStore.scanReportColumns(1)[Symbol.asyncIterator]();
      await scan.next();
      // Real timers are the subject here: the kernel's descriptors once the idle store's close has
      // finished (a checkpoint on the WAL worker first: on a loaded machine later than 200 ms).
      await expect.poll(() => [...tenantsWithOpenFiles(dataDir)], { timeout: 10_000, interval: 50 }).toEqual([busy]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([...tenantsWithOpenFiles(dataDir)]).toEqual([busy]);
      expect((await scan.next()).done).toBe(false);
      await scan.return?.();
      // The closed store re-opens on its next call, with its data.
      expect(await idleStore.countWorklogs()).toBe(1);
    } finally {
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
