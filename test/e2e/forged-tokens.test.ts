import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken, serverToken } from '../support/tally-tokens.js';

type TokenClass = 'lifecycle' | 'server' | 'page' | 'context';
interface RouteUnderTest {
  method: 'GET' | 'POST';
  path: string;
  tokenClass: TokenClass;
  body?: (clientKey: string) => unknown;
}
interface Forgery {
  name: string;
  /** Which route classes it applies to (all when omitted). */
  only?: TokenClass[];
  /** Builds the request, or undefined when the forgery does not apply. */
  build(route: RouteUnderTest): Promise<{ headers: Record<string, string>; query?: string; body?: unknown }>;
}

const qshOf = (method: string, pathAndQuery: string) => createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, '');

/** Every route Jira calls (from Tally's own descriptor) and every API route of the page. */
function routesFrom(descriptor: Record<string, any>): RouteUnderTest[] {
  const lifecycle = descriptor.lifecycle as Record<string, string>;
  const lifecycleBody = (eventType: string) => (clientKey: string) => ({
    key: descriptor.key,
    clientKey,
    baseUrl: 'https://tally-sim.atlassian.net',
    sharedSecret: 'attacker-chosen-secret-0123456789abcdef',
    eventType,
    productType: 'jira',
  });
  const routes: RouteUnderTest[] = [
    { method: 'POST', path: lifecycle.installed!, tokenClass: 'lifecycle', body: lifecycleBody('installed') },
    { method: 'POST', path: lifecycle.uninstalled!, tokenClass: 'lifecycle', body: lifecycleBody('uninstalled') },
    { method: 'POST', path: lifecycle.enabled!, tokenClass: 'server', body: lifecycleBody('enabled') },
    { method: 'POST', path: lifecycle.disabled!, tokenClass: 'server', body: lifecycleBody('disabled') },
  ];
  for (const hook of descriptor.modules.webhooks as { url: string }[]) {
    routes.push({ method: 'POST', path: hook.url, tokenClass: 'server', body: () => ({ webhookEvent: 'worklog_deleted', timestamp: 1, worklog: { id: '10000', issueId: '10001' } }) });
  }
  for (const page of [...descriptor.modules.generalPages, ...descriptor.modules.adminPages] as { url: string }[]) {
    routes.push({ method: 'GET', path: page.url, tokenClass: 'page' });
  }
  routes.push({ method: 'GET', path: '/api/session', tokenClass: 'context' });
  return [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
}

describe('forged tokens against every route', () => {
  let bed: TallyTestbed;
  let clientKey: string;
  let sharedSecret: string;
  let routes: RouteUnderTest[];

  beforeAll(async () => {
    bed = await createTallyTestbed();
    const installed = await bed.sim.connect.install(bed.descriptorUrl);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    clientKey = installed.clientKey;
    sharedSecret = installed.sharedSecret;
    const descriptor = (await (await bed.app.request('/atlassian-connect.json')).json()) as Record<string, unknown>;
    routes = routesFrom(descriptor);
    // Every API route the app registers, so a new one is covered without editing this test.
    for (const route of bed.app.routes.filter((r) => r.path.startsWith('/api/') && r.method === 'GET' && !r.path.includes('*'))) {
      if (!routes.some((r) => r.path === route.path)) routes.push({ method: 'GET', path: route.path, tokenClass: 'context' });
    }
    expect(routes.some((r) => r.path === '/api/sync/status')).toBe(true);
  });
  afterAll(async () => bed.close());

  const now = () => bed.sim.clock.now();
  const nowSeconds = () => Math.floor(now() / 1000);
  const jwtHeader = (token: string) => ({ authorization: `JWT ${token}` });
  /** Claims a genuine product→app token for this route would carry. */
  const claimsFor = (route: RouteUnderTest, overrides: Record<string, unknown> = {}) => ({
    iss: clientKey,
    sub: 'user-1',
    iat: nowSeconds(),
    exp: nowSeconds() + 180,
    qsh: route.tokenClass === 'context' ? 'context-qsh' : qshOf(route.method, route.path),
    ...(route.tokenClass === 'lifecycle' ? { aud: ['https://tally.test'] } : {}),
    ...overrides,
  });
  const rs256 = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const key = await bed.sim.connect.installKeys.current();
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey);
  };
  /** Signs as the route's genuine signer would, with the given claim overrides. */
  const genuine = async (route: RouteUnderTest, overrides: Record<string, unknown> = {}) =>
    route.tokenClass === 'lifecycle' ? rs256(claimsFor(route, overrides)) : encodeSymmetric(claimsFor(route, overrides), sharedSecret);

  const forgeries: Forgery[] = [
    { name: 'no token', build: async () => ({ headers: {} }) },
    {
      name: 'alg none',
      build: async (route) => {
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return { headers: jwtHeader(`${part({ alg: 'none', typ: 'JWT' })}.${part(claimsFor(route))}.`) };
      },
    },
    { name: 'a wrong secret', build: async (route) => ({ headers: jwtHeader(encodeSymmetric(claimsFor(route), 'not-the-shared-secret-0123456789')) }) },
    {
      name: 'HS256 signed with the install public key',
      build: async (route) => {
        const key = await bed.sim.connect.installKeys.current();
        return { headers: jwtHeader(encodeSymmetric(claimsFor(route), key.publicKeyPem)) };
      },
    },
    { name: 'RS256 on an HS256 route', only: ['server', 'page', 'context'], build: async (route) => ({ headers: jwtHeader(await rs256(claimsFor(route))) }) },
    {
      name: 'RS256 signed by an unknown key',
      only: ['lifecycle'],
      build: async (route) => {
        const { privateKey } = await generateKeyPair('RS256');
        const token = await new SignJWT(claimsFor(route)).setProtectedHeader({ alg: 'RS256', kid: 'f3b7c6d2-0000-4000-8000-000000000000' }).sign(privateKey);
        return { headers: jwtHeader(token) };
      },
    },
    { name: 'an expired token', build: async (route) => ({ headers: jwtHeader(await genuine(route, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })) }) },
    { name: 'a token from the future', build: async (route) => ({ headers: jwtHeader(await genuine(route, { iat: nowSeconds() + 600, nbf: nowSeconds() + 600, exp: nowSeconds() + 900 })) }) },
    { name: 'no qsh', build: async (route) => ({ headers: jwtHeader(await genuine(route, { qsh: undefined })) }) },
    { name: 'a qsh of another request', build: async (route) => ({ headers: jwtHeader(await genuine(route, { qsh: qshOf('GET', '/somewhere/else?x=1') })) }) },
    { name: 'a context token', only: ['lifecycle', 'server', 'page'], build: async (route) => ({ headers: jwtHeader(await genuine(route, { qsh: 'context-qsh' })) }) },
    {
      name: 'a URL-bound token on a context route',
      only: ['context'],
      build: async (route) => ({ headers: jwtHeader(encodeSymmetric(claimsFor(route, { qsh: qshOf(route.method, route.path) }), sharedSecret)) }),
    },
    { name: "a kid of '../x'", only: ['lifecycle'], build: async (route) => ({ headers: jwtHeader(await rs256(claimsFor(route), { kid: '../x' })) }) },
    { name: 'a 10 kB kid', only: ['lifecycle'], build: async (route) => ({ headers: jwtHeader(await rs256(claimsFor(route), { kid: 'k'.repeat(10_240) })) }) },
    { name: 'an issuer other than the body clientKey', only: ['lifecycle'], build: async (route) => ({ headers: jwtHeader(await genuine(route, { iss: 'another-client-key' })) }) },
    { name: 'a wrong audience', only: ['lifecycle'], build: async (route) => ({ headers: jwtHeader(await genuine(route, { aud: ['https://evil.example.com'] })) }) },
    { name: 'an unknown issuer', only: ['server', 'page', 'context'], build: async (route) => ({ headers: jwtHeader(encodeSymmetric(claimsFor(route, { iss: 'unknown-site' }), sharedSecret)) }) },
    {
      name: 'header and query tokens that disagree',
      only: ['page'],
      build: async (route) => ({ headers: jwtHeader(await genuine(route)), query: `?jwt=${encodeSymmetric(claimsFor(route, { sub: 'someone-else' }), sharedSecret)}` }),
    },
  ];

  async function snapshot() {
    const credentials = await bed.connect.findCredentialsByClientKey(clientKey);
    return JSON.stringify({ credentials, installed: await bed.registry.listInstalled(), events: bed.events.length });
  }

  it('answers 401/403 to every forgery on every route and changes nothing', async () => {
    const before = await snapshot();
    let attempts = 0;
    for (const route of routes) {
      for (const forgery of forgeries) {
        if (forgery.only && !forgery.only.includes(route.tokenClass)) continue;
        const request = await forgery.build(route);
        const body = route.body?.(clientKey);
        const response = await bed.app.request(`${route.path}${request.query ?? ''}`, {
          method: route.method,
          headers: { ...request.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        attempts++;
        expect([401, 403], `${route.method} ${route.path} with ${forgery.name}`).toContain(response.status);
        const error = (await response.json()) as { error?: { code?: string } };
        expect(error.error?.code, `${route.method} ${route.path} with ${forgery.name}`).toMatch(/^AUTH_/);
      }
    }
    expect(attempts).toBeGreaterThan(80);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a genuinely signed install whose base URL points at a metadata service', async () => {
    const before = await snapshot();
    for (const baseUrl of ['http://169.254.169.254', 'https://169.254.169.254/latest', 'https://evil.example.com', 'https://tally-sim.atlassian.net.evil.com']) {
      const result = await bed.sim.connect.install(bed.descriptorUrl, { payload: { baseUrl } });
      expect(result.ok, baseUrl).toBe(false);
      expect([401, 403], baseUrl).toContain(result.status);
    }
    expect(await snapshot()).toBe(before);
  });

  it('takes the tenant only from the verified token, never from request data', async () => {
    const other = await bed.connect.recordInstall({ clientKey: 'site-b', product: 'jira', baseUrl: 'https://site-b.atlassian.net', sharedSecret: 'secret-of-site-b-0123456789abcdef' });
    const token = contextToken({ clientKey, sharedSecret, nowMs: now(), accountId: 'user-1' });
    const response = await bed.app.request(`/api/session?clientKey=site-b&tenantId=${other.tenant.id}&xdm_e=https://site-b.atlassian.net`, {
      headers: { authorization: `JWT ${token}`, 'x-tenant-id': other.tenant.id },
    });
    expect(response.status).toBe(200);
    const session = (await response.json()) as { tenantId: string; siteUrl: string };
    expect(session.tenantId).not.toBe(other.tenant.id);
    expect(session.siteUrl).toBe('https://tally-sim.atlassian.net');
    // Tenant A's secret never opens tenant B.
    const forged = contextToken({ clientKey: 'site-b', sharedSecret, nowMs: now() });
    expect((await bed.app.request('/api/session', { headers: { authorization: `JWT ${forged}` } })).status).toBe(401);
  });

  it('accepts the genuine tokens, so the refusals above are not a broken route', async () => {
    const page = serverToken({ clientKey, sharedSecret, nowMs: now(), method: 'GET', pathAndQuery: '/pages/reports?lic=none' });
    expect((await bed.app.request(`/pages/reports?lic=none&jwt=${page}`)).status).toBe(200);
    const context = contextToken({ clientKey, sharedSecret, nowMs: now() });
    expect((await bed.app.request('/api/session', { headers: { authorization: `JWT ${context}` } })).status).toBe(200);
  });

  it('answers no route with 200–399 without a valid token, except the descriptors, health and the data statement', async () => {
    // Public by design: none of them holds tenant data (the data statement describes Tally itself).
    const publicPaths = new Set(['/atlassian-connect.json', '/bitbucket/atlassian-connect.json', '/healthz', '/readyz', '/data-statement']);
    const registered = bed.app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*'));
    expect(registered.length).toBeGreaterThan(8);
    for (const route of registered) {
      const response = await bed.app.request(route.path, { method: route.method });
      if (publicPaths.has(route.path)) expect(response.status, route.path).toBe(200);
      else expect(response.status, `${route.method} ${route.path}`).toBeGreaterThanOrEqual(400);
    }
  });
});
