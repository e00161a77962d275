import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { createInProcessJobQueue } from '../jobs/in-process-job-queue.js';
import { createOpenStorePool } from '../store/open-store-pool.js';
import { createSqliteStoreProvider } from '../store/sqlite-store-provider.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { Job, JobQueue } from '../jobs/job-queue.js';
import type { PeriodicSchedule } from '../jobs/scheduler.js';
import { createManualClock } from '../platform/clock.js';
import { createLogger } from '../platform/logger.js';
import { createTenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createSyncService, PRIORITY } from './sync-service.js';

function setup() {
  const enqueued: Job[] = [];
  const queue: JobQueue = {
    register() {},
    enqueue(job) {
      enqueued.push(job as Job);
    },
    cancel() {},
    idle: async () => {},
    snapshot: () => ({ running: [], queued: [] }),
    stop: async () => {},
  };
  const declared: PeriodicSchedule[] = [];
  const events = createTenantEvents((error) => {
    throw error;
  });
  const clock = createManualClock(Date.UTC(2026, 2, 3));
  const sync = createSyncService({
    queue,
    scheduler: { declarePeriodic: (schedule) => declared.push(schedule) },
    registry: { listInstalled: async () => [] } as unknown as TenantRegistry,
    events,
    clock,
    intervalSeconds: 30,
    reconcileIntervalMs: 86_400_000,
    logger: createLogger({ level: 'silent' }),
    stores: {} as never,
    credentials: { forTenant: async () => undefined },
    jiraClientFor: () => {
      throw new Error('no Jira in this test');
    },
  });
  sync.start();
  const webhook = (tenantId: TenantId, deliveryId: string) =>
    events.emit('worklogWebhook', { tenantId, event: 'worklog_updated', worklogId: '10', issueId: '1', deliveryId, timestampMs: clock.nowMs() });
  return { enqueued, declared, webhook, sync, clock };
}

describe('sync service', () => {
  it('applies a webhook retry once, and never lets one tenant’s delivery id suppress another’s', () => {
    const { enqueued, webhook } = setup();
    const [a, b] = [newTenantId(), newTenantId()];
    webhook(a, 'delivery-1');
    webhook(a, 'delivery-1');
    webhook(b, 'delivery-1');
    expect(enqueued.filter((job) => job.kind === 'webhook').map((job) => job.key)).toEqual([a, b]);
  });

  it('declares the interval’s incremental sync with the scheduler, first due one interval on (reconciliations follow the syncs)', () => {
    const { declared } = setup();
    expect(declared.map(({ name, everyMs, firstRunAfterMs }) => ({ name, everyMs, firstRunAfterMs }))).toEqual([
      { name: 'sync-incremental', everyMs: 30_000, firstRunAfterMs: 30_000 },
    ]);
  });

  it('stamps a full request with its time, so a full sync started since answers it', () => {
    const { enqueued, sync, clock } = setup();
    const tenant = newTenantId();
    sync.requestSync(tenant, 'full');
    sync.requestSync(tenant, 'auto');
    expect(enqueued.map((job) => job.payload)).toEqual([
      { tenantId: tenant, mode: 'full', requestedAtMs: clock.nowMs() },
      { tenantId: tenant, mode: 'auto' },
    ]);
  });
});

