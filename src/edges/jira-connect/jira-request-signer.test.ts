import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../simulator/create-simulator.js';
import type { SimInstalledApp } from '../../../simulator/jira/jira-site.js';
import { registerTestApp } from '../../../test/support/sim-callers.js';
import { isAppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { decodeUnverified } from '../kit/atlassian-jwt.js';
import { createConnectRequestSigner, signJiraRequest, type SignJiraRequestInput } from './jira-request-signer.js';

const START_MS = Date.UTC(2026, 10, 23, 9, 0, 0);
const NOW = START_MS / 1000;
const SITE = 'https://acme.atlassian.net';
const SECRET = 'tenant-secret-0123456789abcdef0123456789abcdef';

const input = (overrides: Partial<SignJiraRequestInput> = {}): SignJiraRequestInput => ({
  method: 'GET',
  url: `${SITE}/rest/api/3/worklog/updated?since=0&expand=properties`,
  tenantBaseUrl: SITE,
  appKey: 'tally',
  clientKey: 'ck-acme',
  sharedSecret: SECRET,
  nowSeconds: NOW,
  ...overrides,
});

const tokenOf = (authorization: string) => authorization.replace(/^JWT /, '');

describe('signJiraRequest', () => {
  it('issues the claims of §4.4 for app→Jira calls', () => {
    const authorization = signJiraRequest(input());
    expect(authorization).toMatch(/^JWT [\w-]+\.[\w-]+\.[\w-]+$/);
    const { header, claims } = decodeUnverified(tokenOf(authorization));
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(claims).toEqual({
      iss: 'tally',
      iat: NOW,
      exp: NOW + 180,
      aud: ['ck-acme'],
      qsh: createQueryStringHash(fromMethodAndUrl('GET', '/rest/api/3/worklog/updated?since=0&expand=properties'), false, ''),
    });
  });

  it('signs tokens that atlassian-jwt verifies with the shared secret', () => {
    const requests: Array<[string, string]> = [
      ['GET', '/rest/api/3/worklog/updated?since=0&expand=properties'],
      ['POST', '/rest/api/3/worklog/list'],
      ['GET', '/rest/api/3/search/jql?jql=project%20%3D%20%22A%26B%22&fields=summary,worklog&fields=key'],
      ['DELETE', '/rest/api/3/issue/ACME-1/worklog/10001?notifyUsers=false'],
    ];
    for (const [method, pathAndQuery] of requests) {
      const token = tokenOf(signJiraRequest(input({ method, url: `${SITE}${pathAndQuery}` })));
      const claims = decodeSymmetric(token, SECRET, SymmetricAlgorithm.HS256) as { qsh: string };
      expect(claims.qsh, `${method} ${pathAndQuery}`).toBe(createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, ''));
    }
    const token = tokenOf(signJiraRequest(input()));
    expect(() => decodeSymmetric(token, 'another-secret', SymmetricAlgorithm.HS256)).toThrow();
  });

  it('hashes the path relative to a tenant base URL with a path', () => {
    const token = tokenOf(signJiraRequest(input({ tenantBaseUrl: `${SITE}/jira/`, url: `${SITE}/jira/rest/api/3/myself?a=1` })));
    const expected = createQueryStringHash(fromMethodAndUrl('GET', '/jira/rest/api/3/myself?a=1'), false, `${SITE}/jira`);
    expect(decodeUnverified(token).claims.qsh).toBe(expected);
  });

  it.each([
    ['another host', { url: 'https://evil.example.com/rest/api/3/myself' }],
    ['a look-alike host', { url: 'https://acme.atlassian.net.evil.example/rest/api/3/myself' }],
    ['another scheme', { url: 'http://acme.atlassian.net/rest/api/3/myself' }],
    ['another port', { url: 'https://acme.atlassian.net:8443/rest/api/3/myself' }],
    ['credentials in the URL', { url: 'https://user:pw@acme.atlassian.net/rest/api/3/myself' }],
    ['a relative URL', { url: '/rest/api/3/myself' }],
    ['a path outside the base path', { tenantBaseUrl: `${SITE}/jira`, url: `${SITE}/jiraX/rest/api/3/myself` }],
  ])('refuses to sign a request to %s', (_name, overrides) => {
    let thrown: unknown;
    try {
      signJiraRequest(input(overrides));
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown, 'INTERNAL')).toBe(true);
    expect((thrown as Error).message).not.toContain(SECRET);
  });
});

