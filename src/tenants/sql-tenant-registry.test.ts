import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { isAppError } from '../platform/app-error.js';
import { controlDialects, useControlDb } from './control-db-test-kit.js';
import { createSecretBox } from './secret-box.js';
import { createSqlTenantRegistry } from './sql-tenant-registry.js';
import { parseTenantId, type TenantId } from './tenant.js';
import type { ForgeInstallRecord, InstallRecord } from './tenant-registry.js';

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

const CLOUD = '5a3e9d0c-1b2f-4c6d-8e7f-0a1b2c3d4e5f';
const INSTALLATION_A = 'ari:cloud:ecosystem::installation/11111111-2222-4333-8444-555555555555';
const INSTALLATION_B = 'ari:cloud:ecosystem::installation/66666666-7777-4888-8999-aaaaaaaaaaaa';

function forgeInstall(overrides: Partial<ForgeInstallRecord> = {}): ForgeInstallRecord {
  return {
    installationId: INSTALLATION_A,
    cloudId: CLOUD,
    apiBaseUrl: `https://api.atlassian.com/ex/jira/${CLOUD}`,
    product: 'jira',
    siteUrl: 'https://acme.atlassian.net',
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
      platform: 'connect',
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

  describe('tenants an edge creates without a lifecycle', () => {
    const site = { platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net', clientKey: 'jira-site:5a3e9d0c' } as const;

    it('creates an installed, enabled tenant of the given platform without a secret', async () => {
      const { registry } = setup();
      const { tenant, created } = await registry.createTenant(site);
      expect(created).toBe(true);
      expect(tenant).toMatchObject({ platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net', state: 'installed', enabled: true, installedAtMs: T0 });
      expect(parseTenantId(tenant.id)).toBe(tenant.id);
      expect(await registry.findCredentials(tenant.id)).toBeUndefined();
      expect(await registry.listInstalled()).toEqual([tenant]);
    });

    it('returns the tenant a known key already names', async () => {
      const { registry, clock } = setup();
      const first = await registry.createTenant(site);
      clock.advanceMs(60_000);
      const again = await registry.createTenant({ ...site, baseUrl: 'https://other.atlassian.net' });
      expect(again).toEqual({ tenant: first.tenant, created: false });
    });

    it('makes one tenant of two concurrent creations with the same key', async () => {
      const { registry } = setup();
      const both = await Promise.all([registry.createTenant(site), registry.createTenant(site)]);
      expect(new Set(both.map((outcome) => outcome.tenant.id)).size).toBe(1);
      expect(both.filter((outcome) => outcome.created)).toHaveLength(1);
    });
  });

  describe('Forge tenants', () => {
    it('registers a new installation as a Forge tenant without a shared secret', async () => {
      const { registry } = setup();
      const outcome = await registry.recordForgeInstall(forgeInstall());
      expect(outcome).toMatchObject({ created: true, reinstalled: false, previousInstallationId: undefined });
      expect(outcome.tenant).toEqual({
        id: outcome.tenant.id,
        clientKey: INSTALLATION_A,
        platform: 'forge',
        forge: { cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl, lastTickAtMs: undefined, suspectedSinceMs: undefined },
        product: 'jira',
        baseUrl: 'https://acme.atlassian.net',
        state: 'installed',
        enabled: true,
        installedAtMs: T0,
        uninstalledAtMs: undefined,
        updatedAtMs: T0,
      });
      expect(await registry.findForgeTenant(INSTALLATION_A)).toEqual(outcome.tenant);
      // Neither edge's secret-based lookups find it: a Connect JWT naming it as issuer has nothing to verify with.
      expect(await registry.findCredentials(outcome.tenant.id)).toBeUndefined();
      expect(await registry.findCredentialsByClientKey(INSTALLATION_A)).toBeUndefined();
    });

    it('lets the API base URL stand in for an unknown site URL, and keeps a known one', async () => {
      const { registry } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall({ siteUrl: undefined }));
      expect(tenant.baseUrl).toBe(forgeInstall().apiBaseUrl);
      await registry.setForgeSiteUrl(tenant.id, 'https://acme.atlassian.net', T0 + 1);
      const upgraded = await registry.recordForgeInstall(forgeInstall({ siteUrl: undefined }));
      expect(upgraded).toMatchObject({ created: false, reinstalled: false });
      expect(upgraded.tenant.baseUrl).toBe('https://acme.atlassian.net');
    });

    it('treats a repeated install or an upgrade as an update that keeps the install time', async () => {
      const { registry, clock } = setup();
      const first = await registry.recordForgeInstall(forgeInstall());
      clock.advanceMs(60_000);
      const again = await registry.recordForgeInstall(forgeInstall({ siteUrl: 'https://renamed.atlassian.net' }));
      expect(again).toMatchObject({ created: false, reinstalled: false, previousInstallationId: undefined });
      expect(again.tenant).toMatchObject({ id: first.tenant.id, baseUrl: 'https://renamed.atlassian.net', installedAtMs: T0, updatedAtMs: T0 + 60_000 });
    });

    it('re-keys the tenant of a known cloud id to a new installation id, as a reinstall', async () => {
      const { registry, clock, db } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      await registry.recordForgeTick(tenant.id, T0 + 10);
      clock.advanceMs(5000);
      const again = await registry.recordForgeInstall(forgeInstall({ installationId: INSTALLATION_B }));
      expect(again).toMatchObject({ created: false, reinstalled: true, previousInstallationId: INSTALLATION_A });
      expect(again.tenant).toMatchObject({ id: tenant.id, clientKey: INSTALLATION_B, installedAtMs: T0 + 5000, forge: { lastTickAtMs: undefined } });
      expect(await registry.findForgeTenant(INSTALLATION_A)).toBeUndefined();
      expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    });

    it('revives an uninstalled and purged tenant under its id when the site installs again', async () => {
      const { registry, clock } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      await registry.markUninstalled(tenant.id, T0 + 100);
      await registry.finishPurge(tenant.id, T0 + 200);
      clock.setMs(T0 + 86_400_000);
      const back = await registry.recordForgeInstall(forgeInstall({ installationId: INSTALLATION_B }));
      expect(back).toMatchObject({ created: false, reinstalled: true, previousInstallationId: INSTALLATION_A });
      expect(back.tenant).toMatchObject({ id: tenant.id, state: 'installed', enabled: true, purgeStep: undefined, purgedAtMs: undefined, uninstalledAtMs: undefined });
    });

    it('makes one tenant of two concurrent first installs of the same site', async () => {
      const { registry, db } = setup();
      const outcomes = await Promise.all([registry.recordForgeInstall(forgeInstall()), registry.recordForgeInstall(forgeInstall())]);
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    });

    it('keeps one Forge tenant per cloud id in the database itself', async () => {
      const { registry, db } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', tenant.id).executeTakeFirstOrThrow();
      await expect(db.insertInto('tenants').values({ ...row, enabled: 1, id: 't_000000000000000000000009', client_key: INSTALLATION_B }).execute()).rejects.toThrow();
    });

    it('relinks an installed tenant to a new installation id, but never an uninstalled one', async () => {
      const { registry } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      const relinked = await registry.relinkForgeInstallation({ installationId: INSTALLATION_B, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl });
      expect(relinked).toMatchObject({ previousInstallationId: INSTALLATION_A, tenant: { id: tenant.id, clientKey: INSTALLATION_B, installedAtMs: T0 } });
      expect(await registry.relinkForgeInstallation({ installationId: INSTALLATION_B, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl })).toBeUndefined();
      await registry.markUninstalled(tenant.id, T0 + 1);
      expect(await registry.relinkForgeInstallation({ installationId: INSTALLATION_A, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl })).toBeUndefined();
      expect(await registry.findForgeTenant(INSTALLATION_B)).toMatchObject({ state: 'uninstalled' });
    });

    it('records ticks, marks a suspicion once and lets a tick clear it once', async () => {
      const { registry } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      expect(await registry.recordForgeTick(tenant.id, T0 + 300_000)).toMatchObject({ suspicionCleared: false, tenant: { forge: { lastTickAtMs: T0 + 300_000 } } });
      expect(await registry.markForgeSuspected(tenant.id, T0 + 2_000_000)).toBe(true);
      expect(await registry.markForgeSuspected(tenant.id, T0 + 3_000_000)).toBe(false);
      expect((await registry.findTenant(tenant.id))?.forge?.suspectedSinceMs).toBe(T0 + 2_000_000);
      const ticks = await Promise.all([registry.recordForgeTick(tenant.id, T0 + 4_000_000), registry.recordForgeTick(tenant.id, T0 + 4_000_000)]);
      expect(ticks.map((tick) => tick?.suspicionCleared).sort()).toEqual([false, true]);
      expect((await registry.findTenant(tenant.id))?.forge).toMatchObject({ lastTickAtMs: T0 + 4_000_000, suspectedSinceMs: undefined });
    });

    it('ignores ticks and suspicions of uninstalled and Connect tenants', async () => {
      const { registry } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      await registry.markUninstalled(tenant.id, T0 + 1);
      expect(await registry.recordForgeTick(tenant.id, T0 + 2)).toBeUndefined();
      expect(await registry.markForgeSuspected(tenant.id, T0 + 2)).toBe(false);
      const connect = (await registry.recordInstall(install())).tenant;
      expect(await registry.recordForgeTick(connect.id, T0 + 2)).toBeUndefined();
      expect(await registry.markForgeSuspected(connect.id, T0 + 2)).toBe(false);
      expect(await registry.findTenant(connect.id)).not.toHaveProperty('forge');
    });

    it('deletes the tenant\'s system token when its purge finishes, not when it was re-installed meanwhile', async () => {
      const { registry, db } = setup();
      const storeToken = (tenantId: string) => db.insertInto('forge_system_tokens').values({ tenant_id: tenantId, token_sealed: 'sealed', expires_at_ms: T0 + 3_600_000, received_at_ms: T0 }).execute();
      const gone = (await registry.recordForgeInstall(forgeInstall())).tenant;
      const back = (await registry.recordForgeInstall(forgeInstall({ installationId: INSTALLATION_B, cloudId: 'c1d2e3f4-0000-4000-8000-000000000001', apiBaseUrl: 'https://api.atlassian.com/ex/jira/c1d2e3f4-0000-4000-8000-000000000001' }))).tenant;
      await storeToken(gone.id);
      await storeToken(back.id);
      for (const tenant of [gone, back]) await registry.markUninstalled(tenant.id, T0 + 1);
      await registry.recordForgeInstall(forgeInstall({ installationId: INSTALLATION_B, cloudId: 'c1d2e3f4-0000-4000-8000-000000000001', apiBaseUrl: 'https://api.atlassian.com/ex/jira/c1d2e3f4-0000-4000-8000-000000000001' }));
      for (const tenant of [gone, back]) await registry.finishPurge(tenant.id, T0 + 2);
      const left = await db.selectFrom('forge_system_tokens').select('tenant_id').execute();
      expect(left).toEqual([{ tenant_id: back.id }]);
    });

    it('drops the tokens with the account record', async () => {
      const { registry, db } = setup();
      const { tenant } = await registry.recordForgeInstall(forgeInstall());
      await db.insertInto('forge_system_tokens').values({ tenant_id: tenant.id, token_sealed: 'sealed', expires_at_ms: T0, received_at_ms: T0 }).execute();
      await registry.markUninstalled(tenant.id, T0 + 1);
      await db.updateTable('tenants').set({ purge_step: 'done' }).where('id', '=', tenant.id).execute();
      expect(await registry.deleteExpiredAccounts(T0 + 2)).toEqual([tenant.id]);
      expect(await db.selectFrom('forge_system_tokens').selectAll().execute()).toEqual([]);
    });
  });
});
