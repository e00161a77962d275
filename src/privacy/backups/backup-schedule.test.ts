import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { controlDialects, useControlDb } from '../../tenants/control-db-test-kit.js';
import { createSecretBox } from '../../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { BackupId } from './backup-id.js';
import { firstBackupOffsetMs, runDueBackups, type BackupScheduleDeps } from './backup-schedule.js';
import type { BackupInfo } from './tenant-backups.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const HOUR_MS = 3_600_000;
const INTERVAL_MS = 24 * HOUR_MS;

describe.each(controlDialects)('runDueBackups (%s)', (dialect) => {
  const kit = useControlDb(dialect);

  async function setup(tenantCount: number) {
    const clock = createManualClock(T0);
    const registry = createSqlTenantRegistry({ db: kit.control().db, secretBox: createSecretBox(randomBytes(32)), clock });
    const tenants: TenantId[] = [];
    for (let i = 0; i < tenantCount; i++) {
      const { tenant } = await registry.recordInstall({ clientKey: `client-${i}`, product: 'jira', baseUrl: `https://site-${i}.atlassian.net`, sharedSecret: `secret-${i}-0123456789` });
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
    const run = () => runDueBackups({ backups, registry, db: kit.control().db, clock, intervalHours: 24 });
    const nextRuns = async () =>
      Object.fromEntries((await kit.control().db.selectFrom('scheduled_jobs').selectAll().execute()).map((row) => [row.name, Number(row.next_run_at_ms)]));
    return { clock, registry, tenants, calls, failing, run, nextRuns };
  }

  it('schedules each new tenant inside the first interval at a stable, spread offset, backing up nothing yet', async () => {
    const { tenants, calls, run, nextRuns } = await setup(3);
    const result = await run();
    expect(calls).toEqual([]);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    const offsets = tenants.map((id) => firstBackupOffsetMs(id, INTERVAL_MS));
    expect(await nextRuns()).toEqual(Object.fromEntries(tenants.map((id, i) => [`backup:${id}`, T0 + offsets[i]!])));
    for (const offset of offsets) expect(offset >= 0 && offset < INTERVAL_MS).toBe(true);
    expect(new Set(offsets).size).toBe(3);
    // A second pass at the same time changes nothing.
    expect((await run()).outcomes).toEqual([]);
  });

  it('backs up and prunes each tenant when it is due, then not again before the interval passed', async () => {
    const { clock, tenants, calls, run, nextRuns } = await setup(2);
    await run();
    clock.advanceMs(INTERVAL_MS);
    const result = await run();
    expect(result.created).toBe(2);
    expect(calls.sort()).toEqual(tenants.flatMap((id) => [`create ${id}`, `prune ${id}`]).sort());
    expect(await nextRuns()).toEqual(Object.fromEntries(tenants.map((id) => [`backup:${id}`, clock.nowMs() + INTERVAL_MS])));

    calls.length = 0;
    clock.advanceMs(INTERVAL_MS - 1);
    expect((await run()).outcomes).toEqual([]);
    clock.advanceMs(1);
    expect((await run()).created).toBe(2);
  });

  it('reports a failed tenant, retries it an hour later, and still backs up the others', async () => {
    const { clock, tenants, calls, failing, run, nextRuns } = await setup(2);
    const [broken, healthy] = tenants as [TenantId, TenantId];
    await run();
    clock.advanceMs(INTERVAL_MS);
    failing.set(broken, new AppError('BACKUP_FAILED', 'disk full'));
    const result = await run();
    expect(result).toMatchObject({ created: 1, failed: 1 });
    expect(result.outcomes).toContainEqual({ tenantId: broken, status: 'failed', code: 'BACKUP_FAILED', pruned: 0, nextRunAtMs: clock.nowMs() + HOUR_MS });
    expect(calls).toContain(`create ${healthy}`);
    expect((await nextRuns())[`backup:${broken}`]).toBe(clock.nowMs() + HOUR_MS);

    failing.clear();
    clock.advanceMs(HOUR_MS);
    const retry = await run();
    expect(retry.outcomes).toEqual([expect.objectContaining({ tenantId: broken, status: 'created' })]);
  });

  it('skips a tenant without a database yet, without retrying it early', async () => {
    const { clock, tenants, failing, run } = await setup(1);
    await run();
    clock.advanceMs(INTERVAL_MS);
    failing.set(tenants[0]!, new AppError('BACKUP_SOURCE_MISSING', 'no database yet'));
    expect((await run()).outcomes).toEqual([{ tenantId: tenants[0], status: 'skipped', code: 'BACKUP_SOURCE_MISSING', pruned: 0, nextRunAtMs: clock.nowMs() + INTERVAL_MS }]);
  });

  it('backs up each due tenant once when two passes run at the same time', async () => {
    const { clock, calls, run } = await setup(3);
    await run();
    clock.advanceMs(INTERVAL_MS);
    const [first, second] = await Promise.all([run(), run()]);
    expect(first.created + second.created).toBe(3);
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
