import { afterEach, describe, expect, it } from 'vitest';
import { createConnectTestbed, TEST_APP_KEY } from '../../test/support/connect-testbed.js';
import { createSimulator, type Simulator } from '../create-simulator.js';
import { textToAdf } from '../jira/adf.js';
import type { SimInstalledApp, SimUser } from '../jira/jira-site.js';
import { createImpersonationAuthServer, IMPERSONATION_AUDIENCE, JWT_BEARER_GRANT_TYPE, signImpersonationAssertion, type AssertionInput } from './connect-impersonation.js';

const START = Date.UTC(2026, 6, 1, 8, 0, 0);
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function setup(scopes: string[] = ['READ', 'WRITE', 'DELETE', 'act_as_user']) {
  const sim = createSimulator({ clock: 'manual', startMs: START, timeZone: 'Europe/Berlin', generate: { worklogs: 0, users: 3, issues: 3, projects: 1 } });
  const app = sim.site.registerApp({
    key: 'tally-connect',
    clientKey: 'ck-tally',
    sharedSecret: 'shared-secret-0123456789abcdef0123456789abcdef',
    baseUrl: 'https://tally.example.com',
    descriptor: { key: 'tally-connect', baseUrl: 'https://tally.example.com', name: 'Tally', scopes },
  });
  const user: SimUser = sim.site.addUser({ accountId: '712020:aa11bb22-cc33-dd44-ee55-ff6677889900', displayName: 'Ines Impersonated', active: true, timeZone: 'America/New_York', accountType: 'atlassian', groups: ['jira-software-users'] });
  const issue = [...sim.site.issues.values()].find((i) => i.timeTrackingEnabled)!;
  return { sim, app, user, issue };
}

const assertionFor = (sim: Simulator, app: SimInstalledApp, accountId: string, overrides: Partial<AssertionInput> = {}) =>
  signImpersonationAssertion({
    oauthClientId: app.oauthClientId!,
    sharedSecret: app.sharedSecret,
    accountId,
    baseUrl: sim.site.baseUrl,
    nowSeconds: Math.floor(sim.clock.now() / 1000),
    ...overrides,
  });