describe('createConnectRequestSigner', () => {
  it('takes iat from the injected clock', () => {
    const clock = createManualClock(START_MS + 1_500);
    const signer = createConnectRequestSigner({ appKey: 'tally', clock });
    const tenant = { baseUrl: SITE, clientKey: 'ck-acme', sharedSecret: SECRET };
    const first = decodeUnverified(tokenOf(signer({ method: 'GET', url: `${SITE}/rest/api/3/myself` }, tenant))).claims;
    clock.advanceMs(60_000);
    const later = decodeUnverified(tokenOf(signer({ method: 'GET', url: `${SITE}/rest/api/3/myself` }, tenant))).claims;
    expect([first.iat, first.exp, later.iat]).toEqual([NOW + 1, NOW + 181, NOW + 61]);
  });
});

describe('the simulated Jira site', () => {
  let sim: Simulator;
  let app: SimInstalledApp;
  beforeEach(() => {
    sim = createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 30 } });
    app = registerTestApp(sim);
  });

  const signAs = (method: string, url: string, overrides: Partial<SignJiraRequestInput> = {}) =>
    signJiraRequest({
      method,
      url,
      tenantBaseUrl: sim.site.baseUrl,
      appKey: app.key,
      clientKey: app.clientKey,
      sharedSecret: app.sharedSecret,
      nowSeconds: Math.floor(sim.clock.now() / 1000),
      ...overrides,
    });

  async function listUpdatedIds(fetchImpl: typeof fetch, baseUrl: string, sign = signAs): Promise<number[]> {
    const url = `${baseUrl}/rest/api/3/worklog/updated?since=0&expand=properties`;
    const response = await fetchImpl(url, { headers: { authorization: sign('GET', url), accept: 'application/json' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { values: Array<{ worklogId: number }> };
    return body.values.map((v) => v.worklogId);
  }

  it('accepts a signed GET with a query and a signed POST', async () => {
    const ids = await listUpdatedIds(sim.fetch, sim.site.baseUrl);
    expect(ids.length).toBeGreaterThan(0);
    const url = `${sim.site.baseUrl}/rest/api/3/worklog/list`;
    const response = await sim.fetch(url, {
      method: 'POST',
      headers: { authorization: signAs('POST', url), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ids: ids.slice(0, 5) }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBe(Math.min(5, ids.length));
  });

  it('refuses a token signed with another secret', async () => {
    const url = `${sim.site.baseUrl}/rest/api/3/worklog/updated?since=0&expand=properties`;
    const authorization = signAs('GET', url, { sharedSecret: 'not-the-secret-0123456789abcdef0123456789' });
    const response = await sim.fetch(url, { headers: { authorization } });
    expect(response.status).toBe(401);
  });

  it('refuses a token whose qsh belongs to another query', async () => {
    const url = `${sim.site.baseUrl}/rest/api/3/worklog/updated?since=0&expand=properties`;
    const response = await sim.fetch(url.replace('since=0', 'since=1'), { headers: { authorization: signAs('GET', url) } });
    expect(response.status).toBe(401);
  });

  it('accepts signed calls over loopback HTTP', async () => {
    const server = await sim.listen();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await listUpdatedIds(fetch, server.url)).length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('accepts signed calls to a site whose base URL has a path', async () => {
    // Jira hashes the path relative to its own base URL (§4.2); a gateway that strips '/jira'
    // before the simulator reproduces a site served below a path.
    const baseUrl = 'http://127.0.0.1:1/jira';
    const gateway = ((input: string, init?: RequestInit) => {
      const url = new URL(input);
      url.pathname = url.pathname.replace(/^\/jira(?=\/)/, '');
      return sim.fetch(url.toString(), init);
    }) as typeof fetch;
    const sign = (method: string, url: string) => signAs(method, url, { tenantBaseUrl: baseUrl });
    expect((await listUpdatedIds(gateway, baseUrl, sign)).length).toBeGreaterThan(0);
  });
});
