import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { isAppError } from '../platform/app-error.js';
import { controlDialects, useControlDb } from './control-db-test-kit.js';
import { createSecretBox } from './secret-box.js';
import { createSqlTenantRegistry } from './sql-tenant-registry.js';
import { parseTenantId, type TenantId } from './tenant.js';
import type { InstallRecord } from './tenant-registry.js';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

function install(overrides: Partial<InstallRecord> = {}): InstallRecord {
  return {
    clientKey: 'jira:0b9d5a4e-6f2c-4d7e-9a1b-2c3d4e5f6a7b',
    product: 'jira',
    baseUrl: 'https://acme.atlassian.net',
    sharedSecret: 'first-secret-7Qp2Lx9Vb3',
    ...overrides,
  };
}

describe.each(controlDialects)('SqlTenantRegistry (%s)', (dialect) => {
  const kit = useControlDb(dialect);
  const setup = () => {
    const clock = createManualClock(T0);
    const secretBox = createSecretBox(randomBytes(32));
    const registry = createSqlTenantRegistry({ db: kit.control().db, secretBox, clock });
    return { clock, secretBox, registry, db: kit.control().db };
  };

  it('mints a new tenant id for a new client key and stores the secret for it', async () => {
    const { registry } = setup();
    const outcome = await registry.recordInstall(install());
    expect(outcome).toMatchObject({ created: true, reinstalled: false });
    const { tenant } = outcome;
    expect(parseTenantId(tenant.id)).toBe(tenant.id);
    expect(tenant.id).not.toContain(install().clientKey);
    expect(tenant).toEqual({
      id: tenant.id,
      clientKey: install().clientKey,
      product: 'jira',
      baseUrl: 'https://acme.atlassian.net',
      state: 'installed',
      enabled: true,
      installedAtMs: T0,
      uninstalledAtMs: undefined,
      updatedAtMs: T0,
    });
    expect(await registry.findCredentials(tenant.id)).toEqual({ tenant, sharedSecret: install().sharedSecret });
    expect(await registry.findCredentialsByClientKey(install().clientKey)).toEqual({ tenant, sharedSecret: install().sharedSecret });
    expect(await registry.findTenant(tenant.id)).toEqual(tenant);
  });

  it('gives every client key its own tenant id', async () => {
    const { registry } = setup();
    const first = await registry.recordInstall(install());
    const second = await registry.recordInstall(install({ clientKey: 'other-client', product: 'bitbucket' }));
    expect(second.created).toBe(true);
    expect(second.tenant.id).not.toBe(first.tenant.id);
    expect(second.tenant.product).toBe('bitbucket');
  });

  it('replaces secret and base URL on a re-install and keeps the tenant id', async () => {
    const { registry, clock } = setup();
    const first = await registry.recordInstall(install());
    clock.advanceMs(60_000);
    const again = await registry.recordInstall(install({ sharedSecret: 'rotated-secret-Hn4Kd8', baseUrl: 'https://renamed.atlassian.net' }));
    expect(again).toMatchObject({ created: false, reinstalled: false });
    expect(again.tenant).toMatchObject({ id: first.tenant.id, baseUrl: 'https://renamed.atlassian.net', installedAtMs: T0 + 60_000 });
    const credentials = await registry.findCredentialsByClientKey(install().clientKey);
    expect(credentials?.sharedSecret).toBe('rotated-secret-Hn4Kd8');
  });

  it('reinstalls an uninstalled tenant under the same id, enabled, with the uninstall time cleared', async () => {
    const { registry, clock } = setup();
    const { tenant } = await registry.recordInstall(install());
    await registry.markUninstalled(tenant.id, T0 + 1000);
    clock.setMs(T0 + 5000);
    const back = await registry.recordInstall(install({ sharedSecret: 'after-reinstall-secret' }));
    expect(back).toMatchObject({ created: false, reinstalled: true });
    expect(back.tenant).toMatchObject({ id: tenant.id, state: 'installed', enabled: true, installedAtMs: T0 + 5000, uninstalledAtMs: undefined });
    expect((await registry.findCredentials(tenant.id))?.sharedSecret).toBe('after-reinstall-secret');
  });

  it('makes one tenant of two concurrent first installs of the same client key', async () => {
    const { registry, db } = setup();
    const outcomes = await Promise.all([
      registry.recordInstall(install({ sharedSecret: 'racer-a-secret' })),
      registry.recordInstall(install({ sharedSecret: 'racer-b-secret' })),
    ]);
    expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
    expect(new Set(outcomes.map((outcome) => outcome.tenant.id)).size).toBe(1);
    expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    const secret = (await registry.findCredentialsByClientKey(install().clientKey))?.sharedSecret;
    expect(['racer-a-secret', 'racer-b-secret']).toContain(secret);
  });

  it('reports a concurrent re-install of an uninstalled tenant as reinstalled exactly once', async () => {
    const { registry } = setup();
    const { tenant } = await registry.recordInstall(install());
    await registry.markUninstalled(tenant.id, T0);
    const outcomes = await Promise.all([registry.recordInstall(install()), registry.recordInstall(install())]);
    expect(outcomes.map((outcome) => outcome.reinstalled).sort()).toEqual([false, true]);
  });

  it('keeps the first uninstall time when the uninstall arrives twice', async () => {
    const { registry } = setup();
    const { tenant } = await registry.recordInstall(install());
    const first = await registry.markUninstalled(tenant.id, T0 + 1000);
    const second = await registry.markUninstalled(tenant.id, T0 + 9000);
    expect(first).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 1000, updatedAtMs: T0 + 1000 });
    expect(second).toEqual(first);
  });

  it.each([
    ['disabled, then uninstalled', ['disable', 'uninstall']],
    ['uninstalled, then disabled', ['uninstall', 'disable']],
  ] as const)('ends uninstalled and disabled when %s', async (_, steps) => {
    const { registry } = setup();
    const { tenant } = await registry.recordInstall(install());
    for (const step of steps) {
      if (step === 'disable') await registry.setEnabled(tenant.id, false, T0 + 100);
      else await registry.markUninstalled(tenant.id, T0 + 200);
    }
    expect(await registry.findTenant(tenant.id)).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 200 });
  });

  it('does not revive an uninstalled tenant on a late enabled', async () => {
    const { registry } = setup();
    const { tenant } = await registry.recordInstall(install());
    const uninstalled = await registry.markUninstalled(tenant.id, T0 + 100);
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toEqual(uninstalled);
    expect(await registry.listInstalled()).toEqual([]);
  });

  it('toggles enabled on an installed tenant without touching its state', async () => {
    const { registry } = setup();
    const { tenant } = await registry.recordInstall(install());
    expect(await registry.setEnabled(tenant.id, false, T0 + 100)).toMatchObject({ state: 'installed', enabled: false, updatedAtMs: T0 + 100 });
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toMatchObject({ state: 'installed', enabled: true, updatedAtMs: T0 + 200 });
  });

  it('answers undefined for unknown tenants and client keys', async () => {
    const { registry } = setup();
    const unknown = 't_ffffffffffffffffffffffff' as TenantId;
    expect(await registry.findTenant(unknown)).toBeUndefined();
    expect(await registry.findCredentials(unknown)).toBeUndefined();
    expect(await registry.findCredentialsByClientKey('nobody')).toBeUndefined();
    expect(await registry.markUninstalled(unknown, T0)).toBeUndefined();
    expect(await registry.setEnabled(unknown, false, T0)).toBeUndefined();
  });

  it('lists installed tenants oldest first, disabled ones included', async () => {
    const { registry, clock } = setup();
    const a = (await registry.recordInstall(install({ clientKey: 'a' }))).tenant;
    clock.advanceMs(1000);
    const b = (await registry.recordInstall(install({ clientKey: 'b' }))).tenant;
    clock.advanceMs(1000);
    const c = (await registry.recordInstall(install({ clientKey: 'c' }))).tenant;
    await registry.setEnabled(c.id, false, clock.nowMs());
    await registry.markUninstalled(a.id, clock.nowMs());
    expect((await registry.listInstalled()).map((tenant) => tenant.id)).toEqual([b.id, c.id]);
  });

  it('stores the shared secret only sealed, bound to the tenant id', async () => {
    const { registry, db, secretBox } = setup();
    const { tenant } = await registry.recordInstall(install());
    const raw = await db.selectFrom('tenants').selectAll().where('id', '=', tenant.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain(install().sharedSecret);
    expect(secretBox.open(raw.shared_secret_sealed as string, tenant.id)).toBe(install().sharedSecret);
  });

  it("refuses to hand out a sealed secret copied into another tenant's row", async () => {
    const { registry, db } = setup();
    const victim = (await registry.recordInstall(install())).tenant;
    const other = (await registry.recordInstall(install({ clientKey: 'attacker', sharedSecret: 'attacker-secret' }))).tenant;
    const { shared_secret_sealed } = await db.selectFrom('tenants').select('shared_secret_sealed').where('id', '=', victim.id).executeTakeFirstOrThrow();
    await db.updateTable('tenants').set({ shared_secret_sealed }).where('id', '=', other.id).execute();
    const error = await registry.findCredentials(other.id).then(() => undefined, (caught: unknown) => caught);
    expect(isAppError(error, 'TENANT_SECRET_UNREADABLE')).toBe(true);
  });

  it('has no credentials for a tenant whose secret the purge wiped', async () => {
    const { registry, db } = setup();
    const { tenant } = await registry.recordInstall(install());
    await db.updateTable('tenants').set({ shared_secret_sealed: null }).where('id', '=', tenant.id).execute();
    expect(await registry.findCredentials(tenant.id)).toBeUndefined();
    expect(await registry.findTenant(tenant.id)).toMatchObject({ id: tenant.id });
  });
});
