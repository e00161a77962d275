import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createManualClock } from '../platform/clock.js';
import { isAppError } from '../platform/app-error.js';
import { controlDialects, useControlDb } from '../tenants/control-db-test-kit.js';
import { createSecretBox } from '../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../tenants/sql-tenant-registry.js';
import { parseTenantId, type TenantId } from '../tenants/tenant.js';
import { ALL_EDGE_MODULES } from './all-edges.js';
import { forgetTenantInEdges, ownedDataOf } from './edge.js';
import { createConnectInstallationStore, type ConnectInstallRecord as InstallRecord } from './jira-connect/connect-installation-store.js';
import { createForgeInstallationStore, type ForgeInstallRecord } from './jira-forge/forge-installation-store.js';

/*
 * The Connect and Forge edges' installation stores on the core registry: the lifecycle rules and
 * race properties the single `tenants` table had before core migration 005 split it, kept.
 */

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

describe.each(controlDialects)('edge installation stores (%s)', (dialect) => {
  const kit = useControlDb(dialect, ownedDataOf(ALL_EDGE_MODULES).migrations);
  const setup = () => {
    const clock = createManualClock(T0);
    const secretBox = createSecretBox(randomBytes(32));
    const db = kit.control().db as unknown as Kysely<any>;
    const registry = createSqlTenantRegistry({ db: kit.control().db, clock });
    const connect = createConnectInstallationStore({ db, registry, secretBox });
    const forge = createForgeInstallationStore({ db, registry, clock });
    // The purge's last step as src/privacy/purge/tenant-purge.ts runs it.
    const finishPurge = (tenantId: TenantId, atMs: number) =>
      registry.transaction(async (tx) => {
        const finished = await tx.finishPurge(tenantId, atMs);
        if (finished?.state === 'uninstalled') await forgetTenantInEdges(ALL_EDGE_MODULES)(tx.db, tenantId);
        return finished;
      });
    return { clock, secretBox, registry, connect, forge, finishPurge, db };
  };

  it('mints a new tenant id for a new client key and stores the secret for it', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const outcome = await connect.recordInstall(install());
    expect(outcome).toMatchObject({ created: true, reinstalled: false });
    const { tenant } = outcome;
    expect(parseTenantId(tenant.id)).toBe(tenant.id);
    expect(tenant.id).not.toContain(install().clientKey);
    expect(tenant).toEqual({
      id: tenant.id,
      platform: 'connect',
      product: 'jira',
      baseUrl: 'https://acme.atlassian.net',
      state: 'installed',
      enabled: true,
      installedAtMs: T0,
      uninstalledAtMs: undefined,
      updatedAtMs: T0,
    });
    expect(await connect.findCredentials(tenant.id)).toEqual({ tenant, clientKey: install().clientKey, sharedSecret: install().sharedSecret });
    expect(await connect.findCredentialsByClientKey(install().clientKey)).toEqual({ tenant, clientKey: install().clientKey, sharedSecret: install().sharedSecret });
    expect(await registry.findTenant(tenant.id)).toEqual(tenant);
  });

  it('gives every client key its own tenant id', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const first = await connect.recordInstall(install());
    const second = await connect.recordInstall(install({ clientKey: 'other-client', product: 'bitbucket' }));
    expect(second.created).toBe(true);
    expect(second.tenant.id).not.toBe(first.tenant.id);
    expect(second.tenant.product).toBe('bitbucket');
  });

  it('replaces secret and base URL on a re-install and keeps the tenant id', async () => {
    const { registry, clock, connect, forge, finishPurge } = setup();
    const first = await connect.recordInstall(install());
    clock.advanceMs(60_000);
    const again = await connect.recordInstall(install({ sharedSecret: 'rotated-secret-Hn4Kd8', baseUrl: 'https://renamed.atlassian.net' }));
    expect(again).toMatchObject({ created: false, reinstalled: false });
    expect(again.tenant).toMatchObject({ id: first.tenant.id, baseUrl: 'https://renamed.atlassian.net', installedAtMs: T0 + 60_000 });
    const credentials = await connect.findCredentialsByClientKey(install().clientKey);
    expect(credentials?.sharedSecret).toBe('rotated-secret-Hn4Kd8');
  });

  it('reinstalls an uninstalled tenant under the same id, enabled, with the uninstall time cleared', async () => {
    const { registry, clock, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    await registry.markUninstalled(tenant.id, T0 + 1000);
    clock.setMs(T0 + 5000);
    const back = await connect.recordInstall(install({ sharedSecret: 'after-reinstall-secret' }));
    expect(back).toMatchObject({ created: false, reinstalled: true });
    expect(back.tenant).toMatchObject({ id: tenant.id, state: 'installed', enabled: true, installedAtMs: T0 + 5000, uninstalledAtMs: undefined });
    expect((await connect.findCredentials(tenant.id))?.sharedSecret).toBe('after-reinstall-secret');
  });

  it('makes one tenant of two concurrent first installs of the same client key', async () => {
    const { registry, db, connect, forge, finishPurge } = setup();
    const outcomes = await Promise.all([
      connect.recordInstall(install({ sharedSecret: 'racer-a-secret' })),
      connect.recordInstall(install({ sharedSecret: 'racer-b-secret' })),
    ]);
    expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
    expect(new Set(outcomes.map((outcome) => outcome.tenant.id)).size).toBe(1);
    expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    const secret = (await connect.findCredentialsByClientKey(install().clientKey))?.sharedSecret;
    expect(['racer-a-secret', 'racer-b-secret']).toContain(secret);
  });

  it('reports a concurrent re-install of an uninstalled tenant as reinstalled exactly once', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    await registry.markUninstalled(tenant.id, T0);
    const outcomes = await Promise.all([connect.recordInstall(install()), connect.recordInstall(install())]);
    expect(outcomes.map((outcome) => outcome.reinstalled).sort()).toEqual([false, true]);
  });

  it('keeps the first uninstall time when the uninstall arrives twice', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    const first = await registry.markUninstalled(tenant.id, T0 + 1000);
    const second = await registry.markUninstalled(tenant.id, T0 + 9000);
    expect(first).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 1000, updatedAtMs: T0 + 1000 });
    expect(second).toEqual(first);
  });

  it.each([
    ['disabled, then uninstalled', ['disable', 'uninstall']],
    ['uninstalled, then disabled', ['uninstall', 'disable']],
  ] as const)('ends uninstalled and disabled when %s', async (_, steps) => {
    const { registry, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    for (const step of steps) {
      if (step === 'disable') await registry.setEnabled(tenant.id, false, T0 + 100);
      else await registry.markUninstalled(tenant.id, T0 + 200);
    }
    expect(await registry.findTenant(tenant.id)).toMatchObject({ state: 'uninstalled', enabled: false, uninstalledAtMs: T0 + 200 });
  });

  it('does not revive an uninstalled tenant on a late enabled', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    const uninstalled = await registry.markUninstalled(tenant.id, T0 + 100);
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toEqual(uninstalled);
    expect(await registry.listInstalled()).toEqual([]);
  });

  it('toggles enabled on an installed tenant without touching its state', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    expect(await registry.setEnabled(tenant.id, false, T0 + 100)).toMatchObject({ state: 'installed', enabled: false, updatedAtMs: T0 + 100 });
    expect(await registry.setEnabled(tenant.id, true, T0 + 200)).toMatchObject({ state: 'installed', enabled: true, updatedAtMs: T0 + 200 });
  });

  it('answers undefined for unknown tenants and client keys', async () => {
    const { registry, connect, forge, finishPurge } = setup();
    const unknown = 't_ffffffffffffffffffffffff' as TenantId;
    expect(await registry.findTenant(unknown)).toBeUndefined();
    expect(await connect.findCredentials(unknown)).toBeUndefined();
    expect(await connect.findCredentialsByClientKey('nobody')).toBeUndefined();
    expect(await registry.markUninstalled(unknown, T0)).toBeUndefined();
    expect(await registry.setEnabled(unknown, false, T0)).toBeUndefined();
  });

  it('lists installed tenants oldest first, disabled ones included', async () => {
    const { registry, clock, connect, forge, finishPurge } = setup();
    const a = (await connect.recordInstall(install({ clientKey: 'a' }))).tenant;
    clock.advanceMs(1000);
    const b = (await connect.recordInstall(install({ clientKey: 'b' }))).tenant;
    clock.advanceMs(1000);
    const c = (await connect.recordInstall(install({ clientKey: 'c' }))).tenant;
    await registry.setEnabled(c.id, false, clock.nowMs());
    await registry.markUninstalled(a.id, clock.nowMs());
    expect((await registry.listInstalled()).map((tenant) => tenant.id)).toEqual([b.id, c.id]);
  });

  it('stores the shared secret only sealed, bound to the tenant id', async () => {
    const { registry, db, secretBox, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    const raw = await db.selectFrom('jira_connect_installations').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain(install().sharedSecret);
    expect(secretBox.open(raw.shared_secret_sealed as string, tenant.id)).toBe(install().sharedSecret);
  });

  it("refuses to hand out a sealed secret copied into another tenant's row", async () => {
    const { registry, db, connect, forge, finishPurge } = setup();
    const victim = (await connect.recordInstall(install())).tenant;
    const other = (await connect.recordInstall(install({ clientKey: 'attacker', sharedSecret: 'attacker-secret' }))).tenant;
    const { shared_secret_sealed } = await db.selectFrom('jira_connect_installations').select('shared_secret_sealed').where('tenant_id', '=', victim.id).executeTakeFirstOrThrow();
    await db.updateTable('jira_connect_installations').set({ shared_secret_sealed }).where('tenant_id', '=', other.id).execute();
    const error = await connect.findCredentials(other.id).then(() => undefined, (caught: unknown) => caught);
    expect(isAppError(error, 'TENANT_SECRET_UNREADABLE')).toBe(true);
  });

  it('has no credentials for a tenant whose secret the purge wiped', async () => {
    const { registry, db, connect, forge, finishPurge } = setup();
    const { tenant } = await connect.recordInstall(install());
    await db.updateTable('jira_connect_installations').set({ shared_secret_sealed: null }).where('tenant_id', '=', tenant.id).execute();
    expect(await connect.findCredentials(tenant.id)).toBeUndefined();
    expect(await registry.findTenant(tenant.id)).toMatchObject({ id: tenant.id });
  });

  describe('Forge tenants', () => {
    it('registers a new installation as a Forge tenant without a shared secret', async () => {
      const { registry, connect, forge, finishPurge } = setup();
      const outcome = await forge.recordInstall(forgeInstall());
      expect(outcome).toMatchObject({ created: true, reinstalled: false, previousInstallationId: undefined });
      expect(outcome.tenant).toEqual({
        id: outcome.tenant.id,
        installationId: INSTALLATION_A,
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
      expect(await forge.findByInstallationId(INSTALLATION_A)).toEqual(outcome.tenant);
      // The Connect edge's lookups do not find it: a Connect JWT naming it as issuer has nothing to verify with.
      expect(await connect.findCredentials(outcome.tenant.id)).toBeUndefined();
      expect(await connect.findCredentialsByClientKey(INSTALLATION_A)).toBeUndefined();
    });

    it('lets the API base URL stand in for an unknown site URL, and keeps a known one', async () => {
      const { registry, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall({ siteUrl: undefined }));
      expect(tenant.baseUrl).toBe(forgeInstall().apiBaseUrl);
      await forge.setSiteUrl(tenant.id, 'https://acme.atlassian.net', T0 + 1);
      const upgraded = await forge.recordInstall(forgeInstall({ siteUrl: undefined }));
      expect(upgraded).toMatchObject({ created: false, reinstalled: false });
      expect(upgraded.tenant.baseUrl).toBe('https://acme.atlassian.net');
    });

    it('treats a repeated install or an upgrade as an update that keeps the install time', async () => {
      const { registry, clock, connect, forge, finishPurge } = setup();
      const first = await forge.recordInstall(forgeInstall());
      clock.advanceMs(60_000);
      const again = await forge.recordInstall(forgeInstall({ siteUrl: 'https://renamed.atlassian.net' }));
      expect(again).toMatchObject({ created: false, reinstalled: false, previousInstallationId: undefined });
      expect(again.tenant).toMatchObject({ id: first.tenant.id, baseUrl: 'https://renamed.atlassian.net', installedAtMs: T0, updatedAtMs: T0 + 60_000 });
    });

    it('re-keys the tenant of a known cloud id to a new installation id, as a reinstall', async () => {
      const { registry, clock, db, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      await forge.recordTick(tenant.id, T0 + 10);
      clock.advanceMs(5000);
      const again = await forge.recordInstall(forgeInstall({ installationId: INSTALLATION_B }));
      expect(again).toMatchObject({ created: false, reinstalled: true, previousInstallationId: INSTALLATION_A });
      expect(again.tenant).toMatchObject({ id: tenant.id, installationId: INSTALLATION_B, installedAtMs: T0 + 5000, forge: { lastTickAtMs: undefined } });
      expect(await forge.findByInstallationId(INSTALLATION_A)).toBeUndefined();
      expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    });

    it('revives an uninstalled and purged tenant under its id when the site installs again', async () => {
      const { registry, clock, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      await registry.markUninstalled(tenant.id, T0 + 100);
      await finishPurge(tenant.id, T0 + 200);
      clock.setMs(T0 + 86_400_000);
      const back = await forge.recordInstall(forgeInstall({ installationId: INSTALLATION_B }));
      expect(back).toMatchObject({ created: false, reinstalled: true, previousInstallationId: INSTALLATION_A });
      expect(back.tenant).toMatchObject({ id: tenant.id, state: 'installed', enabled: true, purgeStep: undefined, purgedAtMs: undefined, uninstalledAtMs: undefined });
    });

    it('makes one tenant of two concurrent first installs of the same site', async () => {
      const { registry, db, connect, forge, finishPurge } = setup();
      const outcomes = await Promise.all([forge.recordInstall(forgeInstall()), forge.recordInstall(forgeInstall())]);
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(await db.selectFrom('tenants').select('id').execute()).toHaveLength(1);
    });

    it('keeps one Forge tenant per cloud id in the database itself', async () => {
      const { registry, db, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      const other = (await connect.recordInstall(install())).tenant;
      const row = await db.selectFrom('jira_forge_installations').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
      await expect(db.insertInto('jira_forge_installations').values({ ...row, tenant_id: other.id, installation_id: INSTALLATION_B }).execute()).rejects.toThrow();
    });

    it('relinks an installed tenant to a new installation id, but never an uninstalled one', async () => {
      const { registry, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      const relinked = await forge.relink({ installationId: INSTALLATION_B, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl });
      expect(relinked).toMatchObject({ previousInstallationId: INSTALLATION_A, tenant: { id: tenant.id, installationId: INSTALLATION_B, installedAtMs: T0 } });
      expect(await forge.relink({ installationId: INSTALLATION_B, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl })).toBeUndefined();
      await registry.markUninstalled(tenant.id, T0 + 1);
      expect(await forge.relink({ installationId: INSTALLATION_A, cloudId: CLOUD, apiBaseUrl: forgeInstall().apiBaseUrl })).toBeUndefined();
      expect(await forge.findByInstallationId(INSTALLATION_B)).toMatchObject({ state: 'uninstalled' });
    });

    it('records ticks, marks a suspicion once and lets a tick clear it once', async () => {
      const { registry, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      expect(await forge.recordTick(tenant.id, T0 + 300_000)).toMatchObject({ suspicionCleared: false, tenant: { forge: { lastTickAtMs: T0 + 300_000 } } });
      expect(await forge.markSuspected(tenant.id, T0 + 2_000_000)).toBe(true);
      expect(await forge.markSuspected(tenant.id, T0 + 3_000_000)).toBe(false);
      expect((await forge.findByTenant(tenant.id))?.forge.suspectedSinceMs).toBe(T0 + 2_000_000);
      const ticks = await Promise.all([forge.recordTick(tenant.id, T0 + 4_000_000), forge.recordTick(tenant.id, T0 + 4_000_000)]);
      expect(ticks.map((tick) => tick?.suspicionCleared).sort()).toEqual([false, true]);
      expect((await forge.findByTenant(tenant.id))?.forge).toMatchObject({ lastTickAtMs: T0 + 4_000_000, suspectedSinceMs: undefined });
    });

    it('ignores ticks and suspicions of uninstalled and Connect tenants', async () => {
      const { registry, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      await registry.markUninstalled(tenant.id, T0 + 1);
      expect(await forge.recordTick(tenant.id, T0 + 2)).toBeUndefined();
      expect(await forge.markSuspected(tenant.id, T0 + 2)).toBe(false);
      const connectTenant = (await connect.recordInstall(install())).tenant;
      expect(await forge.recordTick(connectTenant.id, T0 + 2)).toBeUndefined();
      expect(await forge.markSuspected(connectTenant.id, T0 + 2)).toBe(false);
      expect(await forge.findByTenant(connectTenant.id)).toBeUndefined();
    });

    it('deletes the tenant\'s system token when its purge finishes, not when it was re-installed meanwhile', async () => {
      const { registry, db, connect, forge, finishPurge } = setup();
      const storeToken = (tenantId: string) => db.insertInto('jira_forge_system_tokens').values({ tenant_id: tenantId, token_sealed: 'sealed', expires_at_ms: T0 + 3_600_000, received_at_ms: T0 }).execute();
      const gone = (await forge.recordInstall(forgeInstall())).tenant;
      const back = (await forge.recordInstall(forgeInstall({ installationId: INSTALLATION_B, cloudId: 'c1d2e3f4-0000-4000-8000-000000000001', apiBaseUrl: 'https://api.atlassian.com/ex/jira/c1d2e3f4-0000-4000-8000-000000000001' }))).tenant;
      await storeToken(gone.id);
      await storeToken(back.id);
      for (const tenant of [gone, back]) await registry.markUninstalled(tenant.id, T0 + 1);
      await forge.recordInstall(forgeInstall({ installationId: INSTALLATION_B, cloudId: 'c1d2e3f4-0000-4000-8000-000000000001', apiBaseUrl: 'https://api.atlassian.com/ex/jira/c1d2e3f4-0000-4000-8000-000000000001' }));
      for (const tenant of [gone, back]) await finishPurge(tenant.id, T0 + 2);
      const left = await db.selectFrom('jira_forge_system_tokens').select('tenant_id').execute();
      expect(left).toEqual([{ tenant_id: back.id }]);
    });

    it('drops the tokens with the account record', async () => {
      const { registry, db, connect, forge, finishPurge } = setup();
      const { tenant } = await forge.recordInstall(forgeInstall());
      await db.insertInto('jira_forge_system_tokens').values({ tenant_id: tenant.id, token_sealed: 'sealed', expires_at_ms: T0, received_at_ms: T0 }).execute();
      await registry.markUninstalled(tenant.id, T0 + 1);
      await db.updateTable('tenants').set({ purge_step: 'done' }).where('id', '=', tenant.id).execute();
      expect(await registry.deleteExpiredAccounts(T0 + 2)).toEqual([tenant.id]);
      expect(await db.selectFrom('jira_forge_system_tokens').selectAll().execute()).toEqual([]);
    });
  });
});
