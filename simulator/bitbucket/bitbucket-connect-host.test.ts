import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { BB_INSTALL_CANARY_PHONE } from './bitbucket-connect-host.js';
import { appJwtAuthorization } from './testing/bitbucket-callers.js';
import { testAppDescriptor } from '../../test/support/bitbucket-connect-test-app.js';

const APP_BASE = 'https://bb.tally.example';
const DESCRIPTOR_URL = `${APP_BASE}/atlassian-connect.json`;
const descriptor = testAppDescriptor(APP_BASE);

interface Received {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** Claims when the JWT verified with the stored secret of `iss`; the reason otherwise. */
  verified: { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string } | undefined;
}

/**
 * A tiny Connect app as the tests need it: accepts an unsigned first install only from
 * `bitbucketBaseUrls`, wants any later lifecycle call signed with the stored secret (iss = clientKey,
 * qsh over the POST relative to its baseUrl), and records everything.
 */
function receivingApp(bitbucketBaseUrls: string[]) {
  const tenants = new Map<string, string>();
  const received: Received[] = [];
  const app = new Hono();
  app.get('/atlassian-connect.json', (c) => c.json(descriptor));
  const verify = (authorization: string | undefined, path: string): Received['verified'] => {
    if (!authorization?.startsWith('JWT ')) return undefined;
    const token = authorization.slice(4);
    try {
      const unverified = decodeSymmetric(token, '', SymmetricAlgorithm.HS256, true) as Record<string, unknown>;
      const secret = tenants.get(String(unverified.iss));
      if (!secret) return { ok: false, reason: 'unknown iss' };
      const claims = decodeSymmetric(token, secret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
      const qsh = createQueryStringHash(fromMethodAndUrl('POST', `${APP_BASE}${path}`), false, APP_BASE);
      return claims.qsh === qsh ? { ok: true, claims } : { ok: false, reason: 'qsh' };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  };
  app.post('/bb/:event', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>;
    const authorization = c.req.header('authorization');
    const verified = verify(authorization, c.req.path);
    received.push({ path: c.req.path, authorization, body, verified });
    const clientKey = String(body.clientKey);
    if (body.productType !== 'bitbucket') return c.text('not bitbucket', 403);
    if (verified === undefined) {
      // Unsigned: only a first install, only from Bitbucket.
      if (c.req.param('event') !== 'installed' || tenants.has(clientKey)) return c.text('signature required', 401);
      if (!bitbucketBaseUrls.includes(String(body.baseUrl))) return c.text('not from Bitbucket', 403);
    } else if (!verified.ok || verified.claims.iss !== clientKey) {
      return c.text('bad signature', 401);
    }
    if (c.req.param('event') === 'installed') tenants.set(clientKey, String(body.sharedSecret));
    else tenants.delete(clientKey);
    return c.body(null, 204);
  });
  return { app, received, tenants };
}

function setup() {
  const receiver = receivingApp(['https://bitbucket.org']);
  const bb = createBitbucketSimulator({
    startMs: Date.UTC(2026, 2, 1),
    appFetch: async (input, init) => receiver.app.fetch(input instanceof Request ? input : new Request(input, init)),
  });
  return { bb, receiver };
}

async function restStatus(bb: BitbucketSimulator, installation: { appKey: string; clientKey: string; sharedSecret: string }) {
  const path = '/2.0/workspaces/tally-sim';
  const response = await bb.fetch(path, { headers: { authorization: appJwtAuthorization({ ...installation, workspaceUuid: '' }, 'GET', path, bb.clock.now()) } });
  return response.status;
}

describe('Bitbucket Connect host', () => {
  it('sends the first install unsigned with the documented fields and the canary e-mail and phone', async () => {
    const { bb, receiver } = setup();
    const result = await bb.connect.install(DESCRIPTOR_URL);
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(result.clientKey).toMatch(/^connection:/);
    const [first] = receiver.received;
    expect(first?.path).toBe('/bb/installed');
    expect(first?.authorization).toBeUndefined();
    const installer = bb.generated!.users[0]!;
    const workspace = bb.generated!.workspace;
    expect(first?.body).toMatchObject({
      key: 'tally-bb',
      eventType: 'installed',
      clientKey: result.clientKey,
      baseUrl: 'https://bitbucket.org',
      baseApiUrl: 'https://api.bitbucket.org',
      productType: 'bitbucket',
      principal: { type: 'team', uuid: workspace.uuid, username: workspace.slug, display_name: workspace.name, links: { avatar: { href: expect.any(String) } } },
      user: { type: 'user', uuid: installer.uuid, username: installer.nickname, display_name: installer.displayName, links: { avatar: { href: expect.any(String) } } },
    });
    expect(typeof first?.body.sharedSecret).toBe('string');
    for (const who of ['principal', 'user'] as const) {
      expect(first?.body[who]).toMatchObject({ email: installer.email, phone: BB_INSTALL_CANARY_PHONE });
    }
    const installation = bb.connect.findInstallation('tally-bb', 'tally-sim')!;
    expect(installation).toMatchObject({ clientKey: result.clientKey, sharedSecret: first?.body.sharedSecret });
    expect(await restStatus(bb, installation)).toBe(200);
  });

  it('signs a re-install with the previous secret; afterwards only the new secret works', async () => {
    const { bb, receiver } = setup();
    const first = await bb.connect.install(DESCRIPTOR_URL);
    const oldSecret = String(receiver.received[0]!.body.sharedSecret);
    const second = await bb.connect.install(DESCRIPTOR_URL);
    expect(second).toEqual({ ok: true, status: 204, clientKey: first.clientKey });
    const reinstall = receiver.received[1]!;
    expect(reinstall.authorization).toMatch(/^JWT /);
    const claims = decodeSymmetric(reinstall.authorization!.slice(4), oldSecret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: first.clientKey, qsh: createQueryStringHash(fromMethodAndUrl('POST', `${APP_BASE}/bb/installed`), false, APP_BASE) });
    expect(claims.exp).toBe((claims.iat as number) + 180);
    const newSecret = String(reinstall.body.sharedSecret);
    expect(newSecret).not.toBe(oldSecret);
    const appKey = 'tally-bb';
    expect(await restStatus(bb, { appKey, clientKey: first.clientKey!, sharedSecret: newSecret })).toBe(200);
    expect(await restStatus(bb, { appKey, clientKey: first.clientKey!, sharedSecret: oldSecret })).toBe(401);
  });

  it('signs uninstalled with the stored secret, then the installation JWT calls get 401', async () => {
    const { bb, receiver } = setup();
    await bb.connect.install(DESCRIPTOR_URL);
    const installation = { ...bb.connect.findInstallation('tally-bb', 'tally-sim')! };
    const result = await bb.connect.uninstall();
    expect(result).toEqual({ ok: true, status: 204, clientKey: installation.clientKey });
    const call = receiver.received[1]!;
    expect(call.path).toBe('/bb/uninstalled');
    expect(call.verified).toMatchObject({ ok: true, claims: { iss: installation.clientKey } });
    expect(call.body).toMatchObject({ eventType: 'uninstalled', clientKey: installation.clientKey, productType: 'bitbucket' });
    expect(call.body.sharedSecret).toBeUndefined();
    expect(bb.connect.findInstallation('tally-bb', 'tally-sim')).toBeUndefined();
    expect(await restStatus(bb, installation)).toBe(401);
  });

  it('leaves the installation alone when the app refuses a re-install', async () => {
    const { bb, receiver } = setup();
    await bb.connect.install(DESCRIPTOR_URL);
    const before = { ...bb.connect.findInstallation('tally-bb', 'tally-sim')! };
    receiver.tenants.clear(); // the app forgot the tenant: the signed re-install no longer verifies
    const result = await bb.connect.install(DESCRIPTOR_URL);
    expect(result).toMatchObject({ ok: false, status: 401 });
    expect(bb.connect.findInstallation('tally-bb', 'tally-sim')).toMatchObject(before);
  });

  describe('tampering', () => {
    it('an unsigned re-install is refused and changes nothing', async () => {
      const { bb, receiver } = setup();
      const first = await bb.connect.install(DESCRIPTOR_URL);
      const secret = bb.connect.findInstallation('tally-bb', 'tally-sim')!.sharedSecret;
      const result = await bb.connect.install(DESCRIPTOR_URL, { tamper: 'unsigned-reinstall' });
      expect(result).toEqual({ ok: false, status: 401, clientKey: first.clientKey });
      const call = receiver.received[1]!;
      expect(call.authorization).toBeUndefined();
      expect(call.body.clientKey).toBe(first.clientKey);
      expect(call.body.sharedSecret).not.toBe(secret);
      expect(bb.connect.findInstallation('tally-bb', 'tally-sim')!.sharedSecret).toBe(secret);
    });

    it('a re-install signed with a wrong secret is refused and changes nothing', async () => {
      const { bb, receiver } = setup();
      const first = await bb.connect.install(DESCRIPTOR_URL);
      const secret = bb.connect.findInstallation('tally-bb', 'tally-sim')!.sharedSecret;
      const result = await bb.connect.install(DESCRIPTOR_URL, { tamper: 'wrong-secret' });
      expect(result).toEqual({ ok: false, status: 401, clientKey: first.clientKey });
      expect(receiver.received[1]!.authorization).toMatch(/^JWT /);
      expect(receiver.received[1]!.verified).toMatchObject({ ok: false });
      expect(bb.connect.findInstallation('tally-bb', 'tally-sim')!.sharedSecret).toBe(secret);
    });

    it('a first install from a foreign base URL is refused and never registered', async () => {
      const { bb, receiver } = setup();
      const result = await bb.connect.install(DESCRIPTOR_URL, { tamper: 'foreign-base-url', foreignBaseUrl: 'https://bitbucket.evil.example' });
      expect(result).toMatchObject({ ok: false, status: 403 });
      expect(receiver.received[0]!.authorization).toBeUndefined();
      expect(receiver.received[0]!.body).toMatchObject({ baseUrl: 'https://bitbucket.evil.example', baseApiUrl: 'https://api.bitbucket.evil.example', clientKey: result.clientKey });
      expect(bb.model.findInstallation(result.clientKey!)).toBeUndefined();
      expect(bb.connect.findInstallation('tally-bb', 'tally-sim')).toBeUndefined();
    });

    it('an unsigned or wrongly signed uninstall is refused and the installation stays', async () => {
      const { bb } = setup();
      await bb.connect.install(DESCRIPTOR_URL);
      const installation = { ...bb.connect.findInstallation('tally-bb', 'tally-sim')! };
      expect(await bb.connect.uninstall({ tamper: 'unsigned' })).toMatchObject({ ok: false, status: 401 });
      expect(await bb.connect.uninstall({ tamper: 'wrong-secret' })).toMatchObject({ ok: false, status: 401 });
      expect(await restStatus(bb, installation)).toBe(200);
    });
  });

  it('takes Bitbucket base URLs from the options and reads the API base after listen()', async () => {
    const receiver = receivingApp(['https://bitbucket.internal.example']);
    const bb = createBitbucketSimulator({
      startMs: Date.UTC(2026, 2, 1),
      htmlBaseUrl: 'https://bitbucket.internal.example',
      appFetch: async (input, init) => receiver.app.fetch(input instanceof Request ? input : new Request(input, init)),
    });
    const server = await bb.listen();
    try {
      expect(await bb.connect.install(DESCRIPTOR_URL)).toMatchObject({ ok: true });
      expect(receiver.received[0]!.body).toMatchObject({ baseUrl: 'https://bitbucket.internal.example', baseApiUrl: server.url });
    } finally {
      await server.close();
    }
  });

  it('refuses a descriptor without jwt authentication or lifecycle.installed', async () => {
    for (const broken of [{ ...descriptor, authentication: { type: 'none' } }, { ...descriptor, lifecycle: {} }, { ...descriptor, key: undefined }]) {
      const bb = createBitbucketSimulator({ appFetch: async () => Response.json(broken) });
      const result = await bb.connect.install(DESCRIPTOR_URL);
      expect(result).toMatchObject({ ok: false, status: 0, clientKey: undefined });
      expect(bb.connect.calls).toEqual([]);
    }
  });
});
