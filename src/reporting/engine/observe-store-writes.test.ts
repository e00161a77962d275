import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStoreProvider } from '../../store/sqlite-store-provider.js';
import { describeTenantStoreContract } from '../../store/tenant-store.contract.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import { newTenantId, type TenantId } from '../../tenants/tenant.js';
import { worklogAt } from './engine-fixtures.js';
import { observeStoreWrites, type StoreWriteChange } from './observe-store-writes.js';

const makeDataDir = () => mkdtempSync(join(tmpdir(), 'tally-observed-'));

// The decorated provider is still a provider: the whole store contract holds through it.
describeTenantStoreContract('sqlite, observed', async () => {
  const dataDir = makeDataDir();
  return {
    provider: observeStoreWrites(createSqliteStoreProvider({ dataDir }), () => {}),
    reopen: async () => observeStoreWrites(createSqliteStoreProvider({ dataDir }), () => {}),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe('observeStoreWrites', () => {
  let dataDir: string;
  let raw: StoreProvider;
  let seen: { tenantId: TenantId; change: StoreWriteChange }[];
  const tenant = newTenantId();
  const T = Date.UTC(2026, 5, 1);

  beforeEach(() => {
    dataDir = makeDataDir();
    raw = createSqliteStoreProvider({ dataDir });
    seen = [];
  });
  afterEach(async () => {
    await raw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const record = (tenantId: TenantId, change: StoreWriteChange) => seen.push({ tenantId, change });
  const sortedIds = (change: StoreWriteChange | undefined) => change?.upserts.map((row) => row.clientWorklogId).sort((a, b) => a - b);

  it('reports what the store holds after the batch: the newest rows, and the ids a deletion or tombstone keeps out', async () => {
    const stores = observeStoreWrites(raw, record);
    const store = await stores.open(tenant);
    await store.applyBatch({ upserts: [worklogAt(1, T), worklogAt(2, T)], deletions: [{ clientWorklogId: 3, deletedAtMs: T + 10_000_000 }] });
    const newer = worklogAt(1, T, { timeSpentSeconds: 5, updatedMs: T + 9_000_000 });
    const olderThanTombstone = worklogAt(3, T, { updatedMs: T + 9_000_000 });
    const result = await store.applyBatch({ upserts: [newer, worklogAt(1, T, { updatedMs: T }), olderThanTombstone], deletions: [{ clientWorklogId: 2, deletedAtMs: T + 10_000_000 }] });
    expect(result).toMatchObject({ updated: 1, skippedStale: 2, deleted: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.tenantId).toBe(tenant);
    expect(sortedIds(seen[0]?.change)).toEqual([1, 2]);
    expect(seen[0]?.change.deletedIds).toEqual([3]);
    expect(seen[1]?.change.upserts).toEqual([newer]);
    expect(seen[1]?.change.deletedIds.sort()).toEqual([2, 3]);
  });

  it('stays silent when a batch changed no row', async () => {
    const stores = observeStoreWrites(raw, record);
    const store = await stores.open(tenant);
    const once = { upserts: [worklogAt(1, T)], deletions: [] };
    await store.applyBatch(once);
    await store.applyBatch(once);
    await store.applyBatch({ upserts: [], deletions: [{ clientWorklogId: 99, deletedAtMs: T }], state: { updatedCursorMs: 5 } });
    expect(seen).toHaveLength(1);
  });

  it('does not re-read for a tenant nobody observes', async () => {
    const stores = observeStoreWrites(raw, record, { isObserving: (tenantId) => tenantId !== tenant });
    await (await stores.open(tenant)).applyBatch({ upserts: [worklogAt(1, T)], deletions: [] });
    const other = newTenantId();
    await (await stores.open(other)).applyBatch({ upserts: [worklogAt(1, T)], deletions: [] });
    expect(seen.map((entry) => entry.tenantId)).toEqual([other]);
  });

  it('keeps the batch applied and asks to discard when the follower fails', async () => {
    const discarded: TenantId[] = [];
    const stores = observeStoreWrites(
      raw,
      () => {
        throw new Error('follower broke');
      },
      { onDiscard: (tenantId) => discarded.push(tenantId) },
    );
    const store = await stores.open(tenant);
    expect(await store.applyBatch({ upserts: [worklogAt(1, T)], deletions: [] })).toMatchObject({ inserted: 1 });
    expect(discarded).toEqual([tenant]);
    expect(await store.countWorklogs()).toBe(1);
  });

  it('asks to discard after an account erase that changed rows, and only then', async () => {
    const discarded: TenantId[] = [];
    const stores = observeStoreWrites(raw, record, { onDiscard: (tenantId) => discarded.push(tenantId) });
    const store = await stores.open(tenant);
    await store.applyBatch({ upserts: [worklogAt(1, T, { accountId: 'acc-closed' })], deletions: [] });
    expect(await store.eraseAccount('acc-absent')).toBe(0);
    expect(discarded).toEqual([]);
    expect(await store.eraseAccount('acc-closed')).toBe(1);
    expect(discarded).toEqual([tenant]);
  });

  it('notifies batches in order, each from a read made after the previous notification', async () => {
    // The first re-read is slow to answer: without ordering, the second batch's newer notice would
    // arrive first and the first batch's older read would then overwrite it.
    let slow = true;
    const slowFirstRead: StoreProvider = {
      ...raw,
      open: async (tenantId) => {
        const store = await raw.open(tenantId);
        return {
          ...store,
          getWorklogsByIds: async (ids) => {
            const rows = await store.getWorklogsByIds(ids);
            const delayed = slow;
            slow = false;
            if (delayed) await new Promise((resolve) => setTimeout(resolve, 30));
            return rows;
          },
        };
      },
    };
    const store = await observeStoreWrites(slowFirstRead, record).open(tenant);
    const first = store.applyBatch({ upserts: [worklogAt(1, T, { timeSpentSeconds: 1, updatedMs: T + 1 })], deletions: [] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = store.applyBatch({ upserts: [worklogAt(1, T, { timeSpentSeconds: 2, updatedMs: T + 2 })], deletions: [] });
    await Promise.all([first, second]);
    expect(seen.map((entry) => entry.change.upserts.map((row) => row.timeSpentSeconds))).toEqual([[1], [2]]);
  });

  it('returns the same decorated store while the underlying one is open', async () => {
    const stores = observeStoreWrites(raw, record);
    expect(await stores.open(tenant)).toBe(await stores.open(tenant));
  });
});
