import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ALL_EDGE_MODULES } from '../all-edges.js';
import { ownedDataOf } from '../edge.js';
import { createConnectInstallationStore } from '../jira-connect/connect-installation-store.js';
import { createForgeInstallationStore } from './forge-installation-store.js';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { isAppError } from '../../platform/app-error.js';
import { controlDialects, useControlDb } from '../../tenants/control-db-test-kit.js';
import { createSecretBox } from '../../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import { createForgeJiraCredentials } from './forge-jira-credentials.js';
import { createSqlForgeTokenStore, readTokenExpiryMs, UNREADABLE_TOKEN_LIFETIME_MS } from './forge-token-store.js';

const T0 = Date.UTC(2026, 7, 1, 9, 0, 0);
const CLOUD = '11111111-aaaa-4aaa-8aaa-111111111111';
const API = `https://api.atlassian.com/ex/jira/${CLOUD}`;

/** A JWT-shaped opaque token expiring at `expMs` (the signature is junk: Tally never verifies it). */
function systemToken(expMs: number, label = randomBytes(6).toString('hex')): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'oauth' })}.${part({ sub: 'bot', exp: Math.floor(expMs / 1000), label })}.c2lnbmF0dXJl`;
}

describe('readTokenExpiryMs', () => {
  it("reads the payload's exp without verifying the token", () => {
    expect(readTokenExpiryMs(systemToken(T0 + 7_200_000), T0)).toBe(T0 + 7_200_000);
  });

  it('assumes 55 minutes for a token whose exp cannot be read', () => {
    for (const opaque of ['opaque-token', 'a.%%%.c', `a.${Buffer.from('not json').toString('base64url')}.c`, `a.${Buffer.from('{"exp":"soon"}').toString('base64url')}.c`]) {
      expect(readTokenExpiryMs(opaque, T0)).toBe(T0 + UNREADABLE_TOKEN_LIFETIME_MS);
    }
  });
});

describe.each(controlDialects)('ForgeTokenStore (%s)', (dialect) => {
  const kit = useControlDb(dialect, ownedDataOf(ALL_EDGE_MODULES).migrations);
  const setup = async () => {
    const clock = createManualClock(T0);
    const secretBox = createSecretBox(randomBytes(32));
    const db = kit.control().db as unknown as Kysely<any>;
    const registry = createSqlTenantRegistry({ db: kit.control().db, clock });
    const installations = createForgeInstallationStore({ db, registry, clock });
    const connect = createConnectInstallationStore({ db, registry, secretBox });
    const store = createSqlForgeTokenStore({ db, secretBox, clock });
    const { tenant } = await installations.recordInstall({ installationId: 'ari:cloud:ecosystem::installation/33333333-cccc-4ccc-8ccc-333333333333', cloudId: CLOUD, apiBaseUrl: API, product: 'jira', siteUrl: 'https://acme.atlassian.net' });
    return { clock, secretBox, db, registry, installations, connect, store, tenant };
  };

  it('stores a token only sealed, bound to the tenant, and hands it back while valid', async () => {
    const { store, tenant, db, secretBox } = await setup();
    const token = systemToken(T0 + 3_600_000);
    expect(await store.storeSystemToken(tenant.id, token)).toBe(true);
    const raw = await db.selectFrom('jira_forge_system_tokens').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain(token.split('.')[1]);
    expect(secretBox.open(raw.token_sealed, tenant.id)).toBe(token);
    expect(await store.findSystemToken(tenant.id, T0)).toEqual({ token, expiresAtMs: T0 + 3_600_000 });
    expect(await store.findSystemToken(tenant.id, T0 + 3_600_000)).toBeUndefined();
  });

  it('keeps the token that expires later, whatever order deliveries arrive in', async () => {
    const { store, tenant } = await setup();
    const fresher = systemToken(T0 + 4 * 3_600_000);
    const older = systemToken(T0 + 2 * 3_600_000);
    expect(await store.storeSystemToken(tenant.id, fresher)).toBe(true);
    expect(await store.storeSystemToken(tenant.id, older)).toBe(false);
    expect((await store.findSystemToken(tenant.id, T0))?.token).toBe(fresher);
    const newest = systemToken(T0 + 5 * 3_600_000);
    expect(await store.storeSystemToken(tenant.id, newest)).toBe(true);
    expect((await store.findSystemToken(tenant.id, T0))?.token).toBe(newest);
  });

  it('ignores expired, empty, over-long and whitespace-bearing tokens', async () => {
    const { store, tenant } = await setup();
    for (const junk of [systemToken(T0 - 1000), '', 'a'.repeat(20_000), 'two words']) expect(await store.storeSystemToken(tenant.id, junk)).toBe(false);
    expect(await store.findSystemToken(tenant.id, T0)).toBeUndefined();
  });

  it("refuses a sealed token copied into another tenant's row", async () => {
    const { store, tenant, db, installations } = await setup();
    await store.storeSystemToken(tenant.id, systemToken(T0 + 3_600_000));
    const other = (await installations.recordInstall({ installationId: 'ari:cloud:ecosystem::installation/44444444-dddd-4ddd-8ddd-444444444444', cloudId: '22222222-bbbb-4bbb-8bbb-222222222222', apiBaseUrl: 'https://api.atlassian.com/ex/jira/22222222-bbbb-4bbb-8bbb-222222222222', product: 'jira', siteUrl: undefined })).tenant;
    const { token_sealed } = await db.selectFrom('jira_forge_system_tokens').select('token_sealed').executeTakeFirstOrThrow();
    await db.insertInto('jira_forge_system_tokens').values({ tenant_id: other.id, token_sealed, expires_at_ms: T0 + 3_600_000, received_at_ms: T0 }).execute();
    const error = await store.findSystemToken(other.id, T0).then(() => undefined, (caught: unknown) => caught);
    expect(isAppError(error, 'TENANT_SECRET_UNREADABLE')).toBe(true);
  });

  it('is shared by every instance on the same control database', async () => {
    const { store, tenant, db, secretBox, clock } = await setup();
    const otherInstance = createSqlForgeTokenStore({ db, secretBox, clock });
    const token = systemToken(T0 + 3_600_000);
    await otherInstance.storeSystemToken(tenant.id, token);
    expect((await store.findSystemToken(tenant.id, T0))?.token).toBe(token);
  });

  describe('Forge Jira credentials', () => {
    it("authorizes requests to the tenant's API base URL with the freshest token", async () => {
      const { store, tenant, registry, installations, clock } = await setup();
      const credentials = createForgeJiraCredentials({ installations, tokens: store, clock });
      expect(await credentials.forTenant(tenant.id)).toBeUndefined();
      const first = systemToken(T0 + 3_600_000);
      await store.storeSystemToken(tenant.id, first);
      const access = await credentials.forTenant(tenant.id);
      expect(access?.baseUrl).toBe(API);
      expect(await access?.authorize({ method: 'GET', url: `${API}/rest/api/3/myself` })).toBe(`Bearer ${first}`);
      // A tick delivered a newer token meanwhile: the next request uses it.
      const second = systemToken(T0 + 4 * 3_600_000);
      await store.storeSystemToken(tenant.id, second);
      expect(await access?.authorize({ method: 'GET', url: `${API}/rest/api/3/myself` })).toBe(`Bearer ${second}`);
    });

    it('stops using a token five minutes before it expires', async () => {
      const { store, tenant, registry, installations, clock } = await setup();
      const credentials = createForgeJiraCredentials({ installations, tokens: store, clock });
      await store.storeSystemToken(tenant.id, systemToken(T0 + 3_600_000));
      const access = await credentials.forTenant(tenant.id);
      clock.setMs(T0 + 3_600_000 - 4 * 60_000);
      expect(await credentials.forTenant(tenant.id)).toBeUndefined();
      await expect(access?.authorize({ method: 'GET', url: `${API}/rest/api/3/myself` })).rejects.toMatchObject({ code: 'JIRA_AUTH_FAILED' });
    });

    it('never sends the token outside the API base URL, nor for an uninstalled tenant', async () => {
      const { store, tenant, registry, installations, clock } = await setup();
      const credentials = createForgeJiraCredentials({ installations, tokens: store, clock });
      await store.storeSystemToken(tenant.id, systemToken(T0 + 3_600_000));
      const access = await credentials.forTenant(tenant.id);
      await expect(access?.authorize({ method: 'GET', url: 'https://evil.example.com/rest/api/3/myself' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(access?.authorize({ method: 'GET', url: `https://api.atlassian.com/ex/jira/${CLOUD}evil/x` })).rejects.toMatchObject({ code: 'INTERNAL' });
      await registry.markUninstalled(tenant.id, T0 + 1);
      expect(await credentials.forTenant(tenant.id)).toBeUndefined();
      await expect(access?.authorize({ method: 'GET', url: `${API}/rest/api/3/myself` })).rejects.toMatchObject({ code: 'JIRA_AUTH_FAILED' });
    });

    it('answers nothing for a Connect tenant', async () => {
      const { store, installations, connect: connectStore, clock } = await setup();
      const connect = (await connectStore.recordInstall({ clientKey: 'ck', product: 'jira', baseUrl: 'https://acme.atlassian.net', sharedSecret: 'secret-0123456789' })).tenant;
      expect(await createForgeJiraCredentials({ installations, tokens: store, clock }).forTenant(connect.id)).toBeUndefined();
    });
  });
});
