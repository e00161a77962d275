import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { createLogger } from '../platform/logger.js';
import { controlDialects, useControlDb } from '../tenants/control-db-test-kit.js';
import { newTenantId } from '../tenants/tenant.js';
import { createScheduleStore } from './schedule-store.js';
import { createControlDbScheduler } from './scheduler.js';
import type { TaskOutcome } from './task.js';

const T0 = Date.UTC(2026, 2, 3, 9, 0, 0);

describe.each(controlDialects)('control-database scheduler (%s)', (dialect) => {
  const kit = useControlDb(dialect);
  const make = (clock = createManualClock(T0)) => ({ clock, scheduler: createControlDbScheduler({ store: createScheduleStore(kit.control().db), clock, logger: createLogger({ level: 'silent' }) }) });

  it('sets the next run from the task’s outcome: done an interval on, retry after its delay, failed after the failure delay', async () => {
    const { clock, scheduler } = make();
    const outcomes: TaskOutcome[] = [{ status: 'done' }, { status: 'retry', retryAfterMs: 5_000, reason: 'busy' }, { status: 'failed', reason: 'boom' }];
    scheduler.declarePeriodic({ name: 'work', everyMs: 60 * 60_000, failureRetryMs: 10_000, task: async () => outcomes.shift()! });
    const next = async () => (await scheduler.list()).find((row) => row.name === 'work')!.nextRunAtMs - clock.nowMs();
    expect(await scheduler.runDue()).toEqual(['work']);
    expect(await next()).toBe(60 * 60_000);
    clock.advanceMs(60 * 60_000);
    await scheduler.runDue();
    expect(await next()).toBe(5_000);
    clock.advanceMs(5_000);
    await scheduler.runDue();
    expect(await next()).toBe(10_000);
    expect(await scheduler.runDue()).toEqual([]);
  });

  it('keeps a task’s progress between runs and runs a claimed run in one process only', async () => {
    const { clock, scheduler } = make();
    const other = make(clock).scheduler;
    const seen: unknown[] = [];
    for (const s of [scheduler, other]) {
      s.declarePeriodic({
        name: 'count',
        everyMs: 1_000,
        task: async (_payload, { progress }) => {
          const n = ((await progress.read()) as number | undefined) ?? 0;
          seen.push(n);
          await progress.save(n + 1);
          return { status: 'done' };
        },
      });
    }
    const [a, b] = await Promise.all([scheduler.runDue(), other.runDue()]);
    expect([...a, ...b]).toEqual(['count']);
    clock.advanceMs(1_000);
    await other.runDue();
    expect(seen).toEqual([0, 1]);
  });

  it('cancels every schedule of one tenant and nothing else', async () => {
    const { scheduler } = make();
    const [a, b] = [newTenantId(), newTenantId()];
    scheduler.declarePerTenant({ name: 'per-tenant', everyMs: 1_000, tenants: async () => [a, b], firstRunAfterMs: () => 500, task: async () => ({ status: 'done' }) });
    scheduler.declarePeriodic({ name: 'app-wide', everyMs: 1_000, task: async () => ({ status: 'done' }) });
    await scheduler.runDue();
    await createScheduleStore(kit.control().db).upsert({ name: 'other', tenantId: a }, T0, '{"n":1}');
    expect(await scheduler.cancelTenant(a)).toBe(2);
    expect((await scheduler.list()).map((row) => [row.name, row.tenantId])).toEqual([
      ['app-wide', undefined],
      ['per-tenant', b],
    ]);
  });
});
