import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileTenant } from '../../src/sync/reconcile.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';
import type { TenantId } from '../../src/tenants/tenant.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

async function syncedTenant() {
  bed = await createTallyTestbed({ simulator: { generate: { worklogs: 3000, seed: 17, restrictedShare: 0 } } });
  bed.tally.sync.start();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  return (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
}

async function contextFor(tenantId: TenantId) {
  const access = (await bed.tally.credentials.forTenant(tenantId))!;
  return { tenantId, store: await bed.tally.stores.open(tenantId), jira: bed.tally.syncDeps.jiraClientFor(tenantId, access), logger: bed.tally.syncDeps.logger };
}

/** Damages the tenant's database behind Tally's back, as a bug or a bad restore would. */
function damage(tenantId: TenantId, sql: string): void {
  const db = new Database(join(bed.config.dataDir, 'tenants', `${tenantId}.sqlite`));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('reconciliation', () => {
  it('repairs lost and stale rows, removes confirmed deletions and keeps worklogs that only became invisible', async () => {
    const tenantId = await syncedTenant();
    const { site } = bed.sim;
    const ids = [...site.worklogs.keys()].sort((a, b) => a - b);
    damage(tenantId, `DELETE FROM worklogs WHERE client_worklog_id IN (${ids.slice(0, 5).join(',')});
      UPDATE worklogs SET time_spent_seconds = 1, updated_ms = updated_ms - 1000 WHERE client_worklog_id IN (${ids.slice(5, 8).join(',')});`);
    // A deletion the feed never delivered: the deletion cursor was already past it.
    site.deleteWorklog(ids[10]!);
    // A worklog restricted to a group the app user is not in: hidden, not deleted.
    site.updateWorklog(ids[11]!, { visibility: { type: 'group', value: 'hr-confidential' } }, site.worklogs.get(ids[11]!)!.authorId);
    bed.sim.clock.advance(5 * 60_000);
    const context = await contextFor(tenantId);
    await context.store.applyBatch({ upserts: [], deletions: [], state: { deletedCursorMs: bed.sim.clock.now() } });

    const report = await reconcileTenant(context);
    expect(report).toMatchObject({ repaired: 8, removedDeleted: 1, invisible: [ids[11]] });
    const expected = visibleSetOf(bed.sim, bed.config.appKey);
    const stored = (await storedSetOf(context.store)).filter((row) => row.clientWorklogId !== ids[11]);
    expect(describeDifference(expected, stored)).toBe('missing 0 [], extra 0 [], different 0 []');
    expect((await context.store.getSyncState()).lastReconcile).toEqual({ repaired: 8, removedDeleted: 1, invisible: 1, jiraVisible: expected.length });
  });

  it('deletes nothing when Jira fails midway', async () => {
    const tenantId = await syncedTenant();
    const { site } = bed.sim;
    const victim = [...site.worklogs.keys()][20]!;
    site.deleteWorklog(victim);
    bed.sim.clock.advance(5 * 60_000);
    const context = await contextFor(tenantId);
    await context.store.applyBatch({ upserts: [], deletions: [], state: { deletedCursorMs: bed.sim.clock.now() } });
    const before = await storedSetOf(context.store);
    bed.sim.faults.add({ kind: 'status', status: 502, match: { path: '/rest/api/3/worklog/updated' }, times: Infinity });
    await expect(reconcileTenant(context)).rejects.toMatchObject({ code: 'JIRA_UNAVAILABLE' });
    expect(await storedSetOf(context.store)).toEqual(before);
  });

  it('runs on the schedule once a day and on demand from the CLI', async () => {
    const tenantId = await syncedTenant();
    const ids = [...bed.sim.site.worklogs.keys()].sort((a, b) => a - b);
    damage(tenantId, `DELETE FROM worklogs WHERE client_worklog_id = ${ids[0]}`);
    const store = await bed.tally.stores.open(tenantId);
    bed.sim.clock.advance(3600_000);
    await bed.tally.sync.syncAll();
    await bed.tally.queue.idle();
    expect((await store.getSyncState()).lastReconciledAtMs).toBeUndefined();
    bed.sim.clock.advance(24 * 3600_000);
    await bed.tally.sync.syncAll();
    await bed.tally.queue.idle();
    expect((await store.getSyncState()).lastReconcile).toMatchObject({ repaired: 1, removedDeleted: 0, invisible: 0 });

    damage(tenantId, `DELETE FROM worklogs WHERE client_worklog_id = ${ids[1]}`);
    const out: string[] = [];
    const code = await runCli(['reconcile', tenantId], bed.config, bed.runtime, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } });
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/1 repaired, 0 deletions applied, 0 no longer visible/);
  });
});
