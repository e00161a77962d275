import { createHmac, generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import {
  MAX_TOKEN_LENGTH,
  decodeUnverified,
  extractToken,
  signSymmetricToken,
  verifyAsymmetricToken,
  verifySymmetricToken,
  type TokenCarrier,
} from './atlassian-jwt.js';
import { queryStringHash } from './qsh.js';

const NOW = 1_790_000_000;
const SECRET = 'tenant-secret-0123456789abcdef0123456789abcdef';
const APP_BASE_URL = 'https://tally.example.com';
const URL_PATH = '/webhooks/worklog?issue=10001&user_id=admin';
const URL_QSH = queryStringHash('POST', URL_PATH);
const INSTALL_QSH = queryStringHash('POST', '/installed');

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

type Json = Record<string, unknown>;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS with any header, signed by HMAC (`hs`), RSA (`rs`) or not at all. */
function forge(header: Json, claims: Json, key: { hs?: string; hsBits?: 256 | 384 | 512; rs?: typeof rsa.privateKey }) {
  const input = `${b64(header)}.${b64(claims)}`;
  if (key.hs !== undefined) return `${input}.${createHmac(`sha${key.hsBits ?? 256}`, key.hs).update(input).digest('base64url')}`;
  if (key.rs !== undefined) return `${input}.${rsaSign('sha256', Buffer.from(input), key.rs).toString('base64url')}`;
  return `${input}.`;
}

const hsClaims = (overrides: Json = {}): Json => ({ iss: 'ck-tenant', iat: NOW - 5, exp: NOW + 175, qsh: URL_QSH, ...overrides });
const hs = (overrides: Json = {}, header: Json = {}) =>
  forge({ typ: 'JWT', alg: 'HS256', ...header }, hsClaims(overrides), { hs: SECRET });
const rsClaims = (overrides: Json = {}): Json => ({
  iss: 'ck-tenant',
  iat: NOW - 5,
  exp: NOW + 175,
  aud: [APP_BASE_URL],
  qsh: INSTALL_QSH,
  ...overrides,
});
const rs = (overrides: Json = {}, header: Json = {}) =>
  forge({ typ: 'JWT', alg: 'RS256', kid: 'key-1', ...header }, rsClaims(overrides), { rs: rsa.privateKey });

const verifyUrlBound = (token: string) => verifySymmetricToken({ token, secret: SECRET, nowSeconds: NOW, expected: { qsh: URL_QSH } });
const verifyContext = (token: string) =>
  verifySymmetricToken({ token, secret: SECRET, nowSeconds: NOW, expected: { contextQsh: true } });
const verifyInstall = (token: string) =>
  verifyAsymmetricToken({
    token,
    publicKeyPem: PUBLIC_PEM,
    nowSeconds: NOW,
    leewaySeconds: 30,
    expectedAudience: APP_BASE_URL,
    expectedQsh: INSTALL_QSH,
  });

/** Asserts an AUTH_INVALID refusal whose message leaks neither the secret nor the token. */
async function expectRefused(attempt: Promise<unknown>, token: string, secret = SECRET): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error, 'AUTH_INVALID'), `expected AUTH_INVALID, got ${String(error)}`).toBe(true);
  const message = (error as Error).message;
  expect(message).not.toContain(secret);
  expect(message).not.toContain(token.split('.')[2] || token.slice(0, 40));
  expect((error as Error).cause).toBeUndefined();
  return message;
}

