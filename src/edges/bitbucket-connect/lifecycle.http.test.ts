import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BB_INSTALL_CANARY_PHONE } from '../../../simulator/bitbucket/bitbucket-connect-host.js';
import { controlDialects } from '../../tenants/control-db-test-kit.js';
import type { BitbucketInstallationId } from '../../bitbucket/bitbucket-installations.js';
import { bitbucketToken, startConnectEdgeTestbed, withJwt, type ConnectEdgeTestbed } from './bitbucket-connect-test-kit.js';
import { BITBUCKET_CONNECT_TABLE } from './installation-migrations.js';

/*
 * The Bitbucket Connect lifecycle end to end over loopback HTTP: the simulated Bitbucket fetches
 * the descriptor, POSTs `installed`/`uninstalled` to Tally, and answers Tally's confirming
 * `GET /2.0/user`. Assertions read the control database itself.
 */
describe.each(controlDialects)('Bitbucket Connect lifecycle over HTTP (%s)', (dialect) => {
  let bed: ConnectEdgeTestbed;
  beforeEach(async () => {
    bed = await startConnectEdgeTestbed({ dialect });
  });
  afterEach(async () => {
    await bed?.close();
  });

  const connectRow = (clientKey: string) => bed.db.selectFrom(BITBUCKET_CONNECT_TABLE).selectAll().where('client_key', '=', clientKey).executeTakeFirst();
  const stateOf = async (clientKey: string) => {
    const row = await connectRow(clientKey);
    return row && (await bed.installations.find(row.installation_id as BitbucketInstallationId))?.state;
  };
  /** The configure page as Bitbucket would load it for this installation and secret. */
  const configurePage = (clientKey: string, sharedSecret: string) => {
    const url = `${bed.tallyUrl}/bitbucket/configure?account=acc-1&user=%7Bu%7D`;
    return fetch(withJwt(url, bitbucketToken({ clientKey, sharedSecret, method: 'GET', url, appBaseUrl: bed.tallyUrl })));
  };

  it('keeps an unsigned first install pending while Bitbucket is unreachable, and makes it active once GET /2.0/user with the received secret succeeds', async () => {
    bed.network.bitbucketDown = true;
    const result = await bed.install();
    expect(result).toMatchObject({ ok: true, status: 204 });
    const clientKey = result.clientKey as string;
    expect(await stateOf(clientKey)).toBe('pending');
    const { sharedSecret } = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, 'tally-sim')!;
    const pending = await configurePage(clientKey, sharedSecret);
    expect(pending.status).toBe(409);
    expect(await pending.text()).toContain('BITBUCKET_INSTALLATION_PENDING');
    await bed.queue.idle();
    expect(await stateOf(clientKey)).toBe('pending');

    // Bitbucket is back: the next page load queues the confirmation again.
    bed.network.bitbucketDown = false;
    expect((await configurePage(clientKey, sharedSecret)).status).toBe(409);
    await bed.queue.idle();
    expect(await stateOf(clientKey)).toBe('active');
    expect((await configurePage(clientKey, sharedSecret)).status).toBe(200);
  });

  it('stores only the client key, the sealed secret, the API URL and the installer\'s uuid, username and avatar — no e-mail, no phone', async () => {
    const result = await bed.install();
    const installation = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, 'tally-sim');
    expect(installation?.clientKey).toBe(result.clientKey);
    const installer = bed.bb.generated!.users[0]!;
    const row = await connectRow(result.clientKey as string);
    expect(row).toMatchObject({ client_key: result.clientKey, base_api_url: bed.bb.baseUrl });
    expect(Object.keys(row!).sort()).toEqual(['base_api_url', 'client_key', 'installation_id', 'shared_secret_sealed']);
    const core = await bed.installations.find(row!.installation_id as BitbucketInstallationId);
    expect(core).toMatchObject({ edge: 'bitbucket-connect', state: 'active', jiraTenantId: null, installer: { uuid: installer.uuid, username: installer.nickname } });
    expect(core?.installer.avatarUrl).toMatch(/^https?:\/\//);
    const dump = await bed.dumpControl();
    expect(dump).not.toContain(installation!.sharedSecret);
    expect(dump).not.toContain(installer.email);
    expect(dump).not.toContain(BB_INSTALL_CANARY_PHONE);
  });

  it('re-installs only when signed with the stored secret, then replaces the secret and stays active', async () => {
    const first = await bed.install();
    await bed.queue.idle();
    // Bitbucket unreachable: a re-install signed with the stored secret needs no confirming call.
    bed.network.bitbucketDown = true;
    const oldSecret = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, 'tally-sim')!.sharedSecret;
    const second = await bed.install();
    expect(second).toMatchObject({ ok: true, status: 204, clientKey: first.clientKey });
    expect(bed.bb.connect.calls.at(-1)?.authorization).toMatch(/^JWT /);
    const newSecret = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, 'tally-sim')!.sharedSecret;
    expect(newSecret).not.toBe(oldSecret);
    expect(await stateOf(first.clientKey as string)).toBe('active');
    await bed.queue.idle();
    expect(await stateOf(first.clientKey as string)).toBe('active');
    // So an unsigned install cannot slip in behind it (it would be accepted for a pending one).
    const before = await bed.dumpControl();
    expect(await bed.bb.connect.install(`${bed.tallyUrl}/bitbucket/atlassian-connect.json`, { tamper: 'unsigned-reinstall' })).toMatchObject({ ok: false, status: 401 });
    expect(await bed.dumpControl()).toBe(before);
    bed.network.bitbucketDown = false;
    // Bitbucket now signs with the new secret; the old one opens nothing.
    expect((await configurePage(first.clientKey as string, newSecret)).status).toBe(200);
    expect((await configurePage(first.clientKey as string, oldSecret)).status).toBe(401);
  });

  it('deletes everything of the installation on a signed uninstall: the control database is as before the install', async () => {
    const before = await bed.dumpControl();
    const installed = await bed.install();
    expect(await stateOf(installed.clientKey as string)).toBe('active');
    const uninstalled = await bed.bb.connect.uninstall();
    expect(uninstalled).toMatchObject({ ok: true, status: 204 });
    await bed.queue.idle();
    expect(await bed.dumpControl()).toBe(before);
  });

  it('accepts the first install after an uninstall, signed with the old secret Tally no longer has, and confirms it', async () => {
    const first = await bed.install();
    await bed.bb.connect.uninstall();
    const again = await bed.install();
    expect(again).toMatchObject({ ok: true, status: 204, clientKey: first.clientKey });
    expect(bed.bb.connect.calls.at(-1)?.authorization).toMatch(/^JWT /);
    expect(await stateOf(again.clientKey as string)).toBe('active');
    expect(await bed.db.selectFrom(BITBUCKET_CONNECT_TABLE).select('client_key').execute()).toEqual([{ client_key: again.clientKey }]);
  });

  it('removes a pending install at once when Bitbucket refuses its secret (the install was not Bitbucket\'s)', async () => {
    const before = await bed.dumpControl();
    // A forger with a Bitbucket-looking payload: base URLs allowed, a clientKey Bitbucket never issued.
    const response = await fetch(`${bed.tallyUrl}/bitbucket/installed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        key: bed.config.bitbucketAppKey,
        eventType: 'installed',
        clientKey: 'connection:forged',
        sharedSecret: 'a-secret-bitbucket-never-saw',
        baseUrl: 'https://bitbucket.org',
        baseApiUrl: bed.bb.baseUrl,
        productType: 'bitbucket',
        user: { uuid: '{00000000-0000-4000-8000-000000000000}', username: 'mallory' },
      }),
    });
    expect(response.status).toBe(204);
    await bed.queue.idle();
    expect(await bed.dumpControl()).toBe(before);
  });
});
