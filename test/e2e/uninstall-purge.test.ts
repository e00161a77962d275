import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { createScheduleStore } from '../../src/jobs/schedule-store.js';
import { PURGE_STEPS, type PurgeStep } from '../../src/privacy/purge/tenant-purge.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../support/postgres.js';
import { createTallyTestbed, type TallyTestbed, type TallyTestbedOptions } from '../support/tally-testbed.js';
import { filesHolding, filesUnder } from '../support/canary-scan.js';

/*
 * The statements' promise on uninstall: all of a customer's data is deleted, backups included;
 * the account record stays (without the secret) for the retention period. Checked on raw bytes:
 * a worklog comment holding a unique canary string must not survive anywhere under the data and
 * backup directories (SQLite files, WAL, free pages) nor in the control database.
 */

const beds: TallyTestbed[] = [];
const databases: TestPostgresDatabase[] = [];
afterEach(async () => {
  await Promise.all(beds.splice(0).map((bed) => bed.close()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});


interface Scene {
  bed: TallyTestbed;
  tenantId: TenantId;
  canary: string;
}

/** A synced tenant whose site has one worklog commented with a unique canary string. */
async function syncedTenantWithCanary(options: TallyTestbedOptions = {}): Promise<Scene> {
  const bed = await createTallyTestbed({ simulator: { generate: { worklogs: 300, seed: 5 } }, ...options });
  beds.push(bed);
  bed.tally.sync.start();
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  const issue = [...bed.sim.site.issues.values()][0]!;
  bed.sim.site.createWorklog({ issueId: issue.id, authorId: bed.sim.generated!.users[0]!.accountId, comment: textToAdf(`billing note ${canary}`), startedMs: Date.UTC(2026, 9, 1, 9), timeSpentSeconds: 1800 });
  bed.sim.clock.advance(61_000);
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  // Backed up too: the purge must delete every backup.
  await bed.tally.backups.create(tenantId);
  return { bed, tenantId, canary };
}

/** What must be true once a tenant's purge has finished, whichever way it got there. */
async function expectPurged({ bed, tenantId, canary }: Scene): Promise<void> {
  expect(filesHolding(bed, canary)).toEqual([]);
  expect(filesUnder(join(bed.config.dataDir, 'tenants')).filter((file) => file.includes(tenantId))).toEqual([]);
  expect(existsSync(join(bed.config.backupDir, tenantId))).toBe(false);
  const tenant = await bed.registry.findTenant(tenantId);
  // The account record stays, without its secret.
  expect(tenant).toMatchObject({ state: 'uninstalled', purgeStep: 'done' });
  expect(await bed.connect.findCredentials(tenantId)).toBeUndefined();
  const schedules = await bed.tally.scheduler.list();
  expect(schedules.filter((row) => row.tenantId === tenantId)).toEqual([]);
  expect(bed.tally.queue.snapshot()).toEqual({ running: [], queued: [] });
  expect(bed.tally.reportColumns.isTracking(tenantId)).toBe(false);
  const events = (await bed.audit.listAudit({ tenantId, limit: 1000 })).map((entry) => entry.event);
  expect(events.filter((event) => event === 'tenant.purged')).toHaveLength(1);
  expect(events).toContain('tenant.purge_started');
  const audit = JSON.stringify(await bed.audit.listAudit({ limit: 1000 }));
  expect(audit).not.toContain(canary);
}

describe('uninstall purge', () => {
  it('leaves no byte of a synced comment anywhere, keeps the account record and wipes the secret', async () => {
    const scene = await syncedTenantWithCanary();
    const { bed, tenantId, canary } = scene;
    // The scan finds the canary while the tenant is installed, in its database and its backup: it can fail.
    const holding = filesHolding(bed, canary);
    expect(holding.some((file) => file.startsWith(join(bed.config.dataDir, 'tenants')))).toBe(true);
    expect(holding.some((file) => file.startsWith(join(bed.config.backupDir, tenantId)))).toBe(true);
    // Something of the tenant in memory and in the schedule, for the purge to clear.
    await bed.tally.reportColumns.columnsFor(tenantId);
    await createScheduleStore(bed.control.db).upsert({ name: 'backup', tenantId }, 0, undefined);
    expect((await bed.tally.scheduler.list()).filter((row) => row.tenantId === tenantId)).toHaveLength(1);

    await bed.sim.connect.uninstall();
    await bed.tally.queue.idle();

    await expectPurged(scene);
    const steps = (await bed.audit.listAudit({ tenantId, limit: 1000 })).filter((entry) => entry.event === 'tenant.purge_step').map((entry) => entry.detail?.step);
    expect(steps).toEqual([...PURGE_STEPS]);
  });

  it('keeps the control database clean on PostgreSQL too', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const scene = await syncedTenantWithCanary({ env: { DATABASE_URL: database.url } });
    await scene.bed.sim.connect.uninstall();
    await scene.bed.tally.queue.idle();
    await expectPurged(scene);
    // Every row of every table of the control database, as text.
    const tables = await scene.bed.control.db.introspection.getTables();
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      // Schema-qualified: pg-boss's job tables (schema `pgboss`) are searched too.
      const rows = await scene.bed.control.db.selectFrom(`${table.schema}.${table.name}` as 'tenants').selectAll().execute();
      expect(JSON.stringify(rows), table.name).not.toContain(scene.canary);
    }
  });

  it('stops a running sync, which writes nothing afterwards', async () => {
    let listCalls = 0;
    let uninstalling: Promise<unknown> | undefined;
    const holder: { bed?: TallyTestbed } = {};
    const bed = await createTallyTestbed({
      simulator: { generate: { worklogs: 6000, seed: 9 } },
      // The uninstall arrives while the full sync is between two pages of worklogs.
      wrapFetch: (fetch) => async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes('/worklog/list') && ++listCalls === 3) uninstalling = holder.bed!.sim.connect.uninstall();
        return fetch(input, init);
      },
    });
    holder.bed = bed;
    beds.push(bed);
    bed.tally.sync.start();
    const result = await bed.sim.connect.install(bed.descriptorUrl);
    if (!result.ok) throw new Error('install failed');
    const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
    await bed.tally.queue.idle();
    await uninstalling;
    await bed.tally.queue.idle();
    expect(listCalls).toBeGreaterThanOrEqual(3);
    const tenantFile = join(bed.config.dataDir, 'tenants', `${tenantId}.sqlite`);
    expect(existsSync(tenantFile)).toBe(false);
    // Later schedules and webhooks find nothing to do for it: no file comes back.
    bed.sim.clock.advance(600_000);
    await bed.tally.sync.syncAll();
    await bed.tally.queue.idle();
    expect(existsSync(tenantFile)).toBe(false);
    expect(await bed.registry.findTenant(tenantId)).toMatchObject({ purgeStep: 'done' });
  });

  it.each(PURGE_STEPS)('ends in the same state when the process dies after %s', async (crashStep) => {
    let crashed = false;
    const afterPurgeStep = (_tenantId: TenantId, step: PurgeStep) => {
      if (step === crashStep && !crashed) {
        crashed = true;
        throw new Error(`process killed after ${step}`);
      }
    };
    const scene = await syncedTenantWithCanary({ hooks: { afterPurgeStep } });
    const { bed, tenantId } = scene;
    await bed.sim.connect.uninstall();
    await bed.tally.queue.idle();
    expect(crashed).toBe(true);
    const stopped = await bed.registry.findTenant(tenantId);
    if (crashStep !== 'secret_wiped') expect(stopped?.purgeStep).toBe(crashStep);

    // A new process on the same data directory resumes whatever is owed.
    await bed.restart();
    await bed.tally.purge.resumeOwed();
    await bed.tally.queue.idle();
    await expectPurged(scene);
  });

  it('starts a fresh full sync on a re-install inside the retention window, and nothing old reappears', async () => {
    const scene = await syncedTenantWithCanary();
    const { bed, tenantId, canary } = scene;
    await bed.sim.connect.uninstall();
    await bed.tally.queue.idle();
    // Deleted in Jira while the app was away: must not come back from anywhere.
    const gone = [...bed.sim.site.worklogs.values()].find((worklog) => JSON.stringify(worklog.comment ?? '').includes(canary))!;
    bed.sim.site.deleteWorklog(gone.id);
    bed.sim.clock.advance(3 * 86_400_000);

    const again = await bed.sim.connect.install(bed.descriptorUrl);
    expect(again.ok).toBe(true);
    await bed.tally.queue.idle();
    bed.sim.clock.advance(61_000);
    await bed.tally.sync.syncAll();
    await bed.tally.queue.idle();

    const tenant = await bed.registry.findTenant(tenantId);
    expect(tenant).toMatchObject({ state: 'installed', purgeStep: undefined });
    const store = await bed.tally.stores.open(tenantId);
    const { site } = bed.sim;
    const appUser = site.users.get(site.findApp(bed.config.appKey)!.appUserAccountId)!;
    expect(await store.countWorklogs()).toBe([...site.worklogs.values()].filter((worklog) => site.canSeeWorklog(worklog, appUser)).length);
    expect((await store.getWorklogsByIds([gone.id])).length).toBe(0);
    expect(filesHolding(bed, canary)).toEqual([]);
  });
});
