/**
 * The behaviour every {@link StoreProvider} must show, as one vitest suite a provider's test file
 * calls with its own factory (SQLite now, PostgreSQL later). Only imported by `*.test.ts` files.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { initialSyncState, type StoreProvider, type SyncBatch, type TenantStore } from './tenant-store.js';
import type { WorklogRow } from './worklog-row.js';

/** A fresh provider on empty storage, and how to remove that storage. */
export interface StoreProviderHarness {
  provider: StoreProvider;
  cleanup(): Promise<void>;
  /** A new provider over the same storage (after `provider.close()`), to prove data is durable. */
  reopen?(): Promise<StoreProvider>;
}

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

/** A valid worklog with id `id`, `updated` at T0 + `updatedOffsetMs`. */
export function makeWorklog(id: number, overrides: Partial<WorklogRow> = {}, updatedOffsetMs = 0): WorklogRow {
  const updatedMs = T0 + updatedOffsetMs;
  return {
    clientWorklogId: id,
    accountId: `5b10a2844c20165700ede${String(id % 1000).padStart(3, '0')}`,
    clientIssueId: 10_000 + (id % 50),
    comment: `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"work ${id}"}]}]}`,
    created: '2026-01-15T09:00:00.000+0000',
    updated: new Date(updatedMs).toISOString().replace('Z', '+0000'),
    started: '2026-01-14T08:30:00.000+0100',
    timeSpentSeconds: 3600,
    startedMs: Date.UTC(2026, 0, 14, 7, 30),
    updatedMs,
    ...overrides,
  };
}

const batch = (parts: Partial<SyncBatch>): SyncBatch => ({ upserts: [], deletions: [], ...parts });

async function readAll(store: TenantStore): Promise<WorklogRow[]> {
  const rows: WorklogRow[] = [];
  for await (const page of store.streamWorklogs()) rows.push(...page);
  return rows;
}

/**
 * Registers the contract suite `TenantStore contract (<name>)`. `makeProvider` is called once per
 * test; `cleanup` runs after it, also when it failed.
 */
