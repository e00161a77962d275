import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { controlDialects, useControlDb } from '../../tenants/control-db-test-kit.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';
import { createScheduleStore } from '../../jobs/schedule-store.js';
import { createControlDbScheduler } from '../../jobs/scheduler.js';
import { createLogger } from '../../platform/logger.js';
import type { BackupId } from './backup-id.js';
import { backupSchedule, firstBackupOffsetMs, type BackupScheduleDeps } from './backup-schedule.js';
import type { BackupInfo } from './tenant-backups.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const HOUR_MS = 3_600_000;
const INTERVAL_MS = 24 * HOUR_MS;

describe.each(controlDialects)('backup schedule (%s)', (dialect) => {
  const kit = useControlDb(dialect);

  async function setup(tenantCount: number) {
    const clock = createManualClock(T0);
    const registry = createSqlTenantRegistry({ db: kit.control().db, clock });
    const tenants: TenantId[] = [];
    for (let i = 0; i < tenantCount; i++) {
      const tenant = await registry.transaction((tx) => tx.createTenant({ platform: 'site', product: 'jira', baseUrl: `https://site-${i}.atlassian.net` }));
      tenants.push(tenant.id);
    }
    const calls: string[] = [];
    const failing = new Map<TenantId, AppError>();
    const backups: BackupScheduleDeps['backups'] = {
      async create(tenantId) {
        calls.push(`create ${tenantId}`);
        const failure = failing.get(tenantId);
        if (failure) throw failure;
        return { backupId: `b-${calls.length}` as BackupId, tenantId, createdAtMs: clock.nowMs(), bytes: 1, sha256: '0'.repeat(64), worklogs: 0, schemaVersion: undefined } satisfies BackupInfo;
      },
      async prune(tenantId) {
        calls.push(`prune ${tenantId}`);
        return 0;
      },
    };
    // One scheduler per process; `run` is one pass of this process's scheduler.
    const schedulerOfAProcess = () => {
      const scheduler = createControlDbScheduler({ store: createScheduleStore(kit.control().db), clock, logger: createLogger({ level: 'silent' }) });
      scheduler.declarePerTenant(backupSchedule({ backups, registry, intervalHours: 24 }));
      return scheduler;
    };
    const scheduler = schedulerOfAProcess();
    const run = () => scheduler.runDue();
    const nextRuns = async () => Object.fromEntries((await scheduler.list()).map((row) => [`${row.name}:${row.tenantId}`, row.nextRunAtMs]));
    return { clock, registry, tenants, calls, failing, run, nextRuns, schedulerOfAProcess };
  }

  it('schedules each new tenant inside the first interval at a stable, spread offset, backing up nothing yet', async () => {
    const { tenants, calls, run, nextRuns } = await setup(3);
    expect(await run()).toEqual([]);
    expect(calls).toEqual([]);
    const offsets = tenants.map((id) => firstBackupOffsetMs(id, INTERVAL_MS));
    expect(await nextRuns()).toEqual(Object.fromEntries(tenants.map((id, i) => [`backup:${id}`, T0 + offsets[i]!])));
    for (const offset of offsets) expect(offset >= 0 && offset < INTERVAL_MS).toBe(true);
    expect(new Set(offsets).size).toBe(3);
    // A second pass at the same time changes nothing.
    expect(await run()).toEqual([]);
    expect(await nextRuns()).toEqual(Object.fromEntries(tenants.map((id, i) => [`backup:${id}`, T0 + offsets[i]!])));
  });

  it('backs up and prunes each tenant when it is due, then not again before the interval passed', async () => {
    const { clock, tenants, calls, run, nextRuns } = await setup(2);
    await run();
    clock.advanceMs(INTERVAL_MS);
    expect((await run()).sort()).toEqual(tenants.map((id) => `backup:${id}`).sort());
    expect(calls.sort()).toEqual(tenants.flatMap((id) => [`create ${id}`, `prune ${id}`]).sort());
    expect(await nextRuns()).toEqual(Object.fromEntries(tenants.map((id) => [`backup:${id}`, clock.nowMs() + INTERVAL_MS])));

    calls.length = 0;
    clock.advanceMs(INTERVAL_MS - 1);
    expect(await run()).toEqual([]);
    clock.advanceMs(1);
    expect(await run()).toHaveLength(2);
    expect(calls.filter((call) => call.startsWith('create'))).toHaveLength(2);
  });

  it('reports a failed tenant, retries it an hour later, and still backs up the others', async () => {
    const { clock, tenants, calls, failing, run, nextRuns } = await setup(2);
    const [broken, healthy] = tenants as [TenantId, TenantId];
    await run();
    clock.advanceMs(INTERVAL_MS);
    failing.set(broken, new AppError('BACKUP_FAILED', 'disk full'));
    await run();
    // Pruned even though its backup failed: retention is about age.
    expect(calls).toEqual(expect.arrayContaining([`create ${broken}`, `prune ${broken}`, `create ${healthy}`, `prune ${healthy}`]));
    expect((await nextRuns())[`backup:${broken}`]).toBe(clock.nowMs() + HOUR_MS);
    expect((await nextRuns())[`backup:${healthy}`]).toBe(clock.nowMs() + INTERVAL_MS);

    failing.clear();
    clock.advanceMs(HOUR_MS);
    calls.length = 0;
    expect(await run()).toEqual([`backup:${broken}`]);
    expect(calls).toEqual([`create ${broken}`, `prune ${broken}`]);
  });

  it('skips a tenant without a database yet, without retrying it early', async () => {
    const { clock, tenants, failing, run, nextRuns } = await setup(1);
    await run();
    clock.advanceMs(INTERVAL_MS);
    failing.set(tenants[0]!, new AppError('BACKUP_SOURCE_MISSING', 'no database yet'));
    expect(await run()).toEqual([`backup:${tenants[0]}`]);
    expect(await nextRuns()).toEqual({ [`backup:${tenants[0]}`]: clock.nowMs() + INTERVAL_MS });
  });

  it('backs up each due tenant once when two processes run a pass at the same time', async () => {
    const { clock, calls, run, schedulerOfAProcess } = await setup(3);
    await run();
    clock.advanceMs(INTERVAL_MS);
    const other = schedulerOfAProcess();
    const [first, second] = await Promise.all([run(), other.runDue()]);
    expect(first.length + second.length).toBe(3);
    expect(calls.filter((call) => call.startsWith('create'))).toHaveLength(3);
  });

  it('stops backing up a tenant once it is uninstalled and forgets its schedule', async () => {
    const { clock, registry, tenants, calls, run, nextRuns } = await setup(2);
    await run();
    await registry.markUninstalled(tenants[0]!, clock.nowMs());
    clock.advanceMs(INTERVAL_MS);
    await run();
    expect(calls.some((call) => call.includes(tenants[0]!))).toBe(false);
    expect(Object.keys(await nextRuns())).toEqual([`backup:${tenants[1]}`]);
  });
});
