import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimUser } from '../../simulator/jira/jira-site.js';
import { createTallyTestbed, type TallyTestbed } from '../../test/support/tally-testbed.js';
import { contextToken } from '../../test/support/tally-tokens.js';
import type { BitbucketInstallation, BitbucketInstaller } from '../bitbucket/bitbucket-installations.js';
import { createManualClock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import { createSiteAdminCheck } from './bitbucket-link-routes.js';

/*
 * The Jira side of linking Bitbucket workspaces, over Tally's HTTP app composed as in production
 * with a simulated Jira site: real Connect context tokens, and Jira itself (the simulator) says
 * who is a site admin.
 */

const INSTALLER: BitbucketInstaller = { uuid: '{5d1c8b8e-9a0f-4f57-b3c6-1e2d3c4b5a69}', username: 'ana-bb', avatarUrl: 'https://bitbucket.example/account/ana-bb/avatar/32/' };

let bed: TallyTestbed;
let clientKey: string;
let sharedSecret: string;
let admin: SimUser;
let member: SimUser;

async function install(): Promise<void> {
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  const credentials = (await bed.connect.findCredentialsByClientKey(result.clientKey))!;
  clientKey = credentials.clientKey;
  sharedSecret = credentials.sharedSecret;
}

async function tenantId(): Promise<TenantId> {
  return (await bed.connect.findTenantIdByClientKey(clientKey))!;
}

async function call(method: string, path: string, accountId: string | undefined): Promise<Response> {
  const token = contextToken({ clientKey, sharedSecret, nowMs: bed.sim.clock.now(), ...(accountId === undefined ? {} : { accountId }) });
  return bed.app.request(path, { method, headers: { authorization: `JWT ${token}` } });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** A workspace that installed the app (as a Bitbucket edge records it), not linked yet. */
function installWorkspace(): Promise<BitbucketInstallation> {
  return bed.tally.bitbucket.installations.transaction((tx) => tx.create({ edge: 'bitbucket-test', state: 'active', installer: INSTALLER }));
}

async function pairingCode(): Promise<{ code: string; expiresAt: string }> {
  const response = await call('POST', '/api/bitbucket/pairing-codes', admin.accountId);
  expect(response.status).toBe(201);
  return (await response.json()) as { code: string; expiresAt: string };
}

const codeCount = async () => (await bed.control.db.selectFrom('bitbucket_pairing_codes' as never).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

beforeAll(async () => {
  bed = await createTallyTestbed();
  await install();
  const users = [...bed.sim.site.users.values()].filter((user) => user.accountType === 'atlassian' && user.active);
  admin = users.find((user) => user.siteAdmin)!;
  member = users.find((user) => !user.siteAdmin)!;
}, 60_000);

afterAll(async () => bed?.close());

describe('Bitbucket pairing and links, Jira side', () => {
  it('gives a Jira site admin a one-time code in display form, valid for the configured minutes', async () => {
    const before = Number(await codeCount());
    const first = await pairingCode();
    const second = await pairingCode();
    expect(first.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(second.code).not.toBe(first.code);
    expect(first.expiresAt).toBe(new Date(bed.sim.clock.now() + bed.config.bitbucketPairingMinutes * 60_000).toISOString());
    expect(Number(await codeCount())).toBe(before + 2);
  });

  it('refuses every route to an account Jira does not call a site admin, changing nothing', async () => {
    const workspace = await installWorkspace();
    await bed.tally.bitbucket.installations.redeemPairingCode(workspace.id, (await pairingCode()).code);
    const codes = await codeCount();
    for (const [method, path] of [['POST', '/api/bitbucket/pairing-codes'], ['GET', '/api/bitbucket/workspaces'], ['DELETE', `/api/bitbucket/workspaces/${workspace.id}`]] as const) {
      const response = await call(method, path, member.accountId);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await errorCode(response)).toBe('AUTH_FORBIDDEN');
    }
    expect(await codeCount()).toBe(codes);
    expect(await bed.tally.bitbucket.installations.find(workspace.id)).toMatchObject({ jiraTenantId: await tenantId() });
    await bed.tally.bitbucket.installations.remove(workspace.id);
  });

  it('answers 401 without a verified user, and without a token at all', async () => {
    const anonymous = await call('POST', '/api/bitbucket/pairing-codes', undefined);
    expect(anonymous.status).toBe(401);
    const bare = await bed.app.request('/api/bitbucket/workspaces');
    expect(bare.status).toBe(401);
  });

  it('lists the workspaces linked with this site\'s codes, and unlinks only those', async () => {
    const workspace = await installWorkspace();
    const elsewhere = await installWorkspace();
    const { code } = await pairingCode();
    bed.sim.clock.advance(1_000);
    await bed.tally.bitbucket.installations.redeemPairingCode(workspace.id, code.toLowerCase());
    const linkedAt = new Date(bed.sim.clock.now()).toISOString();

    const listed = await call('GET', '/api/bitbucket/workspaces', admin.accountId);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ workspaces: [{ id: workspace.id, edge: 'bitbucket-test', installer: { username: 'ana-bb', avatarUrl: INSTALLER.avatarUrl }, linkedAt }] });

    for (const id of [elsewhere.id, 'bb_nothex', '..%2Fpairing-codes']) {
      const refused = await call('DELETE', `/api/bitbucket/workspaces/${id}`, admin.accountId);
      expect(refused.status, id).toBe(404);
      expect(await errorCode(refused)).toBe('NOT_FOUND');
    }
    const unlinked = await call('DELETE', `/api/bitbucket/workspaces/${workspace.id}`, admin.accountId);
    expect(unlinked.status).toBe(204);
    expect(await (await call('GET', '/api/bitbucket/workspaces', admin.accountId)).json()).toEqual({ workspaces: [] });
    expect((await call('DELETE', `/api/bitbucket/workspaces/${workspace.id}`, admin.accountId)).status).toBe(404);
    // Unlinked, not uninstalled: the workspace's installation is still there.
    expect(await bed.tally.bitbucket.installations.find(workspace.id)).toMatchObject({ jiraTenantId: null, linkedAtMs: null });
  });

  it('follows Jira when an admin loses the role, within a minute', async () => {
    const demoted = [...bed.sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian' && user.accountId !== admin.accountId) ?? admin;
    expect((await call('GET', '/api/bitbucket/workspaces', demoted.accountId)).status).toBe(200);
    const groups = demoted.groups;
    // Jira admins are site admins and members of `jira-administrators` (both grant ADMINISTER).
    demoted.siteAdmin = false;
    demoted.groups = groups.filter((group) => group !== 'jira-administrators');
    try {
      // Jira's answer is reused for up to a minute…
      expect((await call('GET', '/api/bitbucket/workspaces', demoted.accountId)).status).toBe(200);
      bed.sim.clock.advance(60_001);
      const refused = await call('GET', '/api/bitbucket/workspaces', demoted.accountId);
      expect(refused.status).toBe(403);
    } finally {
      demoted.siteAdmin = true;
      demoted.groups = groups;
      bed.sim.clock.advance(60_001);
    }
  });

  it('cuts the site\'s links and deletes its codes on uninstall: installed again, the site must pair again', async () => {
    const workspace = await installWorkspace();
    await bed.tally.bitbucket.installations.redeemPairingCode(workspace.id, (await pairingCode()).code);
    const unused = await pairingCode();
    const site = await tenantId();
    await bed.sim.connect.uninstall();
    await vi.waitFor(async () => expect(await bed.tally.bitbucket.installations.find(workspace.id)).toMatchObject({ jiraTenantId: null }));
    expect(Number(await codeCount())).toBe(0);
    await bed.tally.queue.idle();

    await install();
    expect(await tenantId()).toBe(site);
    expect(await (await call('GET', '/api/bitbucket/workspaces', admin.accountId)).json()).toEqual({ workspaces: [] });
    await expect(bed.tally.bitbucket.installations.redeemPairingCode(workspace.id, unused.code)).rejects.toMatchObject({ code: 'BITBUCKET_PAIRING_CODE_INVALID' });
    // Paired again with a fresh code, it is listed again.
    await bed.tally.bitbucket.installations.redeemPairingCode(workspace.id, (await pairingCode()).code);
    expect(((await (await call('GET', '/api/bitbucket/workspaces', admin.accountId)).json()) as { workspaces: unknown[] }).workspaces).toHaveLength(1);
  });
});

describe('createSiteAdminCheck', () => {
  it('asks Jira once a minute per tenant and account, keeps no failed answer, and never lets anyone in on an error', async () => {
    const clock = createManualClock(0);
    const asked: string[] = [];
    let failing = false;
    const check = createSiteAdminCheck({
      clock,
      appClientFor: async (tenantId) => ({
        async checkPermissions({ accountId }) {
          asked.push(`${tenantId}/${accountId}`);
          if (failing) throw new Error('Jira is down');
          return { globalPermissions: new Set(accountId === 'boss' ? ['ADMINISTER'] : []), projectPermissions: new Map() };
        },
      }),
    });
    const site = 't_000000000000000000000001' as TenantId;
    const other = 't_000000000000000000000002' as TenantId;
    expect(await check(site, 'boss')).toBe(true);
    expect(await check(site, 'boss')).toBe(true);
    expect(await check(site, 'clerk')).toBe(false);
    expect(await check(other, 'boss')).toBe(true);
    expect(asked).toEqual([`${site}/boss`, `${site}/clerk`, `${other}/boss`]);
    clock.advanceMs(60_000);
    failing = true;
    await expect(check(site, 'boss')).rejects.toThrow('Jira is down');
    await expect(check(site, 'boss')).rejects.toThrow('Jira is down');
    failing = false;
    expect(await check(site, 'boss')).toBe(true);
    expect(asked).toHaveLength(6);
  });
});

describe('the uninstall purge', () => {
  it('cuts a link the uninstall event left behind (a crash between the uninstall and its listener)', async () => {
    const relinkDuringPurge: { run?: () => Promise<void> } = {};
    const purgeBed = await createTallyTestbed({
      hooks: {
        afterPurgeStep: async (_tenantId, step) => {
          if (step === 'caches_evicted') await relinkDuringPurge.run?.();
        },
      },
    });
    try {
      const result = await purgeBed.sim.connect.install(purgeBed.descriptorUrl);
      if (!result.ok) throw new Error('install failed');
      await purgeBed.tally.queue.idle();
      const site = (await purgeBed.connect.findTenantIdByClientKey(result.clientKey))!;
      const { installations } = purgeBed.tally.bitbucket;
      const workspace = await installations.transaction((tx) => tx.create({ edge: 'bitbucket-test', state: 'active', installer: INSTALLER }));
      await installations.redeemPairingCode(workspace.id, (await installations.createPairingCode(site)).code);
      // The link as it would still be had the listener never run.
      relinkDuringPurge.run = async () => {
        await purgeBed.control.db.updateTable('bitbucket_installations' as never).set({ jira_tenant_id: site, linked_at_ms: 1 } as never).where('id' as never, '=', workspace.id as never).execute();
      };
      await purgeBed.sim.connect.uninstall();
      await purgeBed.tally.queue.idle();
      expect(await purgeBed.registry.findTenant(site)).toMatchObject({ state: 'uninstalled', purgeStep: 'done' });
      expect(await installations.find(workspace.id)).toMatchObject({ jiraTenantId: null, linkedAtMs: null });
    } finally {
      await purgeBed.close();
    }
  }, 60_000);
});
