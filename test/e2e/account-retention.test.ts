import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresTenantDatabaseName } from '../../src/store/postgres-tenant-db.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { filesHolding } from '../support/canary-scan.js';
import { databaseFilesHolding, readablePostgresDataDirectory } from '../support/postgres-file-scan.js';
import { createTestPostgresDatabase, postgresAvailable, type TestPostgresDatabase } from '../support/postgres.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';

/*
 * The statement: account information (client key, base URL, product, install and uninstall times)
 * is kept 30 days after an uninstall, then deleted for good, by a daily job — down to the bytes
 * of the control database's files (SQLite's WAL, PostgreSQL's dead tuples), on either control
 * database. The clock is the simulator's, moved by the test.
 */

const DAY_MS = 86_400_000;
let bed: TallyTestbed | undefined;
let database: TestPostgresDatabase | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
  await database?.drop();
  database = undefined;
});

/** Installs Tally on the simulated site, then uninstalls it and lets the purge finish. */
async function installedThenUninstalled(testbed: TallyTestbed): Promise<{ tenantId: TenantId; clientKey: string }> {
  const result = await testbed.sim.connect.install(testbed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await testbed.tally.queue.idle();
  const tenantId = (await testbed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  await testbed.sim.connect.uninstall();
  await testbed.tally.queue.idle();
  return { tenantId, clientKey: result.clientKey };
}

describe('account retention', () => {
  it('deletes the account record 30 days after the uninstall, and its site URL from the audit trail', async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 20 } } });
    const { tenantId, clientKey } = await installedThenUninstalled(bed);
    expect(JSON.stringify(await bed.audit.listAudit({ tenantId }))).toContain(bed.sim.site.baseUrl);
    // The scan can fail: the record is in the control database's files until the retention.
    expect(filesHolding(bed, clientKey).length).toBeGreaterThan(0);

    // Day 29: the daily job runs and keeps the record.
    bed.sim.clock.advance(29 * DAY_MS);
    expect(await bed.tally.periodic.runDue()).toContain('account-retention');
    expect(await bed.registry.findTenant(tenantId)).toMatchObject({ state: 'uninstalled', purgeStep: 'done' });
    // Not due again within the day.
    bed.sim.clock.advance(DAY_MS / 2);
    expect(await bed.tally.periodic.runDue()).not.toContain('account-retention');

    // Past day 30: gone for good, and the audit trail keeps only what happened, not where.
    bed.sim.clock.advance(DAY_MS);
    expect(await bed.tally.periodic.runDue()).toContain('account-retention');
    expect(await bed.registry.findTenant(tenantId)).toBeUndefined();
    expect(await bed.connect.findCredentialsByClientKey(clientKey)).toBeUndefined();
    const entries = await bed.audit.listAudit({ tenantId, limit: 1000 });
    expect(entries.map((entry) => entry.event)).toContain('tenant.account_deleted');
    expect(JSON.stringify(entries)).not.toContain(bed.sim.site.baseUrl);
    // …and not a byte of the record in the control database's file or its WAL.
    expect(filesHolding(bed, bed.sim.site.baseUrl)).toEqual([]);
    expect(filesHolding(bed, clientKey)).toEqual([]);
  });

  it.skipIf(!postgresAvailable())('deletes it on PostgreSQL too, with no byte of the site left in the control database or a site database', { timeout: 300_000 }, async () => {
    database = await createTestPostgresDatabase();
    bed = await createTallyTestbed({ env: { DATABASE_URL: database.url }, simulator: { generate: { worklogs: 20 } } });
    const { tenantId, clientKey } = await installedThenUninstalled(bed);
    const control = database;
    const dataDirectory = await readablePostgresDataDirectory(control.url);
    // The control database's files and the site database's (dropped by the uninstall's purge).
    const serverFilesHolding = async (text: string) =>
      dataDirectory === undefined
        ? undefined
        : [
            ...(await databaseFilesHolding(control.url, dataDirectory, control.name, text)),
            ...(await databaseFilesHolding(control.url, dataDirectory, postgresTenantDatabaseName(tenantId), text)),
          ];
    // The scan can fail: the record is in the control database's files until the retention.
    for (const text of [bed.sim.site.baseUrl, clientKey]) expect((await serverFilesHolding(text))?.length ?? 1).toBeGreaterThan(0);

    bed.sim.clock.advance(31 * DAY_MS);
    expect(await bed.tally.periodic.runDue()).toContain('account-retention');
    expect(await bed.registry.findTenant(tenantId)).toBeUndefined();
    expect(await bed.connect.findCredentialsByClientKey(clientKey)).toBeUndefined();
    for (const text of [bed.sim.site.baseUrl, clientKey]) {
      const holding = await serverFilesHolding(text);
      if (holding !== undefined) expect(holding).toEqual([]);
    }
  });

  it('finishes on the next day a cleanup that a reader of the control database kept from finishing', { timeout: 60_000 }, async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 20 } } });
    const { tenantId, clientKey } = await installedThenUninstalled(bed);
    // Another process's read transaction, begun before the deletion: the WAL cannot be truncated under it.
    const reader = new Database(join(bed.config.dataDir, 'control.sqlite'), { readonly: true });
    try {
      reader.prepare('BEGIN').run();
      reader.prepare('SELECT count(*) FROM tenants').get();
      bed.sim.clock.advance(31 * DAY_MS);
      // The run deletes the record, but its checkpoint cannot truncate the WAL: the task fails (logged, retried).
      expect(await bed.tally.periodic.runDue()).toContain('account-retention');
      expect(await bed.registry.findTenant(tenantId)).toBeUndefined();
      expect(filesHolding(bed, clientKey).length).toBeGreaterThan(0);
      reader.prepare('COMMIT').run();
    } finally {
      reader.close();
    }
    // Nothing else expires the next day, but the cleanup is still owed.
    bed.sim.clock.advance(DAY_MS);
    expect(await bed.tally.periodic.runDue()).toContain('account-retention');
    expect(filesHolding(bed, clientKey)).toEqual([]);
    expect(filesHolding(bed, bed.sim.site.baseUrl)).toEqual([]);
  });

  it('never deletes an installed tenant or one re-installed inside the window', async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 20 } }, env: { TALLY_ACCOUNT_RETENTION_DAYS: '30' } });
    const { tenantId } = await installedThenUninstalled(bed);
    bed.sim.clock.advance(10 * DAY_MS);
    expect((await bed.sim.connect.install(bed.descriptorUrl)).ok).toBe(true);
    await bed.tally.queue.idle();
    bed.sim.clock.advance(60 * DAY_MS);
    await bed.tally.periodic.runDue();
    expect(await bed.registry.findTenant(tenantId)).toMatchObject({ state: 'installed' });
  });

  it('refuses a retention setting that is not a whole number of days', async () => {
    await expect(() => createTallyTestbed({ env: { TALLY_ACCOUNT_RETENTION_DAYS: 'thirty' } })).rejects.toThrow(/TALLY_ACCOUNT_RETENTION_DAYS/);
  });
});
