import { describe, expect, it } from 'vitest';
import { controlDialects, useControlDb } from '../../tenants/control-db-test-kit.js';
import { createScheduleStore } from '../../jobs/schedule-store.js';
import { newTenantId } from '../../tenants/tenant.js';
import { createReportSchedule } from './report-schedule.js';

describe.each(controlDialects)('personal-data report schedule (%s)', (dialect) => {
  const kit = useControlDb(dialect);

  it('keeps a tenant’s due time and cycle progress, and clears the progress between cycles', async () => {
    const schedule = createReportSchedule(kit.control().db);
    const tenant = newTenantId();
    expect(await schedule.findTenantJob(tenant)).toBeUndefined();
    const progress = { cycleStartedAtMs: 1_700_000_000_000, reportedCount: 180, erasedCount: 2, failures: 1 };
    await schedule.saveTenantJob(tenant, { nextRunAtMs: 1_700_000_000_500, progress });
    expect(await schedule.findTenantJob(tenant)).toEqual({ nextRunAtMs: 1_700_000_000_500, progress });
    await schedule.saveTenantJob(tenant, { nextRunAtMs: 1_700_604_800_000, progress: undefined });
    expect(await schedule.findTenantJob(tenant)).toEqual({ nextRunAtMs: 1_700_604_800_000, progress: undefined });
  });

  it('treats unreadable progress as none, so the cycle starts over', async () => {
    const { db } = kit.control();
    const schedule = createReportSchedule(db);
    const tenant = newTenantId();
    await createScheduleStore(db).upsert({ name: 'personal-data-report', tenantId: tenant }, 5, '{"reportedCount":"lots"}');
    expect(await schedule.findTenantJob(tenant)).toEqual({ nextRunAtMs: 5, progress: undefined });
  });

  it('lists and deletes tenant rows without touching the app-wide row or other jobs', async () => {
    const { db } = kit.control();
    const schedule = createReportSchedule(db);
    const [a, b] = [newTenantId(), newTenantId()];
    await schedule.saveTenantJob(a, { nextRunAtMs: 1, progress: undefined });
    await schedule.saveTenantJob(b, { nextRunAtMs: 2, progress: undefined });
    await schedule.saveGlobal({ pausedUntilMs: 3, cyclePeriodMs: 86_400_000 });
    const store = createScheduleStore(db);
    await store.upsert({ name: 'backup', tenantId: a }, 4, undefined);
    expect((await schedule.listTenantJobIds()).sort()).toEqual([a, b].sort());
    await schedule.deleteTenantJob(a);
    expect(await schedule.listTenantJobIds()).toEqual([b]);
    expect(await schedule.readGlobal()).toEqual({ pausedUntilMs: 3, cyclePeriodMs: 86_400_000 });
    expect(await store.find({ name: 'backup', tenantId: a })).toBeDefined();
  });

  it('starts unpaused with no learned period', async () => {
    const schedule = createReportSchedule(kit.control().db);
    expect(await schedule.readGlobal()).toEqual({ pausedUntilMs: 0, cyclePeriodMs: undefined });
    await schedule.saveGlobal({ pausedUntilMs: 10, cyclePeriodMs: undefined });
    expect(await schedule.readGlobal()).toEqual({ pausedUntilMs: 10, cyclePeriodMs: undefined });
  });
});
