import { describe, expect, it } from 'vitest';
import type { Job, JobQueue } from '../jobs/job-queue.js';
import type { PeriodicSchedule } from '../jobs/scheduler.js';
import { createManualClock } from '../platform/clock.js';
import { createLogger } from '../platform/logger.js';
import { createTenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createSyncService } from './sync-service.js';

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

  it('declares the interval’s incremental sync and reconciliation with the scheduler, first due one interval on', () => {
    const { declared } = setup();
    expect(declared.map(({ name, everyMs, firstRunAfterMs }) => ({ name, everyMs, firstRunAfterMs }))).toEqual([
      { name: 'sync-incremental', everyMs: 30_000, firstRunAfterMs: 30_000 },
      { name: 'sync-reconcile', everyMs: 30_000, firstRunAfterMs: 30_000 },
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
