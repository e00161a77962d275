import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { isAppError } from '../platform/app-error.js';
import { controlDialects, useControlDb } from './control-db-test-kit.js';
import { createSqlTenantRegistry } from './sql-tenant-registry.js';
import { parseTenantId, type TenantId } from './tenant.js';
import type { NewTenantRecord } from './tenant-registry.js';

/*
 * The core registry: edge-neutral account records and the transactions edges write their own
 * rows in. The edges' lifecycle rules over it are tested in src/edges/edge-installation-stores.test.ts.
 */

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const SITE: NewTenantRecord = { platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net' };

describe.each(controlDialects)('SqlTenantRegistry (%s)', (dialect) => {
  const kit = useControlDb(dialect);
  const setup = () => {
    const clock = createManualClock(T0);
    const registry = createSqlTenantRegistry({ db: kit.control().db, clock });
    const create = (record: Partial<NewTenantRecord> = {}) => registry.transaction((tx) => tx.createTenant({ ...SITE, ...record }));
    return { clock, registry, create, db: kit.control().db };
  };

  it('creates an installed, enabled tenant with a fresh id in a transaction', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    expect(parseTenantId(tenant.id)).toBe(tenant.id);
    expect(tenant).toEqual({ id: tenant.id, platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net', state: 'installed', enabled: true, installedAtMs: T0, uninstalledAtMs: undefined, updatedAtMs: T0, purgeStep: undefined, purgedAtMs: undefined });
    expect(await registry.findTenant(tenant.id)).toEqual(tenant);
    expect(await registry.listInstalled()).toEqual([tenant]);
  });

  it('rolls back everything a transaction did when its work throws', async () => {
    const { registry } = setup();
    const failed = registry.transaction(async (tx) => {
      await tx.createTenant(SITE);
      throw new Error('the edge\'s own insert failed');
    });
    await expect(failed).rejects.toThrow('the edge\'s own insert failed');
    expect(await registry.listTenants()).toEqual([]);
  });

  it('discards only a tenant the same transaction created', async () => {
    const { registry, create } = setup();
    const kept = await create();
    await registry.transaction(async (tx) => {
      const minted = await tx.createTenant(SITE);
      await tx.discardTenant(minted.id);
      const error = await tx.discardTenant(kept.id).then(() => undefined, (caught: unknown) => caught);
      expect(isAppError(error, 'INTERNAL')).toBe(true);
    });
    expect((await registry.listTenants()).map((tenant) => tenant.id)).toEqual([kept.id]);
  });

  it('reports a concurrent reinstall of an uninstalled tenant as revived exactly once, and forgets a finished purge', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    await registry.markUninstalled(tenant.id, T0 + 1);
    await registry.transaction((tx) => tx.finishPurge(tenant.id, T0 + 2));
    const outcomes = await Promise.all([1, 2].map(() => registry.transaction((tx) => tx.reinstallTenant(tenant.id, { atMs: T0 + 10, restartsInstall: false }))));
    expect(outcomes.map((outcome) => outcome.revived).sort()).toEqual([false, true]);
    expect(await registry.findTenant(tenant.id)).toMatchObject({ state: 'installed', enabled: true, installedAtMs: T0 + 10, uninstalledAtMs: undefined, purgeStep: undefined, purgedAtMs: undefined });
  });

  it('keeps an unfinished purge owed through a reinstall, and restarts the install time only when asked', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    await registry.markUninstalled(tenant.id, T0 + 1);
    await registry.transaction((tx) => tx.reinstallTenant(tenant.id, { atMs: T0 + 5, baseUrl: 'https://renamed.atlassian.net', restartsInstall: false }));
    expect(await registry.findTenant(tenant.id)).toMatchObject({ baseUrl: 'https://renamed.atlassian.net', purgeStep: 'pending', installedAtMs: T0 + 5 });
    await registry.transaction((tx) => tx.reinstallTenant(tenant.id, { atMs: T0 + 9, restartsInstall: false }));
    expect(await registry.findTenant(tenant.id)).toMatchObject({ baseUrl: 'https://renamed.atlassian.net', installedAtMs: T0 + 5, updatedAtMs: T0 + 9 });
    await registry.transaction((tx) => tx.reinstallTenant(tenant.id, { atMs: T0 + 12, restartsInstall: true }));
    expect(await registry.findTenant(tenant.id)).toMatchObject({ installedAtMs: T0 + 12 });
  });

  it('finishes a purge of an uninstalled tenant, and only clears the mark of a reinstalled one', async () => {
    const { registry, create } = setup();
    const gone = await create();
    const back = await create({ baseUrl: 'https://back.atlassian.net' });
    for (const tenant of [gone, back]) await registry.markUninstalled(tenant.id, T0 + 1);
    await registry.transaction((tx) => tx.reinstallTenant(back.id, { atMs: T0 + 2, restartsInstall: true }));
    expect(await registry.transaction((tx) => tx.finishPurge(gone.id, T0 + 3))).toMatchObject({ state: 'uninstalled', purgeStep: 'done', purgedAtMs: T0 + 3 });
    expect(await registry.transaction((tx) => tx.finishPurge(back.id, T0 + 3))).toMatchObject({ state: 'installed', purgeStep: undefined, purgedAtMs: undefined });
    expect(await registry.listPurgesOwed()).toEqual([]);
  });

  it('keeps the first uninstall time when the uninstall arrives twice', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    const first = await registry.markUninstalled(tenant.id, T0 + 1000);
    const second = await registry.markUninstalled(tenant.id, T0 + 9000);
    expect(first).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 1000, updatedAtMs: T0 + 1000, purgeStep: 'pending' });
    expect(second).toEqual(first);
  });

  it.each([
    ['disabled, then uninstalled', ['disable', 'uninstall']],
    ['uninstalled, then disabled', ['uninstall', 'disable']],
  ] as const)('ends uninstalled and disabled when %s', async (_, steps) => {
    const { registry, create } = setup();
    const tenant = await create();
    for (const step of steps) {
      if (step === 'disable') await registry.setEnabled(tenant.id, false, T0 + 100);
      else await registry.markUninstalled(tenant.id, T0 + 200);
    }
    expect(await registry.findTenant(tenant.id)).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 200 });
  });

  it('does not revive an uninstalled tenant on a late enabled', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    const uninstalled = await registry.markUninstalled(tenant.id, T0 + 100);
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toEqual(uninstalled);
    expect(await registry.listInstalled()).toEqual([]);
  });

  it('toggles enabled on an installed tenant without touching its state', async () => {
    const { registry, create } = setup();
    const tenant = await create();
    expect(await registry.setEnabled(tenant.id, false, T0 + 100)).toMatchObject({ state: 'installed', enabled: false, updatedAtMs: T0 + 100 });
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toMatchObject({ state: 'installed', enabled: true, updatedAtMs: T0 + 200 });
  });

  it('answers undefined for unknown tenants', async () => {
    const { registry } = setup();
    const unknown = 't_ffffffffffffffffffffffff' as TenantId;
    expect(await registry.findTenant(unknown)).toBeUndefined();
    expect(await registry.markUninstalled(unknown, T0)).toBeUndefined();
    expect(await registry.setEnabled(unknown, false, T0)).toBeUndefined();
    expect(await registry.transaction((tx) => tx.lockTenant(unknown))).toBeUndefined();
  });

  it('lists installed tenants oldest first, disabled ones included', async () => {
    const { registry, clock, create } = setup();
    const a = await create();
    clock.advanceMs(1000);
    const b = await create();
    clock.advanceMs(1000);
    const c = await create();
    await registry.setEnabled(c.id, false, clock.nowMs());
    await registry.markUninstalled(a.id, clock.nowMs());
    expect((await registry.listInstalled()).map((tenant) => tenant.id)).toEqual([b.id, c.id]);
  });

  it('deletes only expired account records whose purge is done', async () => {
    const { registry, create } = setup();
    const done = await create();
    const owed = await create();
    const installed = await create();
    for (const tenant of [done, owed]) await registry.markUninstalled(tenant.id, T0 + 1);
    await registry.transaction((tx) => tx.finishPurge(done.id, T0 + 2));
    expect(await registry.deleteExpiredAccounts(T0 + 1)).toEqual([]);
    expect(await registry.deleteExpiredAccounts(T0 + 2)).toEqual([done.id]);
    expect((await registry.listTenants()).map((tenant) => tenant.id).sort()).toEqual([owed.id, installed.id].sort());
  });
});