describe('verifySymmetricToken', () => {
  it('accepts a token bound to this request and returns its claims', async () => {
    const claims = await verifyUrlBound(hs({ sub: 'acc-1', context: {} }));
    expect(claims).toEqual({ iss: 'ck-tenant', sub: 'acc-1', iat: NOW - 5, exp: NOW + 175, qsh: URL_QSH, context: {} });
  });

  it('accepts a context token on a context route', async () => {
    expect((await verifyContext(hs({ qsh: 'context-qsh' }))).qsh).toBe('context-qsh');
  });

  it('tolerates clock skew up to the leeway and no further', async () => {
    await expect(verifyUrlBound(hs({ exp: NOW - 29 }))).resolves.toBeDefined();
    await expectRefused(verifyUrlBound(hs({ exp: NOW - 30 })), hs({ exp: NOW - 30 }));
    await expect(verifyUrlBound(hs({ iat: NOW + 30 }))).resolves.toBeDefined();
  });

  it('accepts tokens made by atlassian-jwt for the same request', async () => {
    const qsh = createQueryStringHash(fromMethodAndUrl('POST', URL_PATH), false, '');
    const token = encodeSymmetric({ iss: 'ck-tenant', iat: NOW, exp: NOW + 180, qsh }, SECRET);
    expect((await verifyUrlBound(token)).iss).toBe('ck-tenant');
  });

  const payloadSwapped = (() => {
    const [header, , signature] = hs().split('.');
    return `${header}.${b64(hsClaims({ iss: 'ck-victim' }))}.${signature}`;
  })();
  const tenKilobytes = hs({ padding: 'x'.repeat(10_000) });

  const forged: Array<[string, string, 'url' | 'context', string]> = [
    ['alg none', forge({ typ: 'JWT', alg: 'none' }, hsClaims(), {}), 'url', 'algorithm not accepted'],
    ['alg none with an HS256 signature appended', `${forge({ alg: 'none' }, hsClaims(), {})}${hs().split('.')[2]}`, 'url', 'algorithm not accepted'],
    ['a wrong secret', forge({ alg: 'HS256' }, hsClaims(), { hs: 'another-secret' }), 'url', 'signature verification failed'],
    ['a payload changed under the old signature', payloadSwapped, 'url', 'signature verification failed'],
    ['an expired token', hs({ exp: NOW - 60 }), 'url', 'token expired'],
    ['iat 10 minutes in the future', hs({ iat: NOW + 600, exp: NOW + 900 }), 'url', 'token issued in the future'],
    ['nbf in the future', hs({ nbf: NOW + 600 }), 'url', 'token not yet valid'],
    ['no exp', hs({ exp: undefined }), 'url', 'exp claim missing'],
    ['a non-numeric exp', hs({ exp: String(NOW + 100) }), 'url', 'claim exp is malformed'],
    ['no qsh', hs({ qsh: undefined }), 'url', 'qsh claim missing'],
    ['no iss', hs({ iss: undefined }), 'url', 'iss claim missing'],
    ['a qsh of another path', hs({ qsh: queryStringHash('POST', '/webhooks/other?issue=10001&user_id=admin') }), 'url', 'qsh does not match the request'],
    ['a qsh of another method', hs({ qsh: queryStringHash('GET', URL_PATH) }), 'url', 'qsh does not match the request'],
    ['a qsh of another query', hs({ qsh: queryStringHash('POST', '/webhooks/worklog?issue=10002&user_id=admin') }), 'url', 'qsh does not match the request'],
    ['context-qsh on a URL-bound route', hs({ qsh: 'context-qsh' }), 'url', 'context token not accepted on this route'],
    ['a URL-bound qsh on a context route', hs(), 'context', 'route accepts only context tokens'],
    ['no qsh on a context route', hs({ qsh: undefined }), 'context', 'qsh claim missing'],
    ['an RS256 token', forge({ alg: 'RS256' }, hsClaims(), { rs: rsa.privateKey }), 'url', 'algorithm not accepted'],
    ['HS384', forge({ alg: 'HS384' }, hsClaims(), { hs: SECRET, hsBits: 384 }), 'url', 'algorithm not accepted'],
    ['HS512', forge({ alg: 'HS512' }, hsClaims(), { hs: SECRET, hsBits: 512 }), 'url', 'algorithm not accepted'],
    ['a kid header', hs({}, { kid: 'key-1' }), 'url', 'key id not accepted on a shared-secret token'],
    ['a jku header', hs({}, { jku: 'https://evil.example/keys' }), 'url', 'header field jku not accepted'],
    ['an x5u header', hs({}, { x5u: 'https://evil.example/cert' }), 'url', 'header field x5u not accepted'],
    ['a jwk header', hs({}, { jwk: { kty: 'oct', k: Buffer.from(SECRET).toString('base64url') } }), 'url', 'header field jwk not accepted'],
    ['a 10 kB token', tenKilobytes, 'url', 'token too long'],
    ['two segments', hs().split('.').slice(0, 2).join('.'), 'url', 'malformed token'],
    ['garbage', 'not.a.jwt', 'url', 'malformed token'],
  ];

  it.each(forged)('refuses %s', async (_name, token, route, reason) => {
    expect(await expectRefused(route === 'url' ? verifyUrlBound(token) : verifyContext(token), token)).toBe(reason);
  });

  it('explains the refusal without the token', async () => {
    expect(await expectRefused(verifyUrlBound(hs({ qsh: 'context-qsh' })), hs())).toBe('context token not accepted on this route');
    expect(await expectRefused(verifyUrlBound(hs({ exp: NOW - 60 })), hs())).toBe('token expired');
  });

  it('refuses when the tenant has no secret', async () => {
    const token = forge({ alg: 'HS256' }, hsClaims(), { hs: '' });
    await expectRefused(verifySymmetricToken({ token, secret: '', nowSeconds: NOW, expected: { qsh: URL_QSH } }), token);
  });
});

