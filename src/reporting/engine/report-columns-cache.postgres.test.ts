import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOpenStorePool } from '../../store/open-store-pool.js';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from '../../store/postgres-store-test-kit.js';
import { describeWithPostgres } from '../../../test/support/postgres.js';
import type { StoreProvider, SyncBatch } from '../../store/tenant-store.js';
import type { WorklogRow } from '../../store/worklog-row.js';
import { newTenantId, type TenantId } from '../../tenants/tenant.js';
import type { ResolvedReportQuery } from '../report-model.js';
import { fixtureIssueInfo, fixtureWorklogs, referenceSummary } from './engine-fixtures.js';
import { observeStoreWrites } from './observe-store-writes.js';
import { createReportColumnsCache } from './report-columns-cache.js';

/*
 * Several Tally instances on one PostgreSQL: each has its own provider (its own pools) over the
 * same control database, so the same tenant database. The PostgreSQL store's
 * `othersWriteVersion` reads a version row bumped in the same transaction as every write; the
 * cache needs nothing else to see another instance's commits.
 */

const byMonth: ResolvedReportQuery = { fromDate: '2025-01-01', toDate: '2027-12-31', timeZone: 'Europe/Berlin', groupBy: ['user', 'month'], sort: { by: 'seconds', direction: 'desc' } };
const batch = (parts: Partial<SyncBatch>): SyncBatch => ({ upserts: [], deletions: [], ...parts });

let testbed: PostgresStoreTestbed;
beforeAll(async () => {
  testbed = await createPostgresStoreTestbed();
});
afterAll(() => testbed?.cleanup());

/** Independent truth: the reference summary over every row the database holds now. */
async function truth(stores: StoreProvider, tenantId: TenantId) {
  const rows: WorklogRow[] = [];
  for await (const page of (await stores.open(tenantId)).streamWorklogs(500)) rows.push(...page);
  return referenceSummary(rows, byMonth, fixtureIssueInfo);
}

/** One instance's report side, wired as compose wires it: an open-store pool, observed writes, the cache. */
function instance(maxOpen = 4) {
  const pool = createOpenStorePool(testbed.provider(), { maxOpen });
  const cache = createReportColumnsCache({ stores: pool, maxBytes: 64 * 2 ** 20 });
  const stores = observeStoreWrites(pool, cache.applyWrite, { isObserving: cache.isTracking, onDiscard: cache.evict });
  return { cache, stores };
}

describeWithPostgres('report columns cache on PostgreSQL with several instances', () => {
  it("sees another instance's writes on the next report and follows its own in place", async () => {
    const tenant = newTenantId();
    const a = instance();
    const b = instance();
    await (await a.stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(1500, 31) }));
    const first = await a.cache.columnsFor(tenant);
    expect(first.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(a.stores, tenant));

    // a's own write: the loaded copy follows it, no reload.
    await (await a.stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(20, 32, 80_000) }));
    expect(await a.cache.columnsFor(tenant)).toBe(first);
    expect(first.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(a.stores, tenant));

    // b's write: a's next report reloads and answers what the database holds.
    const changed = { ...fixtureWorklogs(1, 31)[0]!, timeSpentSeconds: 7, updatedMs: Date.UTC(2028, 0, 1) };
    await (await b.stores.open(tenant)).applyBatch(batch({ upserts: [changed, ...fixtureWorklogs(40, 33, 90_000)], deletions: [{ clientWorklogId: 3, deletedAtMs: Date.UTC(2028, 0, 1) }] }));
    const second = await a.cache.columnsFor(tenant);
    expect(second).not.toBe(first);
    expect(second.size).toBe(1500 + 20 + 40 - 1);
    expect(second.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(a.stores, tenant));
    expect(await a.cache.columnsFor(tenant)).toBe(second);
  });

  it("stays right when the instance's store was closed to make room while another instance wrote", async () => {
    const [tenant, other] = [newTenantId(), newTenantId()];
    const a = instance(1);
    const b = instance();
    await (await a.stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(600, 41) }));
    const first = await a.cache.columnsFor(tenant);
    // One open store at a time: using another tenant closes this one's pools.
    await (await a.stores.open(other)).applyBatch(batch({ upserts: fixtureWorklogs(10, 42) }));
    await (await b.stores.open(tenant)).applyBatch(batch({ upserts: fixtureWorklogs(25, 43, 70_000) }));
    const second = await a.cache.columnsFor(tenant);
    expect(second).not.toBe(first);
    expect(second.summarize(byMonth, fixtureIssueInfo)).toEqual(await truth(b.stores, tenant));
  });
});