describe('sync service over more tenants than open stores', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  /** Three tenants reading one simulated site, their SQLite stores behind a pool of one open store. */
  async function pooledFleet({ keepsFailedWebhooks = false } = {}) {
    const harness = createJiraClientHarness({ generate: { worklogs: 120 } });
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-sync-service-'));
    const sqlite = createSqliteStoreProvider({ dataDir });
    let opens = 0;
    const calls = { getSyncState: 0, applyBatch: 0 };
    const counted: StoreProvider = {
      ...sqlite,
      open: async (tenantId) => {
        opens++;
        const store = await sqlite.open(tenantId);
        return {
          ...store,
          getSyncState: () => (calls.getSyncState++, store.getSyncState()),
          applyBatch: (batch) => (calls.applyBatch++, store.applyBatch(batch)),
        };
      },
    };
    const stores = createOpenStorePool(counted, { maxOpen: 1 });
    const tenants = [newTenantId(), newTenantId(), newTenantId()];
    const logger = createLogger({ level: 'silent' });
    const queue = createInProcessJobQueue({ concurrency: 1, logger });
    const declared: PeriodicSchedule[] = [];
    const events = createTenantEvents((error) => {
      throw error;
    });
    const sync = createSyncService({
      stores,
      credentials: { forTenant: async () => ({ ...harness.access, keepsFailedWebhooks }) },
      jiraClientFor: () => harness.client(),
      logger,
      queue,
      scheduler: { declarePeriodic: (schedule) => declared.push(schedule) },
      registry: { listInstalled: async () => tenants.map((id) => ({ id })) } as unknown as TenantRegistry,
      events,
      clock: harness.clock,
      intervalSeconds: 60,
      reconcileIntervalMs: 86_400_000,
    });
    cleanup = async () => {
      await sync.stop();
      await stores.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    sync.start();
    for (const tenantId of tenants) sync.requestSync(tenantId, 'full');
    await queue.idle();
    const interval = async (advanceMs: number) => {
      harness.sim.clock.advance(advanceMs);
      const helpers = { logger, clock: harness.clock, signal: new AbortController().signal, progress: { read: async () => undefined, save: async () => {} } };
      for (const schedule of declared) await schedule.task(undefined, helpers);
      await queue.idle();
    };
    return { harness, tenants, stores, interval, calls, sync, events, queue, opensSince: (before: number) => opens - before, opens: () => opens };
  }

  it('opens each tenant’s store once per interval, the reconciliation check included', async () => {
    const { tenants, interval, opens, opensSince } = await pooledFleet();
    const before = opens();
    await interval(60_000);
    // Before: the interval's separate reconciliation check opened every store once more (6 here).
    expect(opensSince(before)).toBe(tenants.length);
  });

  // On PostgreSQL every write is a transaction of several round trips on a site's connection: the
  // usual interval, where nothing changed, must cost one state read and no write.
  it('an interval in which nothing changed reads each tenant’s sync state once and writes nothing; a change is written', async () => {
    const { harness, tenants, stores, interval, calls } = await pooledFleet({ keepsFailedWebhooks: true });
    await interval(60_000);
    const before = { ...calls };
    const sentBefore = harness.sent.length;
    await interval(60_000);
    expect({ reads: calls.getSyncState - before.getSyncState, writes: calls.applyBatch - before.applyBatch }).toEqual({ reads: tenants.length, writes: 0 });
    // The re-read minute before the cursor holds the newest changes, stored already: not fetched again.
    expect(harness.sent.slice(sentBefore).filter((request) => request.url.includes('/worklog/list'))).toEqual([]);

    // A change that became visible late: its time is before the stored cursor, inside the re-read minute.
    const { updatedCursorMs } = await (await stores.open(tenants[0]!)).getSyncState();
    const late = [...harness.sim.site.worklogs.values()].find((worklog) => !worklog.visibility && worklog.updatedMs < updatedCursorMs - 60_000)!;
    Object.assign(late, { timeSpentSeconds: late.timeSpentSeconds + 120, updatedMs: updatedCursorMs - 10_000 });
    (harness.sim.site as unknown as { updatedFeed: { record(id: number, time: number): void } }).updatedFeed.record(late.id, late.updatedMs);
    await interval(60_000);
    for (const tenantId of tenants) expect((await (await stores.open(tenantId)).getWorklogsByIds([late.id]))[0]?.timeSpentSeconds).toBe(late.timeSpentSeconds);

    const edited = [...harness.sim.site.worklogs.values()].find((worklog) => !worklog.visibility)!;
    harness.sim.site.updateWorklog(edited.id, { timeSpentSeconds: edited.timeSpentSeconds + 60 }, edited.authorId);
    const removed = [...harness.sim.site.worklogs.values()].find((worklog) => !worklog.visibility && worklog.id !== edited.id)!;
    harness.sim.site.deleteWorklog(removed.id);
    const beforeChange = calls.applyBatch;
    // Past the feeds' hidden last minute.
    await interval(120_000);
    // Per tenant: the edited row with its cursor, the deletion with its cursor.
    expect(calls.applyBatch - beforeChange).toBe(2 * tenants.length);
    for (const tenantId of tenants) {
      const store = await stores.open(tenantId);
      const [row] = await store.getWorklogsByIds([Number(edited.id)]);
      expect(row?.timeSpentSeconds).toBe(edited.timeSpentSeconds);
      expect(await store.getWorklogsByIds([Number(removed.id)])).toEqual([]);
    }
  });

  it('knows the last incremental sync exactly, and stores it only when the stored one is ten minutes old', async () => {
    const { harness, tenants, stores, interval, sync } = await pooledFleet();
    const tenant = tenants[0]!;
    const storedMark = async () => (await (await stores.open(tenant)).getSyncState()).lastIncrementalSyncAtMs;
    // The harness's rate-limit sleeps move the clock during runs: times are bounded, not exact.
    const syncedAtMs = (await storedMark())!;
    expect(syncedAtMs).toBeLessThanOrEqual(harness.clock.nowMs());
    await interval(60_000);
    const exact = (await sync.adminFacts(tenant)).lastIncrementalSyncAtMs!;
    expect(exact).toBeGreaterThanOrEqual(syncedAtMs + 60_000);
    expect(exact).toBeLessThanOrEqual(harness.clock.nowMs());
    expect(await storedMark()).toBe(syncedAtMs);
    await interval(10 * 60_000);
    expect(await storedMark()).toBeGreaterThanOrEqual(syncedAtMs + 11 * 60_000);
    expect(await storedMark()).toBe((await sync.adminFacts(tenant)).lastIncrementalSyncAtMs);
  });

  it('records when a webhook arrived and its lag, but not Tally’s own notice after a write', async () => {
    const { harness, tenants, sync, events, queue } = await pooledFleet();
    const tenant = tenants[0]!;
    const worklog = harness.visibleWorklogs()[0]!;
    const notice = { tenantId: tenant, event: 'worklog_updated' as const, worklogId: String(worklog.id), issueId: String(worklog.issueId) };
    events.emit('worklogWebhook', { ...notice, deliveryId: 'delivery-1', timestampMs: harness.clock.nowMs() - 1_500 });
    await queue.idle();
    const receivedAtMs = harness.clock.nowMs();
    expect((await sync.adminFacts(tenant)).webhook).toEqual({ lastReceivedAtMs: receivedAtMs, lastLagMs: 1_500 });

    harness.sim.clock.advance(5_000);
    events.emit('worklogWebhook', { ...notice, deliveryId: 'tally-write:1:worklog_updated:1', timestampMs: harness.clock.nowMs(), source: 'tally-write' });
    await queue.idle();
    expect((await sync.adminFacts(tenant)).webhook).toEqual({ lastReceivedAtMs: receivedAtMs, lastLagMs: 1_500 });

    // A notice without Jira's timestamp: received, lag unknown.
    events.emit('worklogWebhook', { ...notice, deliveryId: 'delivery-2', timestampMs: undefined });
    await queue.idle();
    expect((await sync.adminFacts(tenant)).webhook).toEqual({ lastReceivedAtMs: harness.clock.nowMs(), lastLagMs: null });
  });

  it('queues a reconciliation after a synced run once the last one is older than the reconcile interval', async () => {
    const { tenants, stores, interval } = await pooledFleet();
    await interval(3_600_000);
    for (const tenantId of tenants) expect((await (await stores.open(tenantId)).getSyncState()).lastReconciledAtMs).toBeUndefined();
    await interval(24 * 3_600_000);
    for (const tenantId of tenants) {
      const state = await (await stores.open(tenantId)).getSyncState();
      expect(state.lastReconcile).toMatchObject({ repaired: 0, removedDeleted: 0, invisible: 0 });
      expect(state.lastReconcile?.jiraVisible).toBe(await (await stores.open(tenantId)).countWorklogs());
    }
  });
});

