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
import { columnsContent, FIXTURE_ACCOUNTS, FIXTURE_ISSUES, fixtureIssueInfo, fixtureWorklogs, seededRandom } from './engine-fixtures.js';
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
