import { afterEach, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';

/*
 * The statement: account information (client key, base URL, product, install and uninstall times)
 * is kept 30 days after an uninstall, then deleted for good, by a daily job. The clock is the
 * simulator's, moved by the test.
 */

const DAY_MS = 86_400_000;
let bed: TallyTestbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
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