describe('verifyAsymmetricToken', () => {
  it('accepts a signed install bound to Tally and to POST /installed', async () => {
    const claims = await verifyInstall(rs());
    expect(claims).toMatchObject({ iss: 'ck-tenant', aud: [APP_BASE_URL], qsh: INSTALL_QSH });
  });

  it('accepts a string aud and ignores a trailing slash', async () => {
    await expect(verifyInstall(rs({ aud: `${APP_BASE_URL}/` }))).resolves.toBeDefined();
    await expect(verifyInstall(rs({ aud: [`${APP_BASE_URL}/`, 'other'] }))).resolves.toBeDefined();
  });

  const forged: Array<[string, string, string]> = [
    ['HS256 keyed with the RSA public key PEM', forge({ alg: 'HS256', kid: 'key-1' }, rsClaims(), { hs: PUBLIC_PEM }), 'algorithm not accepted'],
    ['HS256 keyed with the PEM, no kid', forge({ alg: 'HS256' }, rsClaims(), { hs: PUBLIC_PEM }), 'algorithm not accepted'],
    ['alg none', forge({ alg: 'none', kid: 'key-1' }, rsClaims(), {}), 'algorithm not accepted'],
    ['another RSA key', forge({ alg: 'RS256', kid: 'key-1' }, rsClaims(), { rs: otherRsa.privateKey }), 'signature verification failed'],
    ['a wrong aud', rs({ aud: ['https://evil.example.com'] }), 'token is meant for another audience'],
    ['the right aud not first', rs({ aud: ['https://evil.example.com', APP_BASE_URL] }), 'token is meant for another audience'],
    ['no aud', rs({ aud: undefined }), 'token is meant for another audience'],
    ['an expired token', rs({ exp: NOW - 60 }), 'token expired'],
    ['no exp', rs({ exp: undefined }), 'exp claim missing'],
    ['iat 10 minutes in the future', rs({ iat: NOW + 600, exp: NOW + 900 }), 'token issued in the future'],
    ['a qsh of another request', rs({ qsh: queryStringHash('POST', '/uninstalled') }), 'qsh does not match the request'],
    ['context-qsh', rs({ qsh: 'context-qsh' }), 'qsh does not match the request'],
    ['no qsh', rs({ qsh: undefined }), 'qsh claim missing'],
    ['a jku header', rs({}, { jku: 'https://evil.example/keys' }), 'header field jku not accepted'],
    ['a jwk header', rs({}, { jwk: rsa.publicKey.export({ format: 'jwk' }) }), 'header field jwk not accepted'],
    ['a 10 kB token', rs({ padding: 'x'.repeat(10_000) }), 'token too long'],
  ];

  it.each(forged)('refuses %s', async (_name, token, reason) => {
    expect(await expectRefused(verifyInstall(token), token, PUBLIC_PEM)).toBe(reason);
  });

  it('refuses when the install key is not an RSA public key', async () => {
    const token = rs();
    const attempt = verifyAsymmetricToken({
      token,
      publicKeyPem: 'not a pem',
      nowSeconds: NOW,
      expectedAudience: APP_BASE_URL,
      expectedQsh: INSTALL_QSH,
    });
    await expectRefused(attempt, token);
  });
});

