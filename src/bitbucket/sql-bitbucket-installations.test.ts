import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import { isAppError } from '../platform/app-error.js';
import { controlDialects, useControlDb } from '../tenants/control-db-test-kit.js';
import { createSqlTenantRegistry } from '../tenants/sql-tenant-registry.js';
import type { ErrorCode } from '../platform/error-codes.js';
import type { BitbucketInstaller } from './bitbucket-installations.js';
import { hashPairingCode, normalisePairingCode } from './pairing-code.js';
import { createSqlBitbucketInstallations, forgetBitbucketLinksOf } from './sql-bitbucket-installations.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const PAIRING_MINUTES = 15;
const ANA: BitbucketInstaller = { uuid: '{0c6b2f5e-4e0d-4c87-9d1b-6a5c1f7e9a10}', username: 'ana', avatarUrl: 'https://avatar-management.example/ana.png' };

/** A stand-in for an edge's own table, as the Bitbucket edges declare theirs: keyed by the core's id, deleted with it. */
const EDGE_TABLE_MIGRATIONS = {
  'bitbucket-test/001_installations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bitbucket_test_installations')
        .addColumn('installation_id', 'text', (column) => column.primaryKey().references('bitbucket_installations.id').onDelete('cascade'))
        .addColumn('client_key', 'text', (column) => column.notNull().unique())
        .execute();
    },
  },
};

async function failureCode(promise: Promise<unknown>): Promise<ErrorCode | string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  return isAppError(error) ? error.code : `not an AppError: ${String(error)}`;
}

