import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createControlDbTarget, controlDialects, type ControlDbTarget } from '../../tenants/control-db-test-kit.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import { SITE_INSTALLATION_MIGRATIONS } from './site-installation-migrations.js';
import { createSiteInstallationStore } from './site-installation-store.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const CLOUD = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

describe.each(controlDialects)('SiteInstallationStore (%s)', (dialect) => {
  let opened: { control: ControlDb; target: ControlDbTarget } | undefined;
  afterEach(async (context) => {
    await opened?.control.close();
    if (context.task.result?.state !== 'fail') await opened?.target.remove();
    opened = undefined;
  });

  async function setup() {
    const target = await createControlDbTarget(dialect);
    const control = await openControlDb({ ...target.options, ownedMigrations: SITE_INSTALLATION_MIGRATIONS });
    opened = { control, target };
    const registry = createSqlTenantRegistry({ db: control.db, clock: createManualClock(T0) });
    const tenant = await registry.transaction((tx) => tx.createTenant({ platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net' }));
    return { control, registry, tenant, store: createSiteInstallationStore(control.db) };
  }

  it('records a checked site, finds it by cloud id and tenant, and updates it on the next start', async () => {
    const { store, tenant } = await setup();
    await store.recordChecked({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: 'https://acme.atlassian.net', checkedAtMs: T0 });
    expect(await store.findByCloudId(CLOUD)).toEqual({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: 'https://acme.atlassian.net', checkedAtMs: T0, tokenRejectedAtMs: undefined });
    const gateway = `https://api.atlassian.com/ex/jira/${CLOUD}`;
    await store.recordChecked({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: gateway, checkedAtMs: T0 + 1000 });
    expect(await store.findByTenant(tenant.id)).toMatchObject({ apiBaseUrl: gateway, checkedAtMs: T0 + 1000 });
    expect(await store.findByCloudId('another-cloud')).toBeUndefined();
  });

  it('keeps the first refusal until a checked start clears it', async () => {
    const { store, tenant } = await setup();
    await store.recordChecked({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: 'https://acme.atlassian.net', checkedAtMs: T0 });
    await store.recordRejected(tenant.id, T0 + 5);
    await store.recordRejected(tenant.id, T0 + 9);
    expect((await store.findByTenant(tenant.id))?.tokenRejectedAtMs).toBe(T0 + 5);
    await store.recordChecked({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: 'https://acme.atlassian.net', checkedAtMs: T0 + 10 });
    expect((await store.findByTenant(tenant.id))?.tokenRejectedAtMs).toBeUndefined();
  });

  it('goes with the tenant\'s account record', async () => {
    const { store, tenant, registry, control } = await setup();
    await store.recordChecked({ tenantId: tenant.id, cloudId: CLOUD, siteUrl: 'https://acme.atlassian.net', apiBaseUrl: 'https://acme.atlassian.net', checkedAtMs: T0 });
    await registry.markUninstalled(tenant.id, T0 + 1);
    await control.db.updateTable('tenants').set({ purge_step: 'done' }).where('id', '=', tenant.id).execute();
    expect(await registry.deleteExpiredAccounts(T0 + 2)).toEqual([tenant.id]);
    expect(await store.findByCloudId(CLOUD)).toBeUndefined();
  });
});