describe('signSymmetricToken', () => {
  it('signs HS256 tokens that jose verifies with the same secret only', async () => {
    const token = signSymmetricToken({ claims: { iss: 'tally', exp: NOW + 180, qsh: URL_QSH }, secret: SECRET });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      currentDate: new Date(NOW * 1000),
    });
    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(payload).toEqual({ iss: 'tally', exp: NOW + 180, qsh: URL_QSH });
    await expect(jwtVerify(token, new TextEncoder().encode('other'), { algorithms: ['HS256'] })).rejects.toThrow();
  });

  it('round-trips through verifySymmetricToken', async () => {
    const token = signSymmetricToken({ claims: { iss: 'ck-tenant', iat: NOW, exp: NOW + 60, qsh: URL_QSH }, secret: SECRET });
    expect((await verifyUrlBound(token)).exp).toBe(NOW + 60);
  });
});

describe('decodeUnverified', () => {
  it('reads iss and kid without a key', () => {
    const { header, claims } = decodeUnverified(rs());
    expect(header.kid).toBe('key-1');
    expect(claims.iss).toBe('ck-tenant');
  });

  it.each([['garbage', 'abc'], ['a JSON array header', `${Buffer.from('[]').toString('base64url')}.${b64({})}.x`], ['10 kB', 'a'.repeat(10_000)]])(
    'refuses %s',
    (_name, token) => {
      expect(() => decodeUnverified(token)).toThrowError(expect.objectContaining({ code: 'AUTH_INVALID' }) as Error);
    },
  );
});

describe('extractToken', () => {
  const carrier = (headers: Record<string, string>, query: Record<string, string> = {}): TokenCarrier => ({
    header: (name) => headers[name.toLowerCase()],
    query: (name) => query[name],
  });
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return 'none';
    } catch (error) {
      return isAppError(error) ? error.code : String(error);
    }
  };

  it('reads the Authorization header', () => {
    expect(extractToken(carrier({ authorization: 'JWT a.b.c' }), false)).toBe('a.b.c');
    expect(extractToken(carrier({ authorization: 'jwt  a.b.c ' }), false)).toBe('a.b.c');
  });

  it('reads ?jwt= only where the route allows it', () => {
    expect(extractToken(carrier({}, { jwt: 'q.r.s' }), true)).toBe('q.r.s');
    expect(codeOf(() => extractToken(carrier({}, { jwt: 'q.r.s' }), false))).toBe('AUTH_MISSING');
    expect(extractToken(carrier({ authorization: 'JWT a.b.c' }, { jwt: 'q.r.s' }), false)).toBe('a.b.c');
  });

  it('accepts the same token in header and query', () => {
    expect(extractToken(carrier({ authorization: 'JWT a.b.c' }, { jwt: 'a.b.c' }), true)).toBe('a.b.c');
  });

  it('refuses header and query tokens that disagree', () => {
    expect(() => extractToken(carrier({ authorization: 'JWT a.b.c' }, { jwt: 'q.r.s' }), true)).toThrow(
      'token in header and query disagree',
    );
  });

  it('reports a missing token as AUTH_MISSING and a broken one as AUTH_INVALID', () => {
    expect(codeOf(() => extractToken(carrier({}), true))).toBe('AUTH_MISSING');
    expect(codeOf(() => extractToken(carrier({ authorization: 'Basic dTpw' }), true))).toBe('AUTH_MISSING');
    expect(codeOf(() => extractToken(carrier({ authorization: 'JWT' }), true))).toBe('AUTH_INVALID');
    expect(codeOf(() => extractToken(carrier({ authorization: 'JWT a b' }), true))).toBe('AUTH_INVALID');
    expect(codeOf(() => extractToken(carrier({}, { jwt: '' }), true))).toBe('AUTH_INVALID');
  });

  it('refuses tokens longer than 8 KiB', () => {
    expect(codeOf(() => extractToken(carrier({ authorization: `JWT ${'a'.repeat(MAX_TOKEN_LENGTH)}` }), false))).toBe('none');
    expect(codeOf(() => extractToken(carrier({ authorization: `JWT ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}` }), false))).toBe(
      'AUTH_INVALID',
    );
  });
});