describe('sync service, small sites beside a big backfill', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('runs small sites’ first syncs before the next turn of a big site’s long tail, though they were queued after it', async () => {
    const big = createJiraClientHarness({ generate: { worklogs: 25_000, seed: 3 } });
    const small = createJiraClientHarness({ generate: { worklogs: 150, seed: 4 } });
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-long-tail-'));
    const stores = createSqliteStoreProvider({ dataDir });
    const bigId = newTenantId();
    const smallIds = [newTenantId(), newTenantId(), newTenantId()];
    const harnessOf = (tenantId: TenantId) => (tenantId === bigId ? big : small);
    const logger = createLogger({ level: 'silent' });
    const inner = createInProcessJobQueue({ concurrency: 1, logger });
    const outcomes: string[] = [];
    let smallsQueued = false;
    // The small sites install just after the big site's long-tail turn was queued: behind it in arrival.
    const queue: JobQueue = {
      ...inner,
      enqueue(job) {
        inner.enqueue(job);
        if (!smallsQueued && job.key === bigId && job.priority === PRIORITY.longTail) {
          smallsQueued = true;
          outcomes.push('smalls queued');
          for (const tenantId of smallIds) sync.requestSync(tenantId, 'full');
        }
      },
    };
    const sync = createSyncService({
      stores,
      credentials: { forTenant: async (tenantId) => harnessOf(tenantId).access },
      jiraClientFor: (tenantId) => harnessOf(tenantId).client(),
      logger,
      queue,
      scheduler: { declarePeriodic: () => {} },
      registry: { listInstalled: async () => [bigId, ...smallIds].map((id) => ({ id })) } as unknown as TenantRegistry,
      events: createTenantEvents((error) => {
        throw error;
      }),
      clock: big.clock,
      intervalSeconds: 60,
      reconcileIntervalMs: 86_400_000,
      onOutcome: (tenantId, outcome) => outcomes.push(`${tenantId === bigId ? 'big' : 'small'} ${outcome.status}`),
    });
    cleanup = async () => {
      await sync.stop();
      await stores.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    sync.requestSync(bigId, 'full');
    await inner.idle();

    const queuedAt = outcomes.indexOf('smalls queued');
    expect(queuedAt).toBeGreaterThan(0);
    // The three small sites' whole first syncs, then the big site's turns again, to the end.
    expect(outcomes.slice(queuedAt + 1, queuedAt + 4)).toEqual(['small synced', 'small synced', 'small synced']);
    expect(outcomes.at(-1)).toBe('big synced');
    expect((await (await stores.open(bigId)).countWorklogs())).toBe(big.visibleWorklogs().length);
  });
});
