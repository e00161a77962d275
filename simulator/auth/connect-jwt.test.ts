import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCanonicalRequest, createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { generateKeyPair, SignJWT } from 'jose';
import { expectedQsh, peekJwt, verifyConnectJwt } from './connect-jwt.js';
import { createSimulator } from '../create-simulator.js';

interface Vectors {
  secret: string;
  tests: { name: string; canonicalUrl: string; signedUrl: string }[];
}

// CI checks out shared/ beside the clone, so '../shared' from the repo root is the reference.
const vectors = JSON.parse(
  readFileSync(path.resolve(process.cwd(), '../shared/reference/atlassian-jwt-qsh-test-vectors.json'), 'utf8'),
) as Vectors;

describe('verifyConnectJwt against the Atlassian interoperability vectors', () => {
  it('has all 78 vectors', () => {
    expect(vectors.tests).toHaveLength(78);
  });

  it.each(vectors.tests.map((t) => [t.name, t] as const))('accepts %s', (_name, vector) => {
    const url = new URL(vector.signedUrl);
    const token = url.searchParams.get('jwt') ?? '';
    const pathAndQuery = vector.signedUrl.slice(url.origin.length);
    const claims = peekJwt(token)?.claims ?? {};

    const check = verifyConnectJwt({
      token,
      method: 'GET',
      pathAndQuery,
      secret: vectors.secret,
      nowSeconds: claims.iat as number,
      leewaySeconds: 0,
    });

    expect(check).toEqual({ ok: true, claims: expect.objectContaining({ qsh: claims.qsh }) });
    expect(expectedQsh('GET', pathAndQuery)).toBe(claims.qsh);
    expect(createCanonicalRequest(fromMethodAndUrl('GET', pathAndQuery), false, '')).toBe(vector.canonicalUrl);
  });

  it('refuses a vector token when the query differs from the signed one', () => {
    const vector = vectors.tests.find((t) => t.name === 'Multi-value II') as Vectors['tests'][number];
    const url = new URL(vector.signedUrl);
    const token = url.searchParams.get('jwt') ?? '';
    const claims = peekJwt(token)?.claims ?? {};
    const check = verifyConnectJwt({ token, method: 'GET', pathAndQuery: '/test?ids=.1', secret: vectors.secret, nowSeconds: claims.iat as number, leewaySeconds: 0 });
    expect(check).toEqual({ ok: false, reason: 'qsh does not match the request' });
  });
});

describe('REST authentication of a Connect app', () => {
  const APP_KEY = 'com.example.tally';
  const SECRET = 'shared-secret-of-the-tenant-0123456789';
  const PATH = '/rest/api/3/worklog/updated?since=0';

  const setup = () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 50 } });
    sim.site.registerApp({ key: APP_KEY, clientKey: 'client-1', sharedSecret: SECRET, baseUrl: 'https://tally.example.com', descriptor: { key: APP_KEY } });
    const nowSeconds = Math.floor(sim.clock.now() / 1000);
    const claims = (overrides: Record<string, unknown> = {}) => ({
      iss: APP_KEY,
      iat: nowSeconds,
      exp: nowSeconds + 180,
      qsh: createQueryStringHash(fromMethodAndUrl('GET', PATH), false, ''),
      aud: ['client-1'],
      ...overrides,
    });
    const call = (token: string, method = 'GET', pathAndQuery = PATH) =>
      sim.fetch(`https://tally-sim.atlassian.net${pathAndQuery}`, { method, headers: { authorization: `JWT ${token}` } });
    return { sim, claims, call };
  };

  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('accepts a token made by atlassian-jwt and answers with the feed', async () => {
    const { claims, call } = setup();
    const response = await call(encodeSymmetric(claims(), SECRET));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { values: unknown[] };
    expect(body.values.length).toBeGreaterThan(0);
  });

  it('accepts a token whose iat is within the leeway in the future', async () => {
    const { claims, call } = setup();
    const now = (claims().iat as number) + 20;
    expect((await call(encodeSymmetric(claims({ iat: now, exp: now + 180 }), SECRET))).status).toBe(200);
  });

  const tampered: [string, (s: ReturnType<typeof setup>) => Promise<string> | string, string][] = [
    ['alg none', (s) => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(s.claims())}.`, 'algorithm none'],
    ['a wrong secret', (s) => encodeSymmetric(s.claims(), `${SECRET}x`), 'signature'],
    [
      'a changed payload under the old signature',
      (s) => {
        const [header, , signature] = encodeSymmetric(s.claims(), SECRET).split('.');
        return `${header}.${base64url(s.claims({ exp: (s.claims().exp as number) + 86_400 }))}.${signature}`;
      },
      'signature',
    ],
    ['an expired token', (s) => encodeSymmetric(s.claims({ iat: (s.claims().iat as number) - 3600, exp: (s.claims().iat as number) - 600 }), SECRET), 'expired'],
    ['an iat far in the future', (s) => encodeSymmetric(s.claims({ iat: (s.claims().iat as number) + 3600, exp: (s.claims().iat as number) + 3780 }), SECRET), 'future'],
    ['a missing qsh', (s) => encodeSymmetric(s.claims({ qsh: undefined }), SECRET), 'qsh claim missing'],
    ['a qsh for another path', (s) => encodeSymmetric(s.claims({ qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/worklog/deleted?since=0'), false, '') }), SECRET), 'qsh does not match'],
    ['a qsh for another method', (s) => encodeSymmetric(s.claims({ qsh: createQueryStringHash(fromMethodAndUrl('POST', PATH), false, '') }), SECRET), 'qsh does not match'],
    ['a qsh for another query', (s) => encodeSymmetric(s.claims({ qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/worklog/updated?since=1'), false, '') }), SECRET), 'qsh does not match'],
    ['a context-qsh token', (s) => encodeSymmetric(s.claims({ qsh: 'context-qsh' }), SECRET), 'context token'],
    ['an unknown issuer', (s) => encodeSymmetric(s.claims({ iss: 'com.example.other' }), SECRET), 'unknown issuer'],
    [
      'an RS256 header',
      async (s) => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(s.claims()).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
      },
      'algorithm RS256',
    ],
  ];

  it.each(tampered)('refuses %s with 401', async (_name, makeToken, reason) => {
    const s = setup();
    const response = await s.call(await makeToken(s));
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errorMessages: string[] };
    expect(body.errorMessages).toEqual([expect.stringContaining(reason)]);
  });

  it('refuses a valid token sent to another method of the same URL', async () => {
    const { claims, call } = setup();
    expect((await call(encodeSymmetric(claims(), SECRET), 'DELETE')).status).toBe(401);
  });
});
