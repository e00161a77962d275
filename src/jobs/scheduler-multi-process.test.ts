import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { createLogger } from '../platform/logger.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import { createControlDbTarget } from '../tenants/control-db-test-kit.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createScheduleStore } from './schedule-store.js';
import { createControlDbScheduler, type Scheduler } from './scheduler.js';

/*
 * Why Tally keeps its own scheduler on PostgreSQL rather than pg-boss's cron
 * (docs/jobs-on-postgres.md): it must stay safe with any number of instances. Two schedulers,
 * each with its own pool on one PostgreSQL control database (two "instances"), run their passes
 * at the same moments; every due run must run exactly once.
 */

const T0 = Date.UTC(2026, 2, 3, 9, 0, 0);
const STEP_MS = 500;
const ROUNDS = 20;
const PERIODIC_EVERY_MS = 1_000;
const PER_TENANT_EVERY_MS = 2_000;

describe('two control-database schedulers on one PostgreSQL database', () => {
  const opened: ControlDb[] = [];
  let url = '';
  beforeEach(async (context) => {
    const target = await createControlDbTarget('postgres');
    url = (target.options as { databaseUrl: string }).databaseUrl;
    context.onTestFinished(async ({ task }) => {
      await Promise.all(opened.splice(0).map((control) => control.close()));
      if (task.result?.state === 'fail') console.warn(`Kept the control database of a failed test: ${target.location}`);
      else await target.remove();
    });
  });

  it('never run the same due schedule twice, and run every due one', async () => {
    const clock = createManualClock(T0);
    const tenants: TenantId[] = Array.from({ length: 8 }, () => newTenantId());
    const offsetOf = (tenantId: TenantId) => (tenants.indexOf(tenantId) * STEP_MS) % PER_TENANT_EVERY_MS;
    const runs: { what: string; atMs: number; by: string }[] = [];
    const makeScheduler = async (by: string): Promise<Scheduler> => {
      const control = await openControlDb({ databaseUrl: url });
      opened.push(control);
      const scheduler = createControlDbScheduler({ store: createScheduleStore(control.db), clock, logger: createLogger({ level: 'silent' }) });
      // A few milliseconds of work, so the two passes interleave at the database.
      const work = async (what: string) => {
        runs.push({ what, atMs: clock.nowMs(), by });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        return { status: 'done' } as const;
      };
      scheduler.declarePeriodic({ name: 'retention', everyMs: PERIODIC_EVERY_MS, task: () => work('retention') });
      scheduler.declarePerTenant({
        name: 'backup',
        everyMs: PER_TENANT_EVERY_MS,
        tenants: async () => tenants,
        firstRunAfterMs: offsetOf,
        task: ({ tenantId }) => work(`backup:${tenantId}`),
      });
      return scheduler;
    };
    // One after the other: both migrate the same database on open.
    const a = await makeScheduler('a');
    const b = await makeScheduler('b');

    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all([a.runDue(), b.runDue()]);
      clock.advanceMs(STEP_MS);
    }

    // The truth, from the declarations alone: every run is due at first-run + n × interval.
    const lastMs = T0 + (ROUNDS - 1) * STEP_MS;
    const dueTimes = (firstMs: number, everyMs: number) => {
      const times: number[] = [];
      for (let t = firstMs; t <= lastMs; t += everyMs) times.push(t);
      return times;
    };
    const expected = new Map<string, number[]>([['retention', dueTimes(T0, PERIODIC_EVERY_MS)]]);
    for (const tenantId of tenants) expected.set(`backup:${tenantId}`, dueTimes(T0 + offsetOf(tenantId), PER_TENANT_EVERY_MS));
    const actual = new Map<string, number[]>();
    for (const run of runs) actual.set(run.what, [...(actual.get(run.what) ?? []), run.atMs]);
    for (const times of actual.values()) times.sort((x, y) => x - y);
    expect(actual).toEqual(expected);
    // Both instances took a share (the test would prove nothing if one always lost every race).
    expect(new Set(runs.map((run) => run.by))).toEqual(new Set(['a', 'b']));
  });
});
