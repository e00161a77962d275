import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../create-simulator.js';
import type { SimInstalledApp } from '../jira/jira-site.js';
import { registerTestApp } from '../../test/support/sim-callers.js';
import { GDPR_TEST_ACCOUNTS, isRfc3339DateTime, REPORT_ACCOUNTS_PATH } from './report-accounts.js';

const URL_ = `https://api.atlassian.com${REPORT_ACCOUNTS_PATH}`;
const UPDATED_AT = '2026-01-10T08:00:00.000Z';

function token(sim: Simulator, app: SimInstalledApp, claims: Record<string, unknown> = {}, secret = app.sharedSecret): string {
  const iat = Math.floor(sim.clock.now() / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl('POST', REPORT_ACCOUNTS_PATH), false, '');
  return `JWT ${encodeSymmetric({ iss: app.key, iat, exp: iat + 180, qsh, ...claims }, secret)}`;
}

async function report(sim: Simulator, authorization: string | undefined, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return sim.fetch(URL_, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const accounts = (...ids: string[]) => ({ accounts: ids.map((accountId) => ({ accountId, updatedAt: UPDATED_AT })) });

describe('simulated Personal Data Reporting API', () => {
  const setup = (options: Parameters<typeof createSimulator>[0] = {}) => {
    const sim = createSimulator({ clock: 'manual', startMs: Date.UTC(2026, 1, 1), generate: { worklogs: 20, users: 5 }, ...options });
    return { sim, app: registerTestApp(sim) };
  };

  it('binds the token to the documented qsh', () => {
    expect(createQueryStringHash(fromMethodAndUrl('POST', REPORT_ACCOUNTS_PATH), false, '')).toBe('d0fd353aa20b3a57b91182f183e74affcb3454d27ffb586bbaf2485a6cbdabd3');
  });

  it('answers closed for the closed test account, and 204 when nothing needs action', async () => {
    const { sim, app } = setup();
    const closed = await report(sim, token(sim, app), accounts(GDPR_TEST_ACCOUNTS.active, GDPR_TEST_ACCOUNTS.closed));
    expect(closed.status).toBe(200);
    expect(await closed.json()).toEqual({ accounts: [{ accountId: GDPR_TEST_ACCOUNTS.closed, status: 'closed' }] });
    expect(closed.headers.get('cycle-period')).toBe('604800');
    const none = await report(sim, token(sim, app), accounts(GDPR_TEST_ACCOUNTS.active));
    expect(none.status).toBe(204);
    expect(sim.gdpr.reported.map((entry) => [entry.clientKey, entry.accounts.length, entry.status])).toEqual([
      [app.clientKey, 2, 200],
      [app.clientKey, 1, 204],
    ]);
  });

  it('closes a generated account on request, and shows it as a former user on the site', async () => {
    const { sim, app } = setup();
    const user = sim.generated!.users.find((candidate) => candidate.active)!;
    sim.gdpr.closeAccount(user.accountId);
    expect(await (await report(sim, token(sim, app), accounts(user.accountId))).json()).toEqual({ accounts: [{ accountId: user.accountId, status: 'closed' }] });
    expect(sim.site.users.get(user.accountId)).toMatchObject({ active: false, displayName: 'Former user' });
  });

  it('answers updated when the profile changed after updatedAt', async () => {
    const { sim, app } = setup();
    sim.gdpr.updateAccount('acc-u', Date.parse(UPDATED_AT) + 1);
    sim.gdpr.updateAccount('acc-old', Date.parse(UPDATED_AT) - 1);
    expect(await (await report(sim, token(sim, app), accounts('acc-u', 'acc-old'))).json()).toEqual({ accounts: [{ accountId: 'acc-u', status: 'updated' }] });
  });

  it.each([
    ['seconds', 3 * 86_400, '259200'],
    ['iso8601', 3 * 86_400, 'P3D'],
    ['iso8601', 5400, 'PT5400S'],
    ['none', 86_400, null],
  ] as const)('writes Cycle-Period in the %s format', async (format, seconds, header) => {
    const { sim, app } = setup({ gdpr: { cyclePeriodFormat: format, cyclePeriodSeconds: seconds } });
    expect((await report(sim, token(sim, app), accounts('a'))).headers.get('cycle-period')).toBe(header);
  });

  it.each([
    ['no token', () => undefined],
    ['a wrong secret', (sim: Simulator, app: SimInstalledApp) => token(sim, app, {}, 'not-the-secret-0123456789abcdef')],
    ['another request’s qsh', (sim: Simulator, app: SimInstalledApp) => token(sim, app, { qsh: createQueryStringHash(fromMethodAndUrl('GET', REPORT_ACCOUNTS_PATH), false, '') })],
    ['a context token', (sim: Simulator, app: SimInstalledApp) => token(sim, app, { qsh: 'context-qsh' })],
    ['an unknown app key', (sim: Simulator, app: SimInstalledApp) => token(sim, app, { iss: 'other-app' })],
    ['an expired token', (sim: Simulator, app: SimInstalledApp) => token(sim, app, { exp: Math.floor(sim.clock.now() / 1000) - 3600 })],
  ])('refuses %s with 401 and records nothing', async (_name, make) => {
    const { sim, app } = setup();
    const response = await report(sim, make(sim, app), accounts(GDPR_TEST_ACCOUNTS.closed));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errorType: 'UNAUTHORIZED' });
    expect(sim.gdpr.reported).toEqual([]);
  });

  it.each([
    ['more than 90 accounts', accounts(...Array.from({ length: 91 }, (_, i) => `acc-${i}`))],
    ['no accounts', { accounts: [] }],
    ['no accounts array', { account: [] }],
    ['a body that is not JSON', '{"accounts":'],
    ['an updatedAt in Jira’s format', { accounts: [{ accountId: 'a', updatedAt: '2026-01-10T08:00:00.000+0000' }] }],
    ['an impossible date', { accounts: [{ accountId: 'a', updatedAt: '2026-02-30T08:00:00Z' }] }],
    ['an empty accountId', { accounts: [{ accountId: ' ', updatedAt: UPDATED_AT }] }],
  ])('refuses %s with 400 {errorType, errorMessage}', async (_name, body) => {
    const { sim, app } = setup();
    const response = await report(sim, token(sim, app), body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(answer).sort()).toEqual(['errorMessage', 'errorType']);
  });

  it('accepts exactly 90 accounts and the path without its trailing slash', async () => {
    const { sim, app } = setup();
    expect((await report(sim, token(sim, app), accounts(...Array.from({ length: 90 }, (_, i) => `acc-${i}`)))).status).toBe(204);
    const iat = Math.floor(sim.clock.now() / 1000);
    const qsh = createQueryStringHash(fromMethodAndUrl('POST', '/app/report-accounts'), false, '');
    const bare = await sim.fetch('https://api.atlassian.com/app/report-accounts', {
      method: 'POST',
      headers: { authorization: `JWT ${encodeSymmetric({ iss: app.key, iat, exp: iat + 60, qsh }, app.sharedSecret)}`, 'content-type': 'application/json' },
      body: JSON.stringify(accounts('a')),
    });
    expect(bare.status).toBe(204);
  });

  it('answers injected failures first, in order, with their Retry-After', async () => {
    const { sim, app } = setup();
    sim.gdpr.failNext({ status: 429, retryAfter: '17' }, { status: 503 });
    const limited = await report(sim, token(sim, app), accounts('a'));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '17']);
    expect((await report(sim, token(sim, app), accounts('a'))).status).toBe(503);
    expect((await report(sim, token(sim, app), accounts('a'))).status).toBe(204);
    expect(sim.gdpr.reported).toHaveLength(1);
  });

  it('verifies tokens of another site’s installation once that site is added, choosing it by aud', async () => {
    const { sim, app } = setup();
    const other = createSimulator({ clock: 'manual', generate: false, baseUrl: 'https://other.atlassian.net' });
    const otherApp = other.site.registerApp({ key: app.key, clientKey: 'ck-other', sharedSecret: 'other-secret-0123456789abcdef0123', baseUrl: app.baseUrl, descriptor: {} });
    expect((await report(sim, token(sim, otherApp, { aud: ['ck-other'] }), accounts('a'))).status).toBe(401);
    sim.gdpr.addSite(other.site);
    expect((await report(sim, token(sim, otherApp, { aud: ['ck-other'] }), accounts('a'))).status).toBe(204);
    expect((await report(sim, token(sim, otherApp), accounts('a'))).status).toBe(204);
    // aud names the installation: the other site's secret does not count for this one.
    expect((await report(sim, token(sim, otherApp, { aud: [app.clientKey] }), accounts('a'))).status).toBe(401);
    expect(sim.gdpr.reported.map((entry) => entry.clientKey)).toEqual(['ck-other', 'ck-other']);
  });

  it('checks RFC 3339 date-times', () => {
    for (const good of ['2018-10-25T23:08:51.382Z', '2018-10-25t23:08:51+02:00', '2016-12-31T23:59:60Z']) expect(isRfc3339DateTime(good)).toBe(true);
    for (const bad of ['2018-10-25 23:08:51Z', '2018-10-25T23:08:51', '2018-13-01T00:00:00Z', '2018-10-25T24:00:00Z', 1540508931382]) expect(isRfc3339DateTime(bad)).toBe(false);
  });
});