export function describeTenantStoreContract(name: string, makeProvider: () => Promise<StoreProviderHarness>): void {
  describe(`TenantStore contract (${name})`, () => {
    let harness: StoreProviderHarness;
    let providers: StoreProvider[];
    // A new tenant per test, so a provider whose storage outlives one test (a shared server) starts each test empty too.
    let fixedTenant: TenantId;
    beforeEach(async () => {
      fixedTenant = newTenantId();
      harness = await makeProvider();
      providers = [harness.provider];
    });
    afterEach(async () => {
      for (const provider of providers) await provider.close();
      await harness.cleanup();
    });
    const open = (tenantId: TenantId = fixedTenant) => harness.provider.open(tenantId);

    it('starts empty, with the initial sync state', async () => {
      const store = await open();
      expect(await store.getSyncState()).toEqual(initialSyncState);
      expect(await store.countWorklogs()).toBe(0);
      expect(await store.listWorklogIds()).toEqual([]);
      expect(await readAll(store)).toEqual([]);
    });

    it('returns the same store for the same tenant and keeps every field of a row', async () => {
      const store = await open();
      expect(await open()).toBe(store);
      const row = makeWorklog(7, { accountId: null, comment: null });
      await store.applyBatch(batch({ upserts: [row, makeWorklog(9_007_199_254_740_991)] }));
      expect(await readAll(store)).toEqual([row, makeWorklog(9_007_199_254_740_991)]);
    });

    it('counts inserted, updated and stale upserts exactly', async () => {
      const store = await open();
      expect(await store.applyBatch(batch({ upserts: [makeWorklog(1), makeWorklog(2)] }))).toEqual({ inserted: 2, updated: 0, skippedStale: 0, deleted: 0, deletedIssueIds: expect.any(Array) });
      const newer = makeWorklog(1, { comment: 'edited', timeSpentSeconds: 60 }, 1000);
      const result = await store.applyBatch(batch({ upserts: [newer, makeWorklog(2, {}, -1000), makeWorklog(3)] }));
      expect(result).toEqual({ inserted: 1, updated: 1, skippedStale: 1, deleted: 0, deletedIssueIds: expect.any(Array) });
      expect(await readAll(store)).toEqual([newer, makeWorklog(2), makeWorklog(3)]);
    });

    it('keeps the newest updated and ignores an equal updated with other content', async () => {
      const store = await open();
      const newest = makeWorklog(1, { comment: 'newest' }, 5000);
      await store.applyBatch(batch({ upserts: [newest] }));
      const older = makeWorklog(1, { comment: 'older' }, 1000);
      const sameTime = makeWorklog(1, { comment: 'same time, other text' }, 5000);
      expect(await store.applyBatch(batch({ upserts: [older, sameTime] }))).toMatchObject({ inserted: 0, updated: 0, skippedStale: 2 });
      expect(await readAll(store)).toEqual([newest]);
    });

    it('resolves the same id twice in one batch by updated, in order', async () => {
      const store = await open();
      const result = await store.applyBatch(batch({ upserts: [makeWorklog(1, {}, 0), makeWorklog(1, { comment: 'b' }, 300), makeWorklog(1, { comment: 'c' }, 200)] }));
      expect(result).toEqual({ inserted: 1, updated: 1, skippedStale: 1, deleted: 0, deletedIssueIds: expect.any(Array) });
      expect(await readAll(store)).toEqual([makeWorklog(1, { comment: 'b' }, 300)]);
    });

    it('does not resurrect a deleted worklog when an older page is applied again', async () => {
      const store = await open();
      const page = batch({ upserts: [makeWorklog(1), makeWorklog(2)] });
      await store.applyBatch(page);
      const deletion = batch({ deletions: [{ clientWorklogId: 1, deletedAtMs: T0 + 500 }] });
      expect(await store.applyBatch(deletion)).toEqual({ inserted: 0, updated: 0, skippedStale: 0, deleted: 1, deletedIssueIds: [makeWorklog(1).clientIssueId] });
      expect(await store.applyBatch(page)).toEqual({ inserted: 0, updated: 0, skippedStale: 2, deleted: 0, deletedIssueIds: [] });
      expect(await store.applyBatch(batch({ upserts: [makeWorklog(1, {}, 500)] }))).toMatchObject({ skippedStale: 1 });
      expect(await store.listWorklogIds()).toEqual([2]);
    });

    it('stores an upsert again only when its updated is after the deletion', async () => {
      const store = await open();
      await store.applyBatch(batch({ deletions: [{ clientWorklogId: 1, deletedAtMs: T0 + 500 }] }));
      expect(await store.applyBatch(batch({ upserts: [makeWorklog(1, {}, 501)] }))).toMatchObject({ inserted: 1 });
      expect(await store.listWorklogIds()).toEqual([1]);
    });

    it('lets a deletion win over a stored row whatever its updated', async () => {
      const store = await open();
      await store.applyBatch(batch({ upserts: [makeWorklog(1, {}, 9000)] }));
      expect(await store.applyBatch(batch({ deletions: [{ clientWorklogId: 1, deletedAtMs: T0 + 500 }] }))).toMatchObject({ deleted: 1 });
      expect(await store.countWorklogs()).toBe(0);
    });

    it('tombstones a deletion of an absent worklog and keeps the latest deletion time', async () => {
      const store = await open();
      expect(await store.applyBatch(batch({ deletions: [{ clientWorklogId: 9, deletedAtMs: T0 + 500 }] }))).toMatchObject({ deleted: 0 });
      await store.applyBatch(batch({ deletions: [{ clientWorklogId: 9, deletedAtMs: T0 + 100 }] }));
      expect(await store.applyBatch(batch({ upserts: [makeWorklog(9, {}, 400)] }))).toMatchObject({ inserted: 0, skippedStale: 1 });
      expect(await store.countWorklogs()).toBe(0);
    });

    it('changes nothing when the same batch is applied again', async () => {
      const store = await open();
      const once = batch({
        upserts: [makeWorklog(1), makeWorklog(2), makeWorklog(3)],
        deletions: [{ clientWorklogId: 2, deletedAtMs: T0 + 10 }],
        state: { phase: 'incremental', updatedCursorMs: T0 },
      });
      expect(await store.applyBatch(once)).toEqual({ inserted: 3, updated: 0, skippedStale: 0, deleted: 1, deletedIssueIds: expect.any(Array) });
      const before = await readAll(store);
      expect(await store.applyBatch(once)).toEqual({ inserted: 0, updated: 0, skippedStale: 3, deleted: 0, deletedIssueIds: expect.any(Array) });
      expect(await readAll(store)).toEqual(before);
      expect(await store.getSyncState()).toEqual({ ...initialSyncState, phase: 'incremental', updatedCursorMs: T0 });
    });

    it('merges state patches, clears a field set to undefined, and keeps it across a re-open', async () => {
      const store = await open();
      await store.applyBatch(batch({ state: { phase: 'full', updatedCursorMs: 10, fullSyncStartedAtMs: T0 } }));
      await store.applyBatch(batch({ state: { updatedCursorMs: 20, fullSyncWorklogs: 3 } }));
      await store.applyBatch(batch({ state: { fullSyncStartedAtMs: undefined, deletedCursorMs: 5 } }));
      const expected = { ...initialSyncState, phase: 'full', updatedCursorMs: 20, deletedCursorMs: 5, fullSyncWorklogs: 3 };
      expect(await store.getSyncState()).toEqual(expected);

      let again = harness.provider;
      if (harness.reopen === undefined) {
        await store.close();
      } else {
        await harness.provider.close();
        again = await harness.reopen();
        providers.push(again);
      }
      const reopened = await again.open(fixedTenant);
      expect(reopened).not.toBe(store);
      expect(await reopened.getSyncState()).toEqual(expected);
    });

    it('keeps two tenants apart', async () => {
      const a = await open(newTenantId());
      const b = await open(newTenantId());
      expect(a).not.toBe(b);
      await a.applyBatch(batch({ upserts: [makeWorklog(1), makeWorklog(2)], state: { updatedCursorMs: 1 } }));
      await b.applyBatch(batch({ upserts: [makeWorklog(2, { comment: 'b' }), makeWorklog(3)] }));
      await b.applyBatch(batch({ deletions: [{ clientWorklogId: 1, deletedAtMs: T0 }] }));
      expect(await a.listWorklogIds()).toEqual([1, 2]);
      expect(await b.listWorklogIds()).toEqual([2, 3]);
      expect((await readAll(a))[1]).toEqual(makeWorklog(2));
      expect(await b.getSyncState()).toEqual(initialSyncState);
      await harness.provider.destroy(b.tenantId);
      expect(await a.countWorklogs()).toBe(2);
    });

    it('destroys a tenant entirely; a later open starts empty; destroying again is harmless', async () => {
      const tenantId = newTenantId();
      const store = await open(tenantId);
      await store.applyBatch(batch({ upserts: [makeWorklog(1)], deletions: [{ clientWorklogId: 5, deletedAtMs: T0 }], state: { phase: 'incremental' } }));
      await harness.provider.destroy(tenantId);
      await harness.provider.destroy(tenantId);
      await expect(store.countWorklogs()).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
      const fresh = await open(tenantId);
      expect(await fresh.countWorklogs()).toBe(0);
      expect(await fresh.getSyncState()).toEqual(initialSyncState);
      // The tombstone went too: the id can be stored again.
      expect(await fresh.applyBatch(batch({ upserts: [makeWorklog(5)] }))).toMatchObject({ inserted: 1 });
      await harness.provider.destroy(newTenantId());
    });

    it('streams every row in id order, in pages no larger than asked', async () => {
      const store = await open();
      const ids = Array.from({ length: 2500 }, (_, i) => (i * 7919) % 2500 + 1); // a permutation of 1..2500
      for (let i = 0; i < ids.length; i += 700) await store.applyBatch(batch({ upserts: ids.slice(i, i + 700).map((id) => makeWorklog(id)) }));
      const sizes: number[] = [];
      const streamed: number[] = [];
      for await (const page of store.streamWorklogs(1000)) {
        sizes.push(page.length);
        streamed.push(...page.map((row) => row.clientWorklogId));
      }
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(streamed).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
      expect(await store.listWorklogIds()).toEqual(streamed);
      expect(await store.countWorklogs()).toBe(2500);
      const exact: number[] = [];
      for await (const page of store.streamWorklogs(500)) exact.push(page.length);
      expect(exact).toEqual([500, 500, 500, 500, 500]);
    });

    it('keeps data through a bulk load, and both ends of it are idempotent', async () => {
      const store = await open();
      await store.applyBatch(batch({ upserts: [makeWorklog(1)] }));
      await store.beginBulkLoad();
      await store.beginBulkLoad();
      expect(await store.isBulkLoading?.()).not.toBe(false);
      await store.applyBatch(batch({ upserts: [makeWorklog(2), makeWorklog(1, { comment: 'x' }, 10)] }));
      await store.endBulkLoad();
      await store.endBulkLoad();
      expect(await store.isBulkLoading?.()).not.toBe(true);
      expect(await readAll(store)).toEqual([makeWorklog(1, { comment: 'x' }, 10), makeWorklog(2)]);
      expect(await store.applyBatch(batch({ upserts: [makeWorklog(2)] }))).toMatchObject({ skippedStale: 1 });
    });

    it.each(['../x', '', 't_../../../etc/passwd', 'T_0123456789ABCDEF01234567', 't_0123456789abcdef0123456', '/tmp/t_0123456789abcdef01234567'])(
      'refuses the malformed tenant id %j',
      async (value) => {
        const refused = (error: unknown) => isAppError(error, 'STORE_TENANT_ID_INVALID');
        await expect(harness.provider.open(value as TenantId)).rejects.toSatisfy(refused);
        await expect(harness.provider.destroy(value as TenantId)).rejects.toSatisfy(refused);
      },
    );

    it('stores comments and account ids verbatim, whatever characters they hold', async () => {
      const store = await open();
      const texts = [
        "'); DROP TABLE worklogs; --",
        'Überstunden 🎉👩‍💻 — 日本語 \u200b "quoted" \\ backslash',
        // No raw NUL: PostgreSQL text cannot hold one, and Jira's JSON text carries it escaped.
        'tab \t, newline \n, CR \r, escaped NUL \\u0000, emoji 🧪',
        '%_ LIKE wildcards and $1 ? :name @p placeholders',
      ];
      const rows = texts.map((text, i) => makeWorklog(i + 1, { comment: text, accountId: `${text.slice(0, 5)}:${i}` }));
      await store.applyBatch(batch({ upserts: rows }));
      expect(await readAll(store)).toEqual(rows);
    });

    it('rolls back a failing batch entirely, state included', async () => {
      const store = await open();
      await store.applyBatch(batch({ upserts: [makeWorklog(1)], state: { updatedCursorMs: 100 } }));
      const broken = { ...makeWorklog(3), created: null } as unknown as WorklogRow;
      const failing = batch({
        upserts: [makeWorklog(2), makeWorklog(1, { comment: 'edited' }, 50), broken],
        deletions: [{ clientWorklogId: 1, deletedAtMs: T0 + 100 }],
        state: { updatedCursorMs: 200, phase: 'incremental' },
      });
      await expect(store.applyBatch(failing)).rejects.toSatisfy((error) => isAppError(error, 'STORE_WRITE_FAILED'));
      expect(await readAll(store)).toEqual([makeWorklog(1)]);
      expect(await store.getSyncState()).toEqual({ ...initialSyncState, updatedCursorMs: 100 });
      // Nothing of the failed batch blocks a correct retry (no tombstone was kept either).
      expect(await store.applyBatch({ ...failing, upserts: failing.upserts.slice(0, 2), deletions: [] })).toMatchObject({ inserted: 1, updated: 1 });
    });

    it.each([Number.NaN, null, 2.5, 2 ** 53])('refuses the worklog id %s without writing anything', async (badId) => {
      const store = await open();
      const rows = [makeWorklog(1), makeWorklog(badId as number)];
      await expect(store.applyBatch(batch({ upserts: rows }))).rejects.toSatisfy((error) => isAppError(error, 'STORE_WRITE_FAILED'));
      const deletion = batch({ deletions: [{ clientWorklogId: badId as number, deletedAtMs: T0 }] });
      await expect(store.applyBatch(deletion)).rejects.toSatisfy((error) => isAppError(error, 'STORE_WRITE_FAILED'));
      expect(await store.countWorklogs()).toBe(0);
    });

    it('reads stored rows by id: the current version, each once, absent and deleted ids skipped', async () => {
      const store = await open();
      const ids = Array.from({ length: 2345 }, (_, i) => i + 1);
      await store.applyBatch(batch({ upserts: ids.map((id) => makeWorklog(id)) }));
      const edited = makeWorklog(17, { comment: 'edited', timeSpentSeconds: 60, accountId: null }, 1000);
      await store.applyBatch(batch({ upserts: [edited], deletions: [{ clientWorklogId: 18, deletedAtMs: T0 + 1 }] }));
      const byId = (rows: WorklogRow[]) => [...rows].sort((a, b) => a.clientWorklogId - b.clientWorklogId);

      expect(await store.getWorklogsByIds([])).toEqual([]);
      expect(byId(await store.getWorklogsByIds([19, 17, 18, 99_999, 17, 19]))).toEqual([edited, makeWorklog(19)]);
      // More ids than any provider's chunk, in a scrambled order, with absent ids in between.
      const asked = [...ids].reverse().flatMap((id) => [id, id + 1_000_000]);
      const expected = ids.filter((id) => id !== 18).map((id) => (id === 17 ? edited : makeWorklog(id)));
      expect(byId(await store.getWorklogsByIds(asked))).toEqual(expected);
      expect(await store.getWorklogsByIds([Number.NaN, 2.5, 2 ** 53])).toEqual([]);
    });

    it('reads the time columns of every worklog of the asked issues, each once, current versions only', async () => {
      const store = await open();
      // 300 issues with 0 to 3 worklogs each (issue n has n % 4), so several chunks and empty issues.
      const rows = Array.from({ length: 300 }, (_, n) => n + 1).flatMap((issue) =>
        Array.from({ length: issue % 4 }, (_, k) =>
          makeWorklog(issue * 10 + k, { clientIssueId: 50_000 + issue, startedMs: T0 - issue * 60_000 - k, timeSpentSeconds: issue + k, accountId: k === 2 ? null : `acc-${k}` }),
        ),
      );
      await store.applyBatch(batch({ upserts: rows }));
      const edited = makeWorklog(71, { clientIssueId: 50_007, startedMs: T0, timeSpentSeconds: 5, accountId: 'acc-9' }, 1000);
      const movedAway = makeWorklog(61, { clientIssueId: 49_999 }, 1000);
      await store.applyBatch(batch({ upserts: [edited, movedAway], deletions: [{ clientWorklogId: 31, deletedAtMs: T0 + 1 }] }));
      const current = new Map(rows.map((row) => [row.clientWorklogId, row]));
      current.set(71, edited).set(61, movedAway).delete(31);

      const asked = [...Array.from({ length: 300 }, (_, n) => 50_300 - n), 50_007, 50_013, 123, Number.NaN, 2 ** 53];
      const askedSet = new Set(asked);
      const time = (row: Pick<WorklogRow, 'clientIssueId' | 'accountId' | 'startedMs' | 'timeSpentSeconds'>) => ({
        clientIssueId: row.clientIssueId,
        accountId: row.accountId,
        startedMs: row.startedMs,
        timeSpentSeconds: row.timeSpentSeconds,
      });
      const order = (a: ReturnType<typeof time>, b: ReturnType<typeof time>) => a.clientIssueId - b.clientIssueId || a.startedMs - b.startedMs || a.timeSpentSeconds - b.timeSpentSeconds;
      const expected = [...current.values()].filter((row) => askedSet.has(row.clientIssueId)).map(time).sort(order);
      const read = await store.getWorklogsOfIssues(asked);
      expect(read.map(time).sort(order)).toEqual(expected);
      expect(read).toHaveLength(expected.length);
      expect(read.find((row) => row.clientIssueId === 50_007 && row.accountId === 'acc-9')).toEqual(time(edited));
      expect(await store.getWorklogsOfIssues([])).toEqual([]);
      expect(await store.getWorklogsOfIssues([50_004, 50_008])).toEqual([]);
      expect(await store.getWorklogsOfIssues([49_999])).toEqual([time(movedAway)]);
    });

    it('scans the report columns of every row in id order, in batches no larger than asked', async () => {
      const store = await open();
      const rows = Array.from({ length: 1234 }, (_, i) => makeWorklog((i * 7919) % 1234 + 1, { startedMs: T0 - i * 60_000, timeSpentSeconds: i, accountId: i % 5 === 0 ? null : `acc-${i % 7}` }));
      for (let i = 0; i < rows.length; i += 500) await store.applyBatch(batch({ upserts: rows.slice(i, i + 500) }));
      await store.applyBatch(batch({ deletions: [{ clientWorklogId: 5, deletedAtMs: T0 + 1 }] }));
      const sizes: number[] = [];
      const scanned: (readonly unknown[])[] = [];
      for await (const page of store.scanReportColumns(300)) {
        sizes.push(page.length);
        scanned.push(...page);
      }
      const expected = rows
        .filter((row) => row.clientWorklogId !== 5)
        .sort((a, b) => a.clientWorklogId - b.clientWorklogId)
        .map((row) => [row.clientWorklogId, row.accountId, row.clientIssueId, row.startedMs, row.timeSpentSeconds]);
      expect(scanned).toEqual(expected);
      expect(sizes).toEqual([300, 300, 300, 300, 33]);
      const all: number[] = [];
      for await (const page of store.scanReportColumns()) all.push(page.length);
      expect(all.reduce((sum, n) => sum + n, 0)).toBe(1233);
      await expect(store.scanReportColumns(0)[Symbol.asyncIterator]().next()).rejects.toThrow(RangeError);
    });

    it('lists each stored account id once, in byte order, with the oldest updated of its worklogs', async () => {
      const store = await open();
      expect(await store.listAccountIds()).toEqual([]);
      // Byte order, not a locale's: 'Zed' < 'abc' < 'ábc', and the 557058: form before 5be….
      const accounts = ['abc', '5be24ad8b1653240376955d2', 'Zed', '557058:0f2c5a1e-0000-4000-8000-000000000001', 'ábc'];
      const rows = accounts.flatMap((accountId, i) => [
        makeWorklog(10 * i + 1, { accountId }, 5_000 + i),
        makeWorklog(10 * i + 2, { accountId }, 1_000 + i),
        makeWorklog(10 * i + 3, { accountId }, 9_000),
      ]);
      await store.applyBatch(batch({ upserts: [...rows, makeWorklog(99, { accountId: null }, -50_000)] }));
      const byteOrder = [...accounts].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await store.listAccountIds()).toEqual(byteOrder.map((accountId) => ({ accountId, oldestUpdatedMs: T0 + 1_000 + accounts.indexOf(accountId) })));
    });

    it('erases an account id and its worklogs’ comments, and nothing else', async () => {
      const store = await open();
      const closed = '5be24ba3f91c106033269289';
      const theirs = [makeWorklog(1, { accountId: closed }), makeWorklog(2, { accountId: closed, comment: null }, 10)];
      const others = [makeWorklog(3), makeWorklog(4, { accountId: null }), makeWorklog(5, { accountId: `${closed}x` })];
      await store.applyBatch(batch({ upserts: [...theirs, ...others] }));

      expect(await store.eraseAccount(closed)).toBe(2);
      const erased = theirs.map((row) => ({ ...row, accountId: null, comment: null }));
      expect(await readAll(store)).toEqual([...erased, ...others]);
      expect((await store.listAccountIds()).map((account) => account.accountId)).not.toContain(closed);
      // Idempotent, and harmless for an account the store never held.
      expect(await store.eraseAccount(closed)).toBe(0);
      expect(await store.eraseAccount('557058:never-stored')).toBe(0);
      // `updated` was kept, so the sync re-reading the same version does not bring the data back…
      expect(await store.applyBatch(batch({ upserts: theirs }))).toMatchObject({ skippedStale: 2, updated: 0 });
      expect(await store.getWorklogsByIds([1, 2])).toEqual(expect.arrayContaining(erased));
      // …only a newer edit in Jira does (and the next report cycle erases it again).
      const edited = makeWorklog(1, { accountId: closed, comment: 'edited later' }, 60_000);
      expect(await store.applyBatch(batch({ upserts: [edited] }))).toMatchObject({ updated: 1 });
      expect(await store.getWorklogsByIds([1])).toEqual([edited]);
    });

    it('keeps an erase across a re-open', async () => {
      if (!harness.reopen) return;
      const store = await open();
      await store.applyBatch(batch({ upserts: [makeWorklog(1, { accountId: 'acc-closed' }), makeWorklog(2, { accountId: 'acc-active' })] }));
      await store.eraseAccount('acc-closed');
      await harness.provider.close();
      const reopened = await harness.reopen();
      providers.push(reopened);
      const rows = await (await reopened.open(fixedTenant)).getWorklogsByIds([1, 2]);
      expect(rows.map((row) => [row.clientWorklogId, row.accountId, row.comment === null]).sort()).toEqual([
        [1, null, true],
        [2, 'acc-active', false],
      ]);
    });

    it('refuses calls on a closed store', async () => {
      const store = await open();
      await store.close();
      await store.close();
      await expect(store.applyBatch(batch({ upserts: [makeWorklog(1)] }))).rejects.toSatisfy((error) => isAppError(error, 'STORE_UNAVAILABLE'));
      const reopened = await open();
      expect(reopened).not.toBe(store);
      expect(await reopened.countWorklogs()).toBe(0);
    });
  });
}
