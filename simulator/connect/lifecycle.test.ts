import { describe, expect, it } from 'vitest';
import { AsymmetricAlgorithm, decodeAsymmetric, getKeyId } from 'atlassian-jwt';
import { createConnectTestbed, TEST_APP_KEY } from '../../test/support/connect-testbed.js';
import type { Tamper } from './connect-token.js';
import { createInstallKeyStore } from './install-keys.js';

const FEED = '/rest/api/3/worklog/updated?since=0';
/** `POST&/installed&` from jira-connect-protocol.md §4.2. */
const INSTALLED_QSH = '4a2e1de8ca74e6cafe8862d332fa3ac7a8e51e692bc6d798ea4dfedc14948bf4';

const tokenOf = (headers: Record<string, string>) => (headers.authorization ?? '').replace(/^JWT /, '');

describe('install', () => {
  it('sends a signed installed event the app verifies, and the app can then call REST', async () => {
    const bed = createConnectTestbed();
    const result = await bed.install();

    const [installed] = bed.receiver.state.calls;
    expect(installed).toMatchObject({ kind: 'installed', accepted: true, status: 204 });
    expect(installed?.body).toMatchObject({
      key: TEST_APP_KEY,
      clientKey: result.clientKey,
      sharedSecret: result.sharedSecret,
      baseUrl: bed.sim.site.baseUrl,
      displayUrl: bed.sim.site.baseUrl,
      productType: 'jira',
      eventType: 'installed',
      serverVersion: expect.any(String),
      pluginsVersion: expect.any(String),
      description: expect.stringContaining(bed.sim.site.baseUrl),
      publicKey: expect.stringMatching(/^MII/),
    });
    const nowSeconds = Math.floor(bed.sim.clock.now() / 1000);
    expect(installed?.claims).toMatchObject({ iss: result.clientKey, aud: ['https://tally.example.com'], qsh: INSTALLED_QSH, iat: nowSeconds, exp: nowSeconds + 180 });
    expect(bed.sim.site.findApp(TEST_APP_KEY)).toMatchObject({ clientKey: result.clientKey, sharedSecret: result.sharedSecret, enabled: true });

    const response = await bed.restAsApp('GET', FEED);
    expect(response.status).toBe(200);
  });

  it('signs with a key that atlassian-jwt verifies from the install-keys endpoint', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    const token = tokenOf(bed.receiver.state.calls[0]?.headers ?? {});
    const pem = await (await bed.sim.fetch(`${bed.sim.connect.installKeysUrl}/${getKeyId(token)}`)).text();
    const claims = decodeAsymmetric(token, pem, AsymmetricAlgorithm.RS256) as Record<string, unknown>;
    expect(claims.iss).toBe(bed.sim.connect.clientKey);
    const otherKid = await bed.sim.connect.rotateInstallKey();
    const otherPem = await (await bed.sim.fetch(`${bed.sim.connect.installKeysUrl}/${otherKid}`)).text();
    expect(() => decodeAsymmetric(token, otherPem, AsymmetricAlgorithm.RS256)).toThrow();
  });

  it('signs the installs of several sites with one shared install-keys service, as Atlassian runs one', async () => {
    const shared = createInstallKeyStore();
    const beds = [createConnectTestbed({ simulator: { installKeys: shared } }), createConnectTestbed({ simulator: { installKeys: shared } })];
    for (const bed of beds) await bed.install();
    const tokens = beds.map((bed) => tokenOf(bed.receiver.state.calls[0]?.headers ?? {}));
    expect(beds.map((bed) => bed.receiver.state.calls[0]?.accepted)).toEqual([true, true]);
    expect(getKeyId(tokens[0]!)).toBe(getKeyId(tokens[1]!));
    const pem = (await shared.findPublicKeyPem(getKeyId(tokens[0]!)))!;
    expect(tokens.map((token) => (decodeAsymmetric(token, pem, AsymmetricAlgorithm.RS256) as { iss: string }).iss)).toEqual(beds.map((bed) => bed.sim.connect.clientKey));
  });

  it('hashes the lifecycle path relative to an app baseUrl with a path', async () => {
    const bed = createConnectTestbed({ baseUrl: 'https://apps.example.com/tally' });
    await bed.install();
    expect(bed.receiver.state.calls[0]).toMatchObject({ accepted: true, claims: { qsh: INSTALLED_QSH, aud: ['https://apps.example.com/tally'] } });
  });

  it('does not record the install when the app answers 500', async () => {
    const bed = createConnectTestbed();
    bed.receiver.state.installedStatus = 500;
    const result = await bed.sim.connect.install(bed.receiver.descriptorUrl);
    expect(result).toMatchObject({ ok: false, status: 500 });
    expect(bed.sim.site.findApp(TEST_APP_KEY)).toBeUndefined();
  });

  it('reports an unreachable app without recording anything', async () => {
    const bed = createConnectTestbed();
    bed.network.down = true;
    expect(await bed.sim.connect.install(bed.receiver.descriptorUrl)).toMatchObject({ ok: false, status: 0 });
    expect(bed.sim.site.apps.size).toBe(0);
  });

  it('rotates the shared secret on re-install and refuses the old one', async () => {
    const bed = createConnectTestbed();
    const first = await bed.install();
    const second = await bed.install();
    expect(second.clientKey).toBe(first.clientKey);
    expect(second.sharedSecret).not.toBe(first.sharedSecret);
    expect((await bed.restAsApp('GET', FEED, { secret: first.sharedSecret })).status).toBe(401);
    expect((await bed.restAsApp('GET', FEED)).status).toBe(200);
  });

  it.each<[Tamper, string]>([
    ['no-token', 'no token'],
    ['wrong-key', 'signature verification failed'],
    ['unknown-kid', 'unknown kid (404)'],
    ['wrong-audience', 'unexpected "aud" claim value'],
    ['wrong-qsh', 'qsh mismatch'],
    ['expired', '"exp" claim timestamp check failed'],
    ['wrong-issuer', 'iss is not the clientKey'],
  ])(
    'lets the app refuse an install token with tamper %s',
    async (tamper, reason) => {
      const bed = createConnectTestbed();
      const result = await bed.sim.connect.install(bed.receiver.descriptorUrl, { tamper });
      expect(result).toMatchObject({ ok: false, status: 401 });
      expect(bed.receiver.state.calls[0]).toMatchObject({ accepted: false, reason });
      expect(bed.sim.site.findApp(TEST_APP_KEY)).toBeUndefined();
    },
  );
});

