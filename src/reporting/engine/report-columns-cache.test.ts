import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { createSqliteStoreProvider } from '../../store/sqlite-store-provider.js';
import type { ReportColumnRow, StoreProvider, SyncBatch, TenantStore } from '../../store/tenant-store.js';
import type { WorklogRow } from '../../store/worklog-row.js';
import { newTenantId, type TenantId } from '../../tenants/tenant.js';
import type { ResolvedReportQuery } from '../report-model.js';
import { estimateColumnsBytes } from './columns-byte-size.js';
import { columnsContent, FIXTURE_ACCOUNTS, FIXTURE_ISSUES, fixtureIssueInfo, fixtureWorklogs, referenceSummary, seededRandom } from './engine-fixtures.js';
import { observeStoreWrites } from './observe-store-writes.js';
import { createReportColumnsCache, type ReportColumnsCache } from './report-columns-cache.js';
import { loadWorklogColumns } from './worklog-columns.js';

const query: ResolvedReportQuery = {
  fromDate: '2025-01-01',
  toDate: '2027-12-31',
  timeZone: 'America/New_York',
  groupBy: ['project', 'user', 'week'],
  sort: { by: 'seconds', direction: 'desc' },
};

const batch = (parts: Partial<SyncBatch>): SyncBatch => ({ upserts: [], deletions: [], ...parts });

/**
 * A provider whose stores count their scans and can hold a scan after its first batch until
 * `release()`. Like every provider, it hands out the same store while the underlying one is open.
 */
function instrumented(inner: StoreProvider) {
  const counts = { scans: 0, opens: 0 };
  const wrappers = new WeakMap<TenantStore, TenantStore>();
  let gate: Promise<void> | undefined;
  let release = () => {};
  let reachedGate = () => {};
  const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
  const provider: StoreProvider = {
    kind: inner.kind,
    async open(tenantId) {
      counts.opens++;
      const store = await inner.open(tenantId);
      const known = wrappers.get(store);
      if (known !== undefined) return known;
      const wrapper = {
        ...store,
        tenantId: store.tenantId,
        async *scanReportColumns(): AsyncIterable<ReportColumnRow[]> {
          counts.scans++;
          let first = true;
          for await (const rows of store.scanReportColumns(100)) {
            yield rows;
            if (first && gate !== undefined) {
              reachedGate();
              await gate;
            }
            first = false;
          }
        },
        countWorklogs: () => store.countWorklogs(),
      } as TenantStore;
      wrappers.set(store, wrapper);
      return wrapper;
    },
    destroy: (tenantId) => inner.destroy(tenantId),
    release: (tenantId) => inner.release(tenantId),
    close: () => inner.close(),
  };
  const holdScans = () => {
    gate = new Promise((resolve) => (release = resolve));
    return { atGate, release: () => release() };
  };
  return { provider, counts, holdScans };
}