async function requestToken(sim: Simulator, form: Record<string, string>, origin = sim.site.baseUrl) {
  const response = await sim.fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const grant = (assertion: string, extra: Record<string, string> = {}) => ({ grant_type: JWT_BEARER_GRANT_TYPE, assertion, ...extra });
const asBearer = (sim: Simulator, token: string, path: string, init: RequestInit = {}) =>
  sim.fetch(`${sim.site.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

describe('the installed payload', () => {
  it('carries the app’s oauthClientId, stored on the installed app and kept across a re-install', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    const first = bed.receiver.state.calls[0]?.body as Record<string, unknown>;
    const app = bed.sim.site.findApp(TEST_APP_KEY)!;
    expect(first.oauthClientId).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/));
    expect(app.oauthClientId).toBe(first.oauthClientId);
    await bed.install();
    const again = bed.receiver.state.calls.filter((call) => call.kind === 'installed')[1]?.body as Record<string, unknown>;
    expect(again.oauthClientId).toBe(first.oauthClientId);
    expect(again.sharedSecret).not.toBe(first.sharedSecret);
  });
});

describe('POST /oauth2/token (jwt-bearer grant)', () => {
  it('exchanges a valid assertion for a 900 s bearer token that acts as the user', async () => {
    const { sim, app, user } = setup();
    const answer = await requestToken(sim, grant(assertionFor(sim, app, user.accountId), { scope: 'READ WRITE' }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
    const myself = await asBearer(sim, answer.body.access_token as string, '/rest/api/3/myself');
    expect(myself.status).toBe(200);
    expect(await myself.json()).toMatchObject({ accountId: user.accountId, displayName: 'Ines Impersonated' });
  });

  it('creates worklogs authored by the impersonated user, over real HTTP', async () => {
    const { sim, app, user, issue } = setup();
    const server = await sim.listen();
    closers.push(server.close);
    const tokenResponse = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(grant(assertionFor(sim, app, user.accountId))).toString(),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const comment = textToAdf('Logged as myself');
    const created = await fetch(`${server.url}/rest/api/3/issue/${issue.key}/worklog`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ started: '2026-06-30T09:00:00.000-0400', timeSpentSeconds: 3600, comment }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      author: { accountId: user.accountId },
      updateAuthor: { accountId: user.accountId },
      started: '2026-06-30T09:00:00.000-0400',
      comment,
    });
    expect(sim.site.worklogs.get(Number(body.id))).toMatchObject({ authorId: user.accountId, updateAuthorId: user.accountId });
  });

  it('gives the token the user’s permissions, not the app’s', async () => {
    const { sim, app, user, issue } = setup();
    const token = await sim.impersonation.issueToken(app.key, user.accountId);
    user.withheldPermissions = ['WORK_ON_ISSUES'];
    const refused = await asBearer(sim, token, `/rest/api/3/issue/${issue.key}/worklog`, {
      method: 'POST',
      body: JSON.stringify({ started: '2026-06-30T09:00:00.000+0000', timeSpentSeconds: 60 }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errorMessages: ['You do not have the permission to associate a worklog to this issue.'] });
    expect(sim.site.worklogs.size).toBe(0);
  });

  it('stops authenticating at expiry on the simulator clock, after uninstall, and at the gateway', async () => {
    const { sim, app, user } = setup();
    const token = await sim.impersonation.issueToken(app.key, user.accountId);
    sim.clock.advance(899_000);
    expect((await asBearer(sim, token, '/rest/api/3/myself')).status).toBe(200);
    const gateway = await sim.fetch(`https://api.atlassian.com/ex/jira/${sim.cloudId}/rest/api/3/myself`, { headers: { authorization: `Bearer ${token}` } });
    expect(gateway.status).toBe(401);
    sim.clock.advance(1_000);
    const expired = await asBearer(sim, token, '/rest/api/3/myself');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ errorMessages: [expect.stringContaining('expired')] });

    const fresh = await sim.impersonation.issueToken(app.key, user.accountId);
    sim.site.apps.delete(app.key);
    expect((await asBearer(sim, fresh, '/rest/api/3/myself')).status).toBe(401);
  });

  it('refuses an app whose descriptor lacks ACT_AS_USER', async () => {
    const { sim, app, user } = setup(['READ', 'WRITE']);
    const answer = await requestToken(sim, grant(assertionFor(sim, app, user.accountId)));
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('ACT_AS_USER') } });
    await expect(sim.impersonation.issueToken(app.key, user.accountId)).rejects.toThrow(/invalid_grant/);
  });

  const now = () => Math.floor(START / 1000);
  it.each<[string, (s: ReturnType<typeof setup>) => string, RegExp]>([
    ['an expired assertion', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { nowSeconds: now() - 120 }), /expired/],
    ['an assertion valid for more than 60 s', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { lifetimeSeconds: 61 }), /at most 60 seconds/],
    ['a wrong audience', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { claims: { aud: 'https://auth.atlassian.io' } }), /^aud/],
    ['a missing audience', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { claims: { aud: undefined } }), /^aud/],
    ['another tenant', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { baseUrl: 'https://other.atlassian.net' }), /^tnt/],
    ['the wrong secret', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { sharedSecret: 'not-the-secret-0123456789abcdef0123456789' }), /signature/],
    ['an unknown client', ({ sim, app, user }) => assertionFor(sim, app, user.accountId, { oauthClientId: 'unknown-client' }), /Unknown client/],
    ['an unknown user', ({ sim, app }) => assertionFor(sim, app, '557058:00000000-0000-0000-0000-000000000000'), /^sub/],
    ['the app user', ({ sim, app }) => assertionFor(sim, app, app.appUserAccountId), /^sub/],
    ['an inactive user', ({ sim, app, user }) => ((user.active = false), assertionFor(sim, app, user.accountId)), /not active/],
    ['a disabled app', ({ sim, app, user }) => ((app.enabled = false), assertionFor(sim, app, user.accountId)), /disabled/],
  ])('refuses %s with 400 invalid_grant and issues nothing', async (_name, make, reason) => {
    const context = setup();
    const answer = await requestToken(context.sim, grant(make(context)));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(reason) });
    expect(answer.body.access_token).toBeUndefined();
  });

  it('accepts an assertion of exactly 60 s and names the audience it expects', async () => {
    const { sim, app, user } = setup();
    expect((await requestToken(sim, grant(assertionFor(sim, app, user.accountId, { lifetimeSeconds: 60 })))).status).toBe(200);
    expect(IMPERSONATION_AUDIENCE).toBe('https://oauth-2-authorization-server.services.atlassian.com');
  });

  it('refuses other grant types, a missing assertion, a JSON body and undeclared scopes', async () => {
    const { sim, app, user } = setup();
    expect((await requestToken(sim, { grant_type: 'client_credentials' })).body).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await requestToken(sim, { grant_type: JWT_BEARER_GRANT_TYPE })).body).toMatchObject({ error: 'invalid_request' });
    const json = await sim.fetch(`${sim.site.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(grant(assertionFor(sim, app, user.accountId))),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    const scoped = await requestToken(sim, grant(assertionFor(sim, app, user.accountId), { scope: 'READ ADMIN' }));
    expect(scoped).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });
});

describe('one authorization server for a fleet of sites', () => {
  it('answers for every site it serves, and a token works only on the site it was issued for', async () => {
    const server = createImpersonationAuthServer();
    const make = (baseUrl: string) => {
      const sim = createSimulator({ clock: 'manual', startMs: START, baseUrl, impersonationServer: server, generate: { worklogs: 0, users: 2, issues: 1, projects: 1 } });
      const app = sim.site.registerApp({ key: 'tally-connect', clientKey: `ck-${baseUrl}`, sharedSecret: `secret-for-${baseUrl}-0123456789abcdef`, baseUrl: 'https://tally.example.com', descriptor: { key: 'tally-connect', baseUrl: 'https://tally.example.com', scopes: ['READ', 'WRITE', 'ACT_AS_USER'] } });
      return { sim, app, user: sim.generated!.admin };
    };
    const a = make('https://acme.atlassian.net');
    const b = make('https://globex.atlassian.net');
    // Asked at site B's origin for site A (tnt = A): the one server knows both.
    const answer = await requestToken(b.sim, grant(assertionFor(a.sim, a.app, a.user.accountId)), b.sim.site.baseUrl);
    expect(answer.status).toBe(200);
    const token = answer.body.access_token as string;
    expect((await asBearer(a.sim, token, '/rest/api/3/myself')).status).toBe(200);
    const elsewhere = await asBearer(b.sim, token, '/rest/api/3/myself');
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toMatchObject({ errorMessages: [expect.stringContaining('another site')] });
  });
});
