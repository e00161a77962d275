import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { generateKeyPair, SignJWT } from 'jose';
import { createSimulator } from '../../../simulator/create-simulator.js';
import { AppError, isAppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import { errorResponse } from '../../http/error-handler.js';
import type { TallyEnv } from '../../http/tally-env.js';
import type { ConnectInstallationStore } from './connect-installation-store.js';
import { connectAuth } from './connect-auth.js';
import { createInstallKeyProvider, DEFAULT_REFUSAL_TTL_MS, isValidInstallKeyId } from './install-keys.js';

const BASE = 'https://keys.test';
const rsaPem = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PEM = rsaPem();

/** A fake key service: `answer` decides per request; every call is recorded. */
function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response> = () => new Response(PEM)) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch: Fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, init });
    return answer(url, init);
  };
  return { fetch, calls };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const sameKey = (a: string, b: string) => createPublicKey(a).equals(createPublicKey(b));
/** A clock standing still: only the refusal tests move time. */
const clock = createManualClock(Date.UTC(2026, 2, 3, 9, 0, 0));

describe('createInstallKeyProvider with a fake key service', () => {
  it.each([
    ['a parent path', '../x'],
    ['a dotted traversal inside', 'a..b'],
    ['a URL', 'https://evil.example/key'],
    ['a slash', 'a/b'],
    ['an encoded traversal', '%2e%2e%2fx'],
    ['a 10 kB string', 'a'.repeat(10_240)],
    ['129 characters', 'a'.repeat(129)],
    ['an empty string', ''],
    ['a leading dot', '.hidden'],
    ['whitespace', 'abc def'],
    ['a newline', 'abc\n'],
  ])('refuses %s as kid before any request (B5)', async (_what, kid) => {
    const { fetch, calls } = fakeFetch();
    const error = await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch }).getPublicKeyPem(kid));
    expect(error.code).toBe('AUTH_INVALID');
    expect(error.message).toBe('Install token has a malformed key id'); // the kid is not echoed
    expect(calls).toHaveLength(0);
  });

  it('refuses a kid that is not a string', async () => {
    const { fetch, calls } = fakeFetch();
    const error = await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch }).getPublicKeyPem(42 as unknown as string));
    expect(error.code).toBe('AUTH_INVALID');
    expect(calls).toHaveLength(0);
  });

  it('accepts UUIDs and dotted or dashed ids', () => {
    for (const kid of [randomUUID(), 'jira-install.2024_01', 'A', 'a'.repeat(128)]) expect(isValidInstallKeyId(kid), kid).toBe(true);
  });

  it('fetches <baseUrl>/<kid> without following redirects and with an abort signal', async () => {
    const { fetch, calls } = fakeFetch();
    const pem = await createInstallKeyProvider({ clock, baseUrl: `${BASE}/`, fetch }).getPublicKeyPem('kid-1');
    expect(sameKey(pem, PEM)).toBe(true);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://keys.test/kid-1');
    expect(calls[0]?.init?.redirect).toBe('error');
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('answers a repeated kid from the cache and shares one request between concurrent lookups', async () => {
    const { fetch, calls } = fakeFetch();
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch });
    const [a, b, c] = await Promise.all([provider.getPublicKeyPem('k1'), provider.getPublicKeyPem('k1'), provider.getPublicKeyPem('k1')]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    await provider.getPublicKeyPem('k1');
    expect(calls).toHaveLength(1);
  });

  it('keeps at most cacheSize keys and evicts the least recently used', async () => {
    const { fetch, calls } = fakeFetch();
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch, cacheSize: 2 });
    await provider.getPublicKeyPem('k1');
    await provider.getPublicKeyPem('k2');
    await provider.getPublicKeyPem('k1'); // k1 is now the most recent
    await provider.getPublicKeyPem('k3'); // evicts k2
    await provider.getPublicKeyPem('k1');
    expect(calls.map((call) => call.url.slice(BASE.length + 1))).toEqual(['k1', 'k2', 'k3']);
    await provider.getPublicKeyPem('k2');
    expect(calls).toHaveLength(4);
  });

  it('reports an unknown kid (404) as AUTH_INVALID', async () => {
    const { fetch } = fakeFetch(() => new Response('Not Found', { status: 404 }));
    const error = await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch }).getPublicKeyPem('nope'));
    expect(error.code).toBe('AUTH_INVALID');
    expect(error.httpStatus).toBe(401);
  });

  it('asks once about an unknown kid, then answers from memory until the refusal expires', async () => {
    const refusalClock = createManualClock(Date.UTC(2026, 2, 3, 9, 0, 0));
    let published = false;
    const { fetch, calls } = fakeFetch(() => (published ? new Response(PEM) : new Response('Not Found', { status: 404 })));
    const provider = createInstallKeyProvider({ clock: refusalClock, baseUrl: BASE, fetch });
    for (let i = 0; i < 100; i += 1) expect((await failure(provider.getPublicKeyPem('k-late'))).code).toBe('AUTH_INVALID');
    expect(calls).toHaveLength(1);

    published = true; // the service publishes the kid (a rotation) while its refusal is remembered
    refusalClock.advanceMs(DEFAULT_REFUSAL_TTL_MS - 1);
    expect((await failure(provider.getPublicKeyPem('k-late'))).code).toBe('AUTH_INVALID');
    expect(calls).toHaveLength(1);
    refusalClock.advanceMs(1);
    expect(sameKey(await provider.getPublicKeyPem('k-late'), PEM)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('remembers a refusal per kid: another kid is still asked about', async () => {
    const { fetch, calls } = fakeFetch((url) => (url.endsWith('/good') ? new Response(PEM) : new Response('Not Found', { status: 404 })));
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch });
    await failure(provider.getPublicKeyPem('junk'));
    await failure(provider.getPublicKeyPem('junk'));
    expect(sameKey(await provider.getPublicKeyPem('good'), PEM)).toBe(true);
    expect(calls.map((call) => call.url.slice(BASE.length + 1))).toEqual(['junk', 'good']);
  });

  it('remembers at most refusalCacheSize refused kids, dropping the oldest', async () => {
    const { fetch, calls } = fakeFetch(() => new Response('Not Found', { status: 404 }));
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch, refusalCacheSize: 2 });
    for (const kid of ['j1', 'j2', 'j3', 'j3', 'j2', 'j1']) await failure(provider.getPublicKeyPem(kid));
    expect(calls.map((call) => call.url.slice(BASE.length + 1))).toEqual(['j1', 'j2', 'j3', 'j1']);
  });

  it('remembers a key that cannot verify RS256 like an unknown kid', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { fetch, calls } = fakeFetch(() => new Response(ec));
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch });
    for (let i = 0; i < 5; i += 1) expect((await failure(provider.getPublicKeyPem('ec-key'))).code).toBe('AUTH_INVALID');
    expect(calls).toHaveLength(1);
  });

  it('reports a failing key service as retryable and asks again next time (B6)', async () => {
    let status = 500;
    const { fetch, calls } = fakeFetch(() => (status === 200 ? new Response(PEM) : new Response('down', { status })));
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch });
    const error = await failure(provider.getPublicKeyPem('k1'));
    expect(error.code).toBe('CONNECT_KEYS_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.httpStatus).toBe(503);
    status = 200;
    expect(sameKey(await provider.getPublicKeyPem('k1'), PEM)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('reports a network failure or refused redirect as retryable, with the cause', async () => {
    const cause = new TypeError('fetch failed');
    const fetch: Fetch = async () => {
      throw cause;
    };
    const error = await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch }).getPublicKeyPem('k1'));
    expect(error.code).toBe('CONNECT_KEYS_UNAVAILABLE');
    expect(error.cause).toBe(cause);
  });

  it('gives up after timeoutMs even when fetch ignores the abort signal', async () => {
    const { fetch } = fakeFetch(() => new Promise<Response>(() => undefined));
    const started = performance.now();
    const error = await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch, timeoutMs: 50 }).getPublicKeyPem('slow'));
    expect(error.code).toBe('CONNECT_KEYS_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('aborts the request when the deadline passes', async () => {
    let seen: AbortSignal | undefined;
    const { fetch } = fakeFetch((_url, init) => {
      seen = init?.signal ?? undefined;
      return new Promise<Response>(() => undefined);
    });
    await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch, timeoutMs: 20 }).getPublicKeyPem('slow'));
    expect(seen?.aborted).toBe(true);
  });

  it('refuses a body over maxKeyBytes, declared or streamed', async () => {
    const big = 'A'.repeat(9000);
    const declared = fakeFetch(() => new Response(big, { headers: { 'content-length': '9000' } }));
    expect((await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch: declared.fetch }).getPublicKeyPem('k'))).code).toBe('CONNECT_KEYS_UNAVAILABLE');
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 10; i += 1) controller.enqueue(new Uint8Array(1000).fill(65));
          controller.close();
        },
      });
    const streamed = fakeFetch(() => new Response(stream()));
    expect((await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch: streamed.fetch }).getPublicKeyPem('k'))).code).toBe('CONNECT_KEYS_UNAVAILABLE');
  });

  it.each([
    ['an HTML page', '<html><body>Service unavailable</body></html>'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['a private key', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['a broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
    ['two keys', `${PEM}${PEM}`],
    ['an empty body', ''],
  ])('refuses %s served with 200 as unavailable, and does not cache it', async (_what, body) => {
    const { fetch, calls } = fakeFetch(() => new Response(body));
    const provider = createInstallKeyProvider({ clock, baseUrl: BASE, fetch });
    expect((await failure(provider.getPublicKeyPem('k'))).code).toBe('CONNECT_KEYS_UNAVAILABLE');
    await failure(provider.getPublicKeyPem('k'));
    expect(calls).toHaveLength(2);
  });

  it('refuses keys that cannot verify RS256: EC keys and RSA under 2048 bits', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const body of [ec, rsaPem(1024)]) {
      const { fetch } = fakeFetch(() => new Response(body));
      expect((await failure(createInstallKeyProvider({ clock, baseUrl: BASE, fetch }).getPublicKeyPem('k'))).code).toBe('AUTH_INVALID');
    }
  });

  it('checks its options when it is built', () => {
    const { fetch } = fakeFetch();
    for (const options of [
      { clock, baseUrl: 'not a url', fetch },
      { clock, baseUrl: 'ftp://keys.test', fetch },
      { clock, baseUrl: 'https://user:pw@keys.test', fetch },
      { clock, baseUrl: BASE, fetch, timeoutMs: 0 },
      { clock, baseUrl: BASE, fetch, maxKeyBytes: -1 },
      { clock, baseUrl: BASE, fetch, cacheSize: 1.5 },
      { clock, baseUrl: BASE, fetch, refusalTtlMs: 0 },
      { clock, baseUrl: BASE, fetch, refusalCacheSize: -5 },
      { baseUrl: BASE, fetch } as unknown as Parameters<typeof createInstallKeyProvider>[0],
    ]) {
      expect(() => createInstallKeyProvider(options), JSON.stringify({ ...options, fetch: undefined, clock: undefined })).toThrow(/Invalid install-key provider/);
    }
  });
});

