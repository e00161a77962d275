import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { createScheduleStore } from '../../src/jobs/schedule-store.js';
import { PURGE_STEPS, type PurgeStep } from '../../src/privacy/purge/tenant-purge.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTestPostgresDatabase, postgresAvailable, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';
import { createTallyTestbed, type TallyTestbed, type TallyTestbedOptions } from '../support/tally-testbed.js';
import { filesHolding, filesUnder } from '../support/canary-scan.js';
import { databaseFilesHolding, readablePostgresDataDirectory } from '../support/postgres-file-scan.js';

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
  // Tenant databases a test left (one that failed before its uninstall) go before the control database.
  for (const database of databases.splice(0)) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
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

/** Statements on the test server, on the control database or another one. */
function postgresServerOf(controlUrl: string) {
  return {
    async query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = [], database = 'postgres'): Promise<T[]> {
      const url = new URL(controlUrl);
      url.pathname = `/${database}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/** On PostgreSQL, beyond {@link expectPurged}: no database, placement or row of the tenant remains. */
async function expectNothingOnPostgres({ bed, tenantId, canary }: Scene, database: TestPostgresDatabase): Promise<void> {
  const server = postgresServerOf(database.url);
  // The tenant's database, and any scratch or replaced database a restore could have left.
  expect(await server.query("SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'", [`tally_${tenantId}`])).toEqual([]);
  expect(await server.query('SELECT tenant_id FROM store_placements WHERE tenant_id = $1', [tenantId], database.name)).toEqual([]);
  expect(filesUnder(join(bed.config.dataDir, 'tenants'))).toEqual([]);
  expect(filesUnder(bed.config.backupDir)).toEqual([]);
  // Every row of every table of the control database, as text.
  const tables = await bed.control.db.introspection.getTables();
  expect(tables.length).toBeGreaterThan(0);
  for (const table of tables) {
    // Schema-qualified: pg-boss's job tables (schema `pgboss`) are searched too.
    const rows = await bed.control.db.selectFrom(`${table.schema}.${table.name}` as 'tenants').selectAll().execute();
    expect(JSON.stringify(rows), table.name).not.toContain(canary);
  }
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

  it.skipIf(!postgresAvailable())('leaves no row, database, dump or file of the tenant on PostgreSQL', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const scene = await syncedTenantWithCanary({ env: { DATABASE_URL: database.url } });
    const { bed, tenantId, canary } = scene;
    const server = postgresServerOf(database.url);
    // Before: the tenant's own database (its directory on disk holding the canary), its placement and its dump.
    const [placed] = await server.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [`tally_${tenantId}`]);
    expect(placed).toBeDefined();
    expect(await server.query('SELECT server FROM store_placements WHERE tenant_id = $1', [tenantId], database.name)).toHaveLength(1);
    expect(readdirSync(join(bed.config.backupDir, tenantId)).filter((name) => name.endsWith('.dump'))).toHaveLength(1);
    const dataDirectory = await readablePostgresDataDirectory(database.url);
    if (dataDirectory !== undefined) {
      expect(existsSync(join(dataDirectory, 'base', String(placed!.oid)))).toBe(true);
      expect(await databaseFilesHolding(database.url, dataDirectory, `tally_${tenantId}`, canary)).not.toEqual([]);
    }

    await bed.sim.connect.uninstall();
    await bed.tally.queue.idle();
    await expectPurged(scene);
    await expectNothingOnPostgres(scene, database);
    // The dropped database's files are gone from the server's disk, not only from its catalogue.
    if (dataDirectory !== undefined) expect(existsSync(join(dataDirectory, 'base', String(placed!.oid)))).toBe(false);
  });

  it.skipIf(!postgresAvailable()).each(PURGE_STEPS)('ends in the same state on PostgreSQL when the process dies after %s', async (crashStep) => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    let crashed = false;
    const afterPurgeStep = (_tenantId: TenantId, step: PurgeStep) => {
      if (step === crashStep && !crashed) {
        crashed = true;
        throw new Error(`process killed after ${step}`);
      }
    };
    const scene = await syncedTenantWithCanary({ env: { DATABASE_URL: database.url }, hooks: { afterPurgeStep } });
    await scene.bed.sim.connect.uninstall();
    await scene.bed.tally.queue.idle();
    expect(crashed).toBe(true);
    await scene.bed.restart();
    await scene.bed.tally.purge.resumeOwed();
    await scene.bed.tally.queue.idle();
    await expectPurged(scene);
    await expectNothingOnPostgres(scene, database);
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
        // The third request for worklog bodies: `/worklog/list` (the feed) or an issue's worklogs (issue by issue).
        if (/\/worklog\/list|\/issue\/\d+\/worklog\?/.test(url) && ++listCalls === 3) uninstalling = holder.bed!.sim.connect.uninstall();
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
