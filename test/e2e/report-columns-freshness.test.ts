import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';

/*
 * The report columns in memory must equal the database, also when another process wrote to it:
 * `tally sync` or `tally backup restore` beside a running server commit through their own
 * connections, which this process's store never sees. A second connection stands in for that
 * process here (to SQLite they are the same thing).
 */

let bed: TallyTestbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const everything = { fromDate: '1970-01-01', toDate: '2099-12-31', timeZone: 'UTC', groupBy: [], sort: { by: 'key', direction: 'asc' } } as const;

async function syncedTenant(): Promise<TenantId> {
  bed = await createTallyTestbed({ simulator: { generate: { worklogs: 200, seed: 3 } } });
  bed.tally.sync.start();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  return (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
}

describe('report columns and other writers', () => {
  it('reloads the columns when another process committed to the tenant database', async () => {
    const tenantId = await syncedTenant();
    const columns = await bed!.tally.reportColumns.columnsFor(tenantId);
    const before = columns.summarize(everything, () => undefined).total;
    // Served from memory while nobody else wrote.
    expect(await bed!.tally.reportColumns.columnsFor(tenantId)).toBe(columns);

    const other = new Database(join(bed!.config.dataDir, 'tenants', `${tenantId}.sqlite`));
    try {
      other.prepare('UPDATE worklogs SET time_spent_seconds = time_spent_seconds + 60 WHERE client_worklog_id = (SELECT min(client_worklog_id) FROM worklogs)').run();
    } finally {
      other.close();
    }

    const reloaded = await bed!.tally.reportColumns.columnsFor(tenantId);
    expect(reloaded).not.toBe(columns);
    expect(reloaded.summarize(everything, () => undefined).total).toEqual({ seconds: before.seconds + 60, worklogs: before.worklogs });
    // Its own sync's writes do not count as another writer: the copy follows them in place.
    const worklog = [...bed!.sim.site.worklogs.values()].at(-1)!;
    bed!.sim.site.updateWorklog(worklog.id, { timeSpentSeconds: worklog.timeSpentSeconds + 120 }, worklog.authorId);
    bed!.sim.clock.advance(61_000);
    await bed!.tally.sync.syncAll();
    await bed!.tally.queue.idle();
    expect(await bed!.tally.reportColumns.columnsFor(tenantId)).toBe(reloaded);
    expect(reloaded.summarize(everything, () => undefined).total).toEqual({ seconds: before.seconds + 180, worklogs: before.worklogs });
  });

  it('preloads the columns of synchronised tenants at start', async () => {
    const tenantId = await syncedTenant();
    await bed!.restart();
    expect(bed!.tally.reportColumns.isTracking(tenantId)).toBe(false);
    expect(await bed!.tally.preloadReports()).toBe(1);
    expect(bed!.tally.reportColumns.isTracking(tenantId)).toBe(true);
  });
});