describe('report columns cache over a SQLite store, following writes', () => {
  let dataDir: string;
  let raw: StoreProvider;
  let cache: ReportColumnsCache;
  let stores: StoreProvider;
  let tool: ReturnType<typeof instrumented>;
  const tenant = newTenantId();

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-engine-'));
    raw = createSqliteStoreProvider({ dataDir });
    tool = instrumented(raw);
    cache = createReportColumnsCache({ stores: tool.provider, maxTenants: 2, columns: { compactAfter: 50 } });
    stores = observeStoreWrites(raw, cache.applyWrite, { isObserving: cache.isTracking, onDiscard: cache.evict });
  });
  afterEach(async () => {
    await cache.close();
    await raw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The columns a fresh load from the store gives now. */
  const freshContent = async (tenantId: TenantId = tenant) => columnsContent(await loadWorklogColumns(await raw.open(tenantId)));

  it('loads a tenant once, also for concurrent callers', async () => {
    await (await stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(500) }));
    const [a, b] = await Promise.all([cache.columnsFor(tenant), cache.columnsFor(tenant)]);
    expect(a).toBe(b);
    expect(await cache.columnsFor(tenant)).toBe(a);
    expect(tool.counts.scans).toBe(1);
    expect(a.size).toBe(500);
  });

  it('stays equal to a fresh load through new, newer, stale, deleted and resurrected rows', async () => {
    const store = await stores.open(tenant);
    const pool = fixtureWorklogs(400, 9);
    await store.applyBatch(batch({ upserts: pool.slice(0, 200) }));
    const columns = await cache.columnsFor(tenant);
    const next = seededRandom(3);
    let updatedMs = Date.UTC(2027, 5, 1);
    for (let round = 0; round < 40; round++) {
      const upserts: WorklogRow[] = [];
      for (let i = 0; i < 15; i++) {
        const template = pool[Math.floor(next() * pool.length)] as WorklogRow;
        // Newer (wins), or older than anything stored (loses to the row or to a tombstone).
        const newer = next() < 0.7;
        const rowUpdatedMs = newer ? ++updatedMs : Date.UTC(2020, 0, 1) + i;
        upserts.push({
          ...template,
          accountId: FIXTURE_ACCOUNTS[Math.floor(next() * 8)] ?? null,
          clientIssueId: FIXTURE_ISSUES[Math.floor(next() * 30)] as number,
          startedMs: template.startedMs + Math.floor((next() - 0.5) * 86_400_000),
          timeSpentSeconds: 60 * Math.floor(next() * 300),
          updatedMs: rowUpdatedMs,
        });
      }
      const deletions = Array.from({ length: 6 }, () => ({ clientWorklogId: (pool[Math.floor(next() * pool.length)] as WorklogRow).clientWorklogId, deletedAtMs: ++updatedMs }));
      await store.applyBatch(batch({ upserts, deletions }));
      expect(columnsContent(columns), `round ${round}`).toEqual(await freshContent());
    }
    const fresh = await loadWorklogColumns(await raw.open(tenant));
    expect(columns.summarize(query, fixtureIssueInfo)).toEqual(fresh.summarize(query, fixtureIssueInfo));
    expect(columns.details(query, { limit: 1000 })).toEqual(fresh.details(query, { limit: 1000 }));
  });

  it('applies writes made while the columns load', async () => {
    const store = await stores.open(tenant);
    const rows = fixtureWorklogs(450, 2);
    await store.applyBatch(batch({ upserts: rows }));
    const held = tool.holdScans();
    const loading = cache.columnsFor(tenant);
    await held.atGate; // the first 100 rows are read, the other 350 not yet
    const late = Date.UTC(2027, 0, 1);
    await store.applyBatch(
      batch({
        upserts: [{ ...(rows[5] as WorklogRow), timeSpentSeconds: 1, updatedMs: late }, { ...(rows[400] as WorklogRow), timeSpentSeconds: 2, updatedMs: late }, ...fixtureWorklogs(3, 4, 9000)],
        deletions: [{ clientWorklogId: 7, deletedAtMs: late }, { clientWorklogId: 420, deletedAtMs: late }],
      }),
    );
    held.release();
    const columns = await loading;
    expect(columns.size).toBe(451);
    expect(columnsContent(columns)).toEqual(await freshContent());
  });

  it('drops the columns when the tenant is destroyed; the next use loads the empty store', async () => {
    await (await stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(10) }));
    expect((await cache.columnsFor(tenant)).size).toBe(10);
    await stores.destroy(tenant);
    expect(cache.isTracking(tenant)).toBe(false);
    expect((await cache.columnsFor(tenant)).size).toBe(0);
  });

  it('keeps at most maxTenants loaded, dropping the least recently used', async () => {
    const [a, b, c] = [newTenantId(), newTenantId(), newTenantId()];
    await cache.columnsFor(a);
    await cache.columnsFor(b);
    await cache.columnsFor(a);
    await cache.columnsFor(c);
    expect([a, b, c].map((tenantId) => cache.isTracking(tenantId))).toEqual([true, false, true]);
    // A write to an untracked tenant is not re-read, and its next load sees it.
    await (await stores.open(b)).applyBatch(batch({ upserts: fixtureWorklogs(3) }));
    expect((await cache.columnsFor(b)).size).toBe(3);
    expect(tool.counts.scans).toBe(4);
  });

  it('does not keep a failed load, and refuses after close', async () => {
    const failing = createReportColumnsCache({
      stores: { ...raw, kind: 'sqlite', open: async () => Promise.reject(new Error('disk gone')), destroy: raw.destroy, close: raw.close },
    });
    await expect(failing.columnsFor(tenant)).rejects.toThrow('disk gone');
    expect(failing.isTracking(tenant)).toBe(false);
    await cache.close();
    await expect(cache.columnsFor(tenant)).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
  });
});