describe('createInstallKeyProvider against the simulated key service', () => {
  function setup() {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 10 } });
    // Generate the simulator's RSA key now, so the deadline below measures the fetch, not keygen
    // (on a loaded 2-core machine keygen alone can outlast a short deadline).
    void sim.connect.installKeys.current();
    let requests = 0;
    const fetch: Fetch = (input, init) => {
      requests += 1;
      return sim.fetch(input, init);
    };
    const provider = createInstallKeyProvider({ clock: { nowMs: () => sim.clock.now() }, baseUrl: sim.connect.installKeysUrl, fetch, timeoutMs: 1500 });
    return { sim, provider, requests: () => requests };
  }

  it('returns the public key of the current kid, then serves it from the cache', async () => {
    const { sim, provider, requests } = setup();
    const key = await sim.connect.installKeys.current();
    expect(sameKey(await provider.getPublicKeyPem(key.kid), key.publicKeyPem)).toBe(true);
    await provider.getPublicKeyPem(key.kid);
    expect(requests()).toBe(1);
  });

  it('resolves both the old and the new kid after a rotation', async () => {
    const { sim, provider } = setup();
    const oldKey = await sim.connect.installKeys.current();
    const newKid = await sim.connect.rotateInstallKey();
    const newPem = await provider.getPublicKeyPem(newKid);
    expect(sameKey(newPem, (await sim.connect.installKeys.current()).publicKeyPem)).toBe(true);
    expect(sameKey(await provider.getPublicKeyPem(oldKey.kid), oldKey.publicKeyPem)).toBe(true);
    expect(sameKey(newPem, oldKey.publicKeyPem)).toBe(false);
  });

  it('makes one request to the key service for 100 lifecycle tokens with the same unknown kid', async () => {
    const { sim, provider, requests } = setup();
    const app = new Hono<TallyEnv>();
    app.onError((error, c) => (error instanceof AppError ? errorResponse(c, error) : c.text('unexpected', 500)));
    const auth = connectAuth(
      { installations: {} as ConnectInstallationStore, installKeys: provider, clock: { nowMs: () => sim.clock.now() }, baseUrl: 'https://tally.test', leewaySeconds: 30 },
      { tokenClass: 'lifecycle' },
    );
    app.post('/installed', auth, (c) => c.body(null, 204));
    const { privateKey } = await generateKeyPair('RS256');
    const nowSeconds = Math.floor(sim.clock.now() / 1000);
    const token = await new SignJWT({ iss: 'forged-client', aud: 'https://tally.test', qsh: 'x', iat: nowSeconds, exp: nowSeconds + 180 })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: randomUUID() })
      .sign(privateKey);
    for (let i = 0; i < 100; i += 1) {
      const response = await app.request('/installed', { method: 'POST', headers: { authorization: `JWT ${token}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
    }
    expect(requests()).toBe(1);
    sim.clock.advance(DEFAULT_REFUSAL_TTL_MS);
    expect((await app.request('/installed', { method: 'POST', headers: { authorization: `JWT ${token}` } })).status).toBe(401);
    expect(requests()).toBe(2);
  });

  it('refuses a kid the service never issued', async () => {
    const { provider } = setup();
    expect((await failure(provider.getPublicKeyPem(randomUUID()))).code).toBe('AUTH_INVALID');
  });

  it.each([
    ['a 500', { kind: 'status', status: 500 }],
    ['an HTML 200', { kind: 'html200' }],
    ['a connection reset', { kind: 'reset' }],
    ['no answer', { kind: 'timeout' }],
  ] as const)('reports %s as retryable, and the next attempt succeeds (B6)', async (_what, fault) => {
    const { sim, provider } = setup();
    const key = await sim.connect.installKeys.current();
    sim.faults.add({ ...fault, match: { path: '/connect-install-keys' } });
    const error = await failure(provider.getPublicKeyPem(key.kid));
    expect(error.code).toBe('CONNECT_KEYS_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(sameKey(await provider.getPublicKeyPem(key.kid), key.publicKeyPem)).toBe(true);
  });
});