describe('install keys', () => {
  it('serves the PEM for a kid, 404 for an unknown kid, and keeps old kids after rotation', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    const firstKid = getKeyId(tokenOf(bed.receiver.state.calls[0]?.headers ?? {})) as string;
    const keys = bed.sim.connect.installKeysUrl;

    const first = await bed.sim.fetch(`${keys}/${firstKid}`);
    expect(first.status).toBe(200);
    expect(await first.text()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await bed.sim.fetch(`${keys}/00000000-0000-0000-0000-000000000000`)).status).toBe(404);

    const newKid = await bed.sim.connect.rotateInstallKey();
    expect(newKid).not.toBe(firstKid);
    await bed.install();
    expect(getKeyId(tokenOf(bed.receiver.state.calls[1]?.headers ?? {}))).toBe(newKid);
    expect(bed.receiver.state.calls[1]?.accepted).toBe(true);
    expect((await bed.sim.fetch(`${keys}/${firstKid}`)).status).toBe(200);
  });
});

describe('uninstall, enable, disable', () => {
  it('sends an RS256 uninstalled without a secret and removes the app', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    const result = await bed.sim.connect.uninstall();
    expect(result).toEqual({ appKey: TEST_APP_KEY, status: 204 });
    const call = bed.receiver.state.calls.at(-1);
    expect(call).toMatchObject({ kind: 'uninstalled', accepted: true, body: { eventType: 'uninstalled', clientKey: bed.sim.connect.clientKey } });
    expect(call?.body).not.toHaveProperty('sharedSecret');
    expect(call?.headers.authorization).toMatch(/^JWT /);
    expect(bed.sim.site.findApp(TEST_APP_KEY)).toBeUndefined();
    expect((await bed.restAsApp('GET', FEED)).status).toBe(401);
  });

  it('sends HS256 disabled and enabled, and a disabled app cannot call REST', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    expect(await bed.sim.connect.disable()).toEqual({ appKey: TEST_APP_KEY, status: 204 });
    expect(bed.receiver.state.calls.at(-1)).toMatchObject({ kind: 'disabled', accepted: true, body: { eventType: 'disabled' } });
    expect(bed.receiver.state.calls.at(-1)?.body).not.toHaveProperty('sharedSecret');
    expect((await bed.restAsApp('GET', FEED)).status).toBe(401);

    await bed.sim.connect.enable();
    expect(bed.receiver.state.calls.at(-1)).toMatchObject({ kind: 'enabled', accepted: true, claims: { iss: bed.sim.connect.clientKey } });
    expect((await bed.restAsApp('GET', FEED)).status).toBe(200);
  });

  it('lets the app refuse an enabled event signed with the wrong secret', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    expect(await bed.sim.connect.enable({ tamper: 'wrong-key' })).toEqual({ appKey: TEST_APP_KEY, status: 401 });
    expect(bed.receiver.state.calls.at(-1)).toMatchObject({ kind: 'enabled', accepted: false });
  });
});