describe.each(controlDialects)('SqlBitbucketInstallations (%s)', (dialect) => {
  const kit = useControlDb(dialect, EDGE_TABLE_MIGRATIONS);
  const setup = () => {
    const clock = createManualClock(T0);
    const db = kit.control().db as unknown as Kysely<any>;
    const registry = createSqlTenantRegistry({ db: kit.control().db, clock });
    const installations = createSqlBitbucketInstallations({ db, clock, pairingMinutes: PAIRING_MINUTES, dialect: kit.control().dialect });
    const site = () => registry.transaction((tx) => tx.createTenant({ platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net' }));
    const workspace = (state: 'pending' | 'active' = 'active', clientKey = `key-${Math.random()}`) =>
      installations.transaction(async (tx) => {
        const created = await tx.create({ edge: 'bitbucket-test', state, installer: ANA });
        await tx.db.insertInto('bitbucket_test_installations').values({ installation_id: created.id, client_key: clientKey }).execute();
        return created;
      });
    const codeRows = () => db.selectFrom('bitbucket_pairing_codes').selectAll().execute();
    return { clock, db, registry, installations, site, workspace, codeRows };
  };

  it('creates an installation with a fresh id and only the installer and link fields', async () => {
    const { installations, workspace, db } = setup();
    const created = await workspace('pending');
    expect(created).toEqual({ id: expect.stringMatching(/^bb_[0-9a-f]{24}$/), edge: 'bitbucket-test', state: 'pending', installer: ANA, jiraTenantId: null, linkedAtMs: null, createdAtMs: T0 });
    expect(await installations.find(created.id)).toEqual(created);
    await installations.transaction((tx) => tx.update(created.id, { state: 'active', installer: { ...ANA, username: 'ana-renamed' } }));
    expect(await installations.find(created.id)).toMatchObject({ state: 'active', installer: { username: 'ana-renamed' } });
    const row = await db.selectFrom('bitbucket_installations').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(Object.keys(row).sort()).toEqual(['created_at_ms', 'edge', 'id', 'installer_avatar_url', 'installer_username', 'installer_uuid', 'jira_tenant_id', 'linked_at_ms', 'state']);
  });

  it('deletes the edge\'s row with the installation, and rolls back a failed transaction', async () => {
    const { installations, workspace, db } = setup();
    const kept = await workspace();
    const gone = await workspace();
    await installations.remove(gone.id);
    await installations.remove(gone.id);
    expect(await installations.find(gone.id)).toBeUndefined();
    expect((await db.selectFrom('bitbucket_test_installations').select('installation_id').execute()).map((row) => row.installation_id)).toEqual([kept.id]);
    const failed = installations.transaction(async (tx) => {
      await tx.create({ edge: 'bitbucket-test', state: 'active', installer: ANA });
      throw new Error('the edge\'s own insert failed');
    });
    await expect(failed).rejects.toThrow('the edge\'s own insert failed');
    expect(await db.selectFrom('bitbucket_installations').select('id').execute()).toEqual([{ id: kept.id }]);
  });

  it('stores only the hash of a code, and links the installation to its tenant whatever case and dashes are typed', async () => {
    const { installations, site, workspace, codeRows } = setup();
    const tenant = await site();
    const installation = await workspace();
    const pairing = await installations.createPairingCode(tenant.id);
    expect(pairing.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(pairing.expiresAtMs).toBe(T0 + PAIRING_MINUTES * 60_000);
    const rows = await codeRows();
    expect(rows).toEqual([{ code_hash: hashPairingCode(normalisePairingCode(pairing.code)!), tenant_id: tenant.id, created_at_ms: T0, expires_at_ms: pairing.expiresAtMs }]);
    expect(JSON.stringify(rows)).not.toContain(pairing.code.replace(/-/g, ''));

    const typed = ` ${pairing.code.toLowerCase().replace(/-/g, ' ')} `;
    const linked = await installations.redeemPairingCode(installation.id, typed);
    expect(linked).toEqual({ ...installation, jiraTenantId: tenant.id, linkedAtMs: T0 });
    expect(await installations.listLinked(tenant.id)).toEqual([linked]);
    expect(await codeRows()).toEqual([]);
  });

  it('accepts a code once: a second redemption, even by another workspace, is refused', async () => {
    const { installations, site, workspace } = setup();
    const tenant = await site();
    const [first, second] = [await workspace(), await workspace()];
    const { code } = await installations.createPairingCode(tenant.id);
    await installations.redeemPairingCode(first.id, code);
    expect(await failureCode(installations.redeemPairingCode(second.id, code))).toBe('BITBUCKET_PAIRING_CODE_INVALID');
    expect(await installations.find(second.id)).toMatchObject({ jiraTenantId: null });
  });

  it('lets exactly one of two concurrent redemptions of a code win', async () => {
    const { installations, site, workspace } = setup();
    const tenant = await site();
    const contenders = [await workspace(), await workspace()];
    const { code } = await installations.createPairingCode(tenant.id);
    const outcomes = await Promise.all(contenders.map((installation) => failureCode(installations.redeemPairingCode(installation.id, code))));
    expect(outcomes.filter((outcome) => outcome === 'BITBUCKET_PAIRING_CODE_INVALID')).toHaveLength(1);
    expect(await installations.listLinked(tenant.id)).toHaveLength(1);
  });

  it('refuses an expired code and deletes expired codes when another is made', async () => {
    const { clock, installations, site, workspace, codeRows } = setup();
    const tenant = await site();
    const installation = await workspace();
    const { code } = await installations.createPairingCode(tenant.id);
    clock.advanceMs(PAIRING_MINUTES * 60_000);
    expect(await failureCode(installations.redeemPairingCode(installation.id, code))).toBe('BITBUCKET_PAIRING_CODE_INVALID');
    const stale = await installations.createPairingCode(tenant.id);
    clock.advanceMs(PAIRING_MINUTES * 60_000 + 1);
    const fresh = await installations.createPairingCode(tenant.id);
    expect((await codeRows()).map((row) => row.code_hash)).toEqual([hashPairingCode(normalisePairingCode(fresh.code)!)]);
    expect(stale.code).not.toBe(fresh.code);
  });

  it('refuses a pending installation and an unknown one', async () => {
    const { installations, site, workspace } = setup();
    const tenant = await site();
    const pending = await workspace('pending');
    const { code } = await installations.createPairingCode(tenant.id);
    expect(await failureCode(installations.redeemPairingCode(pending.id, code))).toBe('BITBUCKET_INSTALLATION_PENDING');
    expect(await failureCode(installations.redeemPairingCode('bb_000000000000000000000000' as never, code))).toBe('NOT_FOUND');
    // Neither attempt used the code up.
    const active = await workspace();
    expect(await installations.redeemPairingCode(active.id, code)).toMatchObject({ jiraTenantId: tenant.id });
  });

  it('refuses every code after 5 wrong ones for an installation within 15 minutes, the right one too', async () => {
    const { clock, installations, site, workspace } = setup();
    const tenant = await site();
    const [guesser, other] = [await workspace(), await workspace()];
    for (const wrong of ['0000-0000-0000-0000', 'not a code', '1111-1111-1111-1111', '2222-2222-2222-2222']) {
      expect(await failureCode(installations.redeemPairingCode(guesser.id, wrong))).toBe('BITBUCKET_PAIRING_CODE_INVALID');
      clock.advanceMs(60_000);
    }
    expect(await failureCode(installations.redeemPairingCode(guesser.id, '3333-3333-3333-3333'))).toBe('BITBUCKET_PAIRING_CODE_INVALID');
    const { code } = await installations.createPairingCode(tenant.id);
    expect(await failureCode(installations.redeemPairingCode(guesser.id, code))).toBe('BITBUCKET_PAIRING_RATE_LIMITED');
    // Another workspace is not held back by the guesser's tries.
    const second = await installations.createPairingCode(tenant.id);
    expect(await installations.redeemPairingCode(other.id, second.code)).toMatchObject({ jiraTenantId: tenant.id });
    // 15 minutes after the first wrong code only 4 remain in the window: the code works.
    clock.advanceMs(15 * 60_000 - 4 * 60_000);
    expect(await installations.redeemPairingCode(guesser.id, code)).toMatchObject({ jiraTenantId: tenant.id });
  });

  it('makes no code for an uninstalled Jira tenant, and a code made before its uninstall links nothing', async () => {
    const { installations, registry, site, workspace } = setup();
    const tenant = await site();
    const installation = await workspace();
    const { code } = await installations.createPairingCode(tenant.id);
    await registry.markUninstalled(tenant.id, T0 + 1);
    expect(await failureCode(installations.createPairingCode(tenant.id))).toBe('AUTH_FORBIDDEN');
    expect(await failureCode(installations.redeemPairingCode(installation.id, code))).toBe('BITBUCKET_PAIRING_CODE_INVALID');
    expect(await installations.find(installation.id)).toMatchObject({ jiraTenantId: null, linkedAtMs: null });
  });

  it('re-links a linked installation to the tenant of a new code', async () => {
    const { clock, installations, site, workspace } = setup();
    const [first, second] = [await site(), await site()];
    const installation = await workspace();
    await installations.redeemPairingCode(installation.id, (await installations.createPairingCode(first.id)).code);
    clock.advanceMs(1000);
    await installations.redeemPairingCode(installation.id, (await installations.createPairingCode(second.id)).code);
    expect(await installations.listLinked(first.id)).toEqual([]);
    expect(await installations.listLinked(second.id)).toEqual([expect.objectContaining({ id: installation.id, linkedAtMs: T0 + 1000 })]);
  });

  it('lists a tenant\'s active linked installations, oldest link first, and unlinks from either side', async () => {
    const { clock, installations, site, workspace } = setup();
    const [tenant, stranger] = [await site(), await site()];
    const later = await workspace();
    const earlier = await workspace();
    await installations.redeemPairingCode(earlier.id, (await installations.createPairingCode(tenant.id)).code);
    clock.advanceMs(5000);
    await installations.redeemPairingCode(later.id, (await installations.createPairingCode(tenant.id)).code);
    expect((await installations.listLinked(tenant.id)).map((installation) => installation.id)).toEqual([earlier.id, later.id]);

    expect(await installations.unlinkFromTenant(stranger.id, earlier.id)).toBe(false);
    expect(await installations.unlinkFromTenant(tenant.id, earlier.id)).toBe(true);
    expect(await installations.unlinkFromTenant(tenant.id, earlier.id)).toBe(false);
    await installations.unlink(later.id);
    await installations.unlink(later.id);
    expect(await installations.listLinked(tenant.id)).toEqual([]);
    expect(await installations.find(later.id)).toMatchObject({ jiraTenantId: null, linkedAtMs: null });
  });

  it('cuts a tenant\'s links and deletes its codes when the site is uninstalled, leaving other tenants alone', async () => {
    const { installations, site, workspace, codeRows } = setup();
    const [tenant, other] = [await site(), await site()];
    const [mine, theirs] = [await workspace(), await workspace()];
    await installations.redeemPairingCode(mine.id, (await installations.createPairingCode(tenant.id)).code);
    await installations.redeemPairingCode(theirs.id, (await installations.createPairingCode(other.id)).code);
    await installations.createPairingCode(tenant.id);
    const kept = await installations.createPairingCode(other.id);
    expect(await forgetBitbucketLinksOf(setupDb(), tenant.id)).toEqual({ unlinked: 1 });
    expect(await forgetBitbucketLinksOf(setupDb(), tenant.id)).toEqual({ unlinked: 0 });
    expect(await installations.find(mine.id)).toMatchObject({ jiraTenantId: null });
    expect(await installations.listLinked(other.id)).toEqual([expect.objectContaining({ id: theirs.id })]);
    expect((await codeRows()).map((row) => row.code_hash)).toEqual([hashPairingCode(normalisePairingCode(kept.code)!)]);
  });

  it('keeps the installation, unlinked, when the Jira tenant\'s account record is deleted, and drops its codes', async () => {
    const { installations, registry, site, workspace, codeRows } = setup();
    const tenant = await site();
    const installation = await workspace();
    await installations.redeemPairingCode(installation.id, (await installations.createPairingCode(tenant.id)).code);
    await installations.createPairingCode(tenant.id);
    await registry.markUninstalled(tenant.id, T0);
    await registry.transaction((tx) => tx.finishPurge(tenant.id, T0));
    expect(await registry.deleteExpiredAccounts(T0 + 1)).toEqual([tenant.id]);
    expect(await installations.find(installation.id)).toMatchObject({ jiraTenantId: null });
    expect(await codeRows()).toEqual([]);
  });

  const setupDb = () => kit.control().db as unknown as Kysely<any>;
});