describe('report columns cache under a byte budget, with other instances writing', () => {
  let dataDir: string;
  let raw: StoreProvider;
  let caches: ReportColumnsCache[];
  const byMonth: ResolvedReportQuery = { ...query, groupBy: ['user', 'month'], timeZone: 'Europe/Berlin' };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-engine-budget-'));
    raw = createSqliteStoreProvider({ dataDir });
    caches = [];
  });
  afterEach(async () => {
    for (const cache of caches) await cache.close();
    await raw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A cache wired the way compose wires it: writes through `stores` reach the loaded columns. */
  const observedCache = (options: { maxBytes?: number; maxTenants?: number } = {}) => {
    const tool = instrumented(raw);
    const cache = createReportColumnsCache({ stores: tool.provider, ...options });
    caches.push(cache);
    const stores = observeStoreWrites(raw, cache.applyWrite, { isObserving: cache.isTracking, onDiscard: cache.evict });
    return { cache, stores, counts: tool.counts };
  };

  /** Independent truth: the reference summary over every row the store holds now. */
  const truth = async (stores: StoreProvider, tenantId: TenantId, q: ResolvedReportQuery = byMonth) => {
    const rows: WorklogRow[] = [];
    for await (const page of (await stores.open(tenantId)).streamWorklogs(500)) rows.push(...page);
    return referenceSummary(rows, q, fixtureIssueInfo);
  };

  /** Three tenants of 3,000, 4,000 and 5,000 rows, and the bytes each one's columns take when loaded. */
  const threeTenants = async (stores: StoreProvider) => {
    const tenants = [newTenantId(), newTenantId(), newTenantId()];
    const bytes: number[] = [];
    for (const [i, tenantId] of tenants.entries()) {
      await (await stores.open(tenantId)).applyBatch(batch({ upserts: fixtureWorklogs(3000 + 1000 * i, 20 + i) }));
      bytes.push(estimateColumnsBytes(await loadWorklogColumns(await stores.open(tenantId))));
    }
    return { tenants, bytes };
  };

  it('evicts the least recently used tenant beyond the byte budget; it reloads right on its next report', async () => {
    const { tenants, bytes } = await threeTenants(raw);
    const [a, b, c] = tenants as [TenantId, TenantId, TenantId];
    const [bytesA, bytesB, bytesC] = bytes as [number, number, number];
    // Room for any two as loaded (also b once it gained 200 rows), never all three.
    const maxBytes = 2 * bytesC + 16_384;
    expect(bytesA + bytesB + bytesC).toBeGreaterThan(maxBytes);
    const { cache, stores, counts } = observedCache({ maxBytes });

    for (const tenantId of [a, b, a, c]) await cache.columnsFor(tenantId);
    expect([a, b, c].map((tenantId) => cache.isTracking(tenantId))).toEqual([true, false, true]);
    expect(cache.usage()).toEqual({ tenants: 2, bytes: bytesA + bytesC });
    expect((await cache.columnsFor(c)).summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, c));

    // b changes while nobody holds its columns; its next report loads it again, with the change,
    // and pushes out a, now the least recently used.
    await (await stores.open(b)).applyBatch(batch({ upserts: fixtureWorklogs(200, 9, 50_000), deletions: [{ clientWorklogId: 17, deletedAtMs: Date.UTC(2027, 5, 1) }] }));
    expect((await cache.columnsFor(b)).summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, b));
    expect([a, b, c].map((tenantId) => cache.isTracking(tenantId))).toEqual([false, true, true]);
    // a comes back as the store holds it, and c goes.
    expect((await cache.columnsFor(a)).summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, a));
    expect([a, b, c].map((tenantId) => cache.isTracking(tenantId))).toEqual([true, true, false]);
    expect(counts.scans).toBe(5);
    expect(cache.usage().bytes).toBeLessThanOrEqual(maxBytes);
  });

  it('counts growth from writes and drops the least recently used tenant when a write outgrows the budget', async () => {
    const { tenants, bytes } = await threeTenants(raw);
    const [a, b] = tenants as [TenantId, TenantId];
    const { cache, stores } = observedCache({ maxBytes: (bytes[0] as number) + (bytes[1] as number) + 1024 });
    await cache.columnsFor(a);
    const columnsB = await cache.columnsFor(b);
    // a is now the least recently used; b's sync adds 20,000 rows and its arrays grow.
    await (await stores.open(b)).applyBatch(batch({ upserts: fixtureWorklogs(20_000, 4, 100_000) }));
    expect(cache.isTracking(a)).toBe(false);
    expect(cache.usage()).toEqual({ tenants: 1, bytes: estimateColumnsBytes(columnsB) });
    expect(columnsB.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, b));
  });

  it('keeps serving a tenant larger than the whole budget, without reloading it', async () => {
    const { tenants } = await threeTenants(raw);
    const [a, b] = tenants as [TenantId, TenantId];
    const { cache, counts } = observedCache({ maxBytes: 4096 });
    await cache.columnsFor(a);
    const columnsB = await cache.columnsFor(b);
    expect(await cache.columnsFor(b)).toBe(columnsB);
    expect([cache.isTracking(a), cache.isTracking(b)]).toEqual([false, true]);
    expect(counts.scans).toBe(2);
  });

  it("sees another instance's writes on the next report, and follows its own without reloading", async () => {
    const tenant = newTenantId();
    const { cache, stores, counts } = observedCache({ maxBytes: 64 * 2 ** 20 });
    await (await stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(2000, 5) }));
    const first = await cache.columnsFor(tenant);
    // A second instance: its own provider and connection on the same database file.
    const otherInstance = createSqliteStoreProvider({ dataDir });
    try {
      await (await otherInstance.open(tenant)).applyBatch(
        batch({ upserts: [{ ...fixtureWorklogs(1, 5)[0]!, timeSpentSeconds: 7, updatedMs: Date.UTC(2028, 0, 1) }, ...fixtureWorklogs(50, 6, 90_000)], deletions: [{ clientWorklogId: 2, deletedAtMs: Date.UTC(2028, 0, 1) }] }),
      );
    } finally {
      await otherInstance.close();
    }
    const second = await cache.columnsFor(tenant);
    expect(second).not.toBe(first);
    expect(second.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, tenant));
    expect(counts.scans).toBe(2);
    // This instance's own writes reach the loaded copy in place.
    await (await stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(30, 7, 95_000) }));
    expect(await cache.columnsFor(tenant)).toBe(second);
    expect(second.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, tenant));
    expect(counts.scans).toBe(2);
  });

  it('treats a store closed and opened again as stale: the new connection cannot tell what it missed', async () => {
    const tenant = newTenantId();
    const { cache, stores } = observedCache();
    await (await stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(500, 8) }));
    const first = await cache.columnsFor(tenant);
    // Closed when idle (as a bounded set of open stores does), then another instance writes.
    await (await raw.open(tenant)).close();
    const otherInstance = createSqliteStoreProvider({ dataDir });
    try {
      await (await otherInstance.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(40, 9, 70_000) }));
    } finally {
      await otherInstance.close();
    }
    const second = await cache.columnsFor(tenant);
    expect(second).not.toBe(first);
    expect(second.size).toBe(540);
    expect(second.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(raw, tenant));
  });
});
