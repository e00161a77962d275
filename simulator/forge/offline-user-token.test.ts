import { describe, expect, it } from 'vitest';
import type { SimUser } from '../jira/jira-site.js';
import type { ForgeOptions } from './forge-options.js';
import { createForgeTestbed, type ForgeTestbed } from './testing/forge-testbed.js';

/** The mutation as Forge's `remote/calling-product-apis` page documents it. */
const MUTATION = `mutation forge_remote_offlineUserAuthToken($input: OfflineUserAuthTokenInput!) {
  offlineUserAuthToken(input: $input) { success errors { message } authToken { token ttl } }
}`;

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: { offlineUserAuthToken: null | { success: boolean; errors: { message: string }[] | null; authToken: { token: string; ttl: number } | null } }; errors?: { message: string; path?: string[] }[] };
}

async function setup(forge: Partial<ForgeOptions> = {}) {
  const bed = createForgeTestbed({ forge });
  await bed.sim.forge.install();
  const user: SimUser = bed.sim.site.addUser({ accountId: '712020:0c0ffee0-1111-4222-8333-444455556666', displayName: 'Olga Offline', active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'] });
  const issue = [...bed.sim.site.issues.values()].find((i) => i.timeTrackingEnabled)!;
  const siteAri = `ari:cloud:jira::site/${bed.sim.forge.cloudId}`;
  return { bed, user, issue, siteAri };
}

async function requestToken(bed: ForgeTestbed, token: string, input: unknown, query = MUTATION): Promise<Answer> {
  const response = await bed.sim.fetch(`${bed.sim.forge.options.apiOrigin}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables: { input } }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const tokenOf = (answer: Answer) => answer.body.data?.offlineUserAuthToken?.authToken?.token ?? '';

describe('POST api.atlassian.com/graphql offlineUserAuthToken', () => {
  it('exchanges the system token for a token acting as the user, with its lifetime in seconds', async () => {
    const { bed, user, siteAri } = await setup();
    const answer = await requestToken(bed, bed.sim.forge.systemToken(), { contextIds: [siteAri], userId: user.accountId });

    expect(answer.status).toBe(200);
    expect(answer.body.data?.offlineUserAuthToken).toEqual({ success: true, errors: null, authToken: { token: expect.any(String), ttl: 4 * 3600 } });
    const myself = await bed.api('/rest/api/3/myself', tokenOf(answer));
    expect(await myself.json()).toMatchObject({ accountId: user.accountId, displayName: 'Olga Offline' });
  });

  it('writes worklogs authored by that user, with that user’s permissions', async () => {
    const { bed, user, issue, siteAri } = await setup();
    const token = tokenOf(await requestToken(bed, bed.sim.forge.systemToken(), { contextIds: [siteAri], userId: user.accountId }));

    const created = await bed.api(`/rest/api/3/issue/${issue.key}/worklog`, token, { method: 'POST', body: { started: '2026-08-31T09:00:00.000+0000', timeSpentSeconds: 1800 } });
    expect(created.status).toBe(201);
    const id = Number(((await created.json()) as { id: string }).id);
    expect(bed.sim.site.worklogs.get(id)).toMatchObject({ authorId: user.accountId, updateAuthorId: user.accountId, timeSpentSeconds: 1800 });

    user.withheldPermissions = ['WORK_ON_ISSUES'];
    const refused = await bed.api(`/rest/api/3/issue/${issue.key}/worklog`, token, { method: 'POST', body: { started: '2026-08-31T10:00:00.000+0000', timeSpentSeconds: 60 } });
    expect(refused.status).toBe(400);
    expect([...bed.sim.site.worklogs.values()].filter((w) => w.authorId === user.accountId)).toHaveLength(1);
  });

  it('accepts the input inline in the mutation as well as in variables', async () => {
    const { bed, user, siteAri } = await setup();
    const inline = `mutation { offlineUserAuthToken(input: {contextIds: [${JSON.stringify(siteAri)}], userId: ${JSON.stringify(user.accountId)}}) { success authToken { token ttl } } }`;
    const answer = await requestToken(bed, bed.sim.forge.systemToken(), undefined, inline);
    expect(answer.body.data?.offlineUserAuthToken?.success).toBe(true);
    expect((await bed.api('/rest/api/3/myself', tokenOf(answer))).status).toBe(200);
  });

  it('refuses, inside the payload, another site’s context, an unknown, inactive or app account, and a user token', async () => {
    const { bed, user, siteAri } = await setup();
    const system = bed.sim.forge.systemToken();
    const refusalOf = async (token: string, input: unknown) => {
      const answer = await requestToken(bed, token, input);
      expect(answer.status).toBe(200);
      const payload = answer.body.data?.offlineUserAuthToken;
      expect(payload).toMatchObject({ success: false, authToken: null });
      return payload?.errors?.[0]?.message;
    };

    expect(await refusalOf(system, { contextIds: ['ari:cloud:jira::site/00000000-0000-4000-8000-000000000000'], userId: user.accountId })).toMatch(/context/);
    expect(await refusalOf(system, { contextIds: [`ari:cloud:confluence::site/${bed.sim.forge.cloudId}`], userId: user.accountId })).toMatch(/context/);
    expect(await refusalOf(system, { contextIds: [siteAri], userId: '712020:not-a-user' })).toMatch(/cannot be impersonated/);
    expect(await refusalOf(system, { contextIds: [siteAri], userId: bed.sim.forge.appUserAccountId })).toMatch(/cannot be impersonated/);
    user.active = false;
    expect(await refusalOf(system, { contextIds: [siteAri], userId: user.accountId })).toMatch(/cannot be impersonated/);
    user.active = true;

    await bed.sim.forge.invokeRemote({ accountId: user.accountId, path: '/api/session' });
    const userToken = bed.calls.at(-1)?.headers['x-forge-oauth-user'] ?? '';
    expect(await refusalOf(userToken, { contextIds: [siteAri], userId: user.accountId })).toMatch(/system token/);
  });

  it('refuses every user when the manifest declares no scope with allowImpersonation', async () => {
    const { bed, user, siteAri } = await setup({ impersonationScopes: [] });
    const answer = await requestToken(bed, bed.sim.forge.systemToken(), { contextIds: [siteAri], userId: user.accountId });
    expect(answer.body.data?.offlineUserAuthToken).toEqual({ success: false, errors: [expect.objectContaining({ message: expect.stringMatching(/allowImpersonation/) })], authToken: null });
  });

  it('answers refusals as top-level GraphQL errors when so configured, and takes another context ARI form', async () => {
    const { bed, user } = await setup({ offlineTokenRefusal: 'graphql-errors', offlineTokenContextAri: 'ari:cloud:jira:{cloudId}:site/{cloudId}' });
    const ari = `ari:cloud:jira:${bed.sim.forge.cloudId}:site/${bed.sim.forge.cloudId}`;
    const system = bed.sim.forge.systemToken();

    expect((await requestToken(bed, system, { contextIds: [ari], userId: user.accountId })).body.data?.offlineUserAuthToken?.success).toBe(true);
    const refused = await requestToken(bed, system, { contextIds: [`ari:cloud:jira::site/${bed.sim.forge.cloudId}`], userId: user.accountId });
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ data: { offlineUserAuthToken: null }, errors: [expect.objectContaining({ message: expect.stringMatching(/context/), path: ['offlineUserAuthToken'] })] });
  });

  it('answers 401 for a tampered or expired system token, and for one of an uninstalled app', async () => {
    const { bed, user, siteAri } = await setup();
    const system = bed.sim.forge.systemToken();
    const input = { contextIds: [siteAri], userId: user.accountId };

    expect((await requestToken(bed, `${system.slice(0, -4)}AAAA`, input)).status).toBe(401);
    bed.sim.clock.advance(4 * 3_600_000 + 1000);
    expect((await requestToken(bed, system, input)).status).toBe(401);
    const fresh = bed.sim.forge.systemToken();
    expect((await requestToken(bed, fresh, input)).status).toBe(200);
    await bed.sim.forge.uninstall();
    const gone = await requestToken(bed, fresh, input);
    expect(gone.status).toBe(401);
    expect(gone.body.errors?.[0]?.message).toMatch(/Unauthorized/);
  });

  it('refuses options it cannot honour when the simulator is built', () => {
    expect(() => createForgeTestbed({ forge: { offlineTokenContextAri: 'ari:cloud:jira::site/fixed' } })).toThrow(/must contain \{cloudId\}/);
    expect(() => createForgeTestbed({ forge: { offlineTokenRateLimitPerMinute: 0 } })).toThrow(RangeError);
    expect(() => createForgeTestbed({ forge: { offlineTokenRefusal: 'http' as 'payload' } })).toThrow(RangeError);
  });

  it('limits the calls per app per minute of the site clock', async () => {
    const { bed, user, siteAri } = await setup({ offlineTokenRateLimitPerMinute: 2 });
    const system = bed.sim.forge.systemToken();
    const input = { contextIds: [siteAri], userId: user.accountId };
    bed.sim.clock.set(Date.UTC(2026, 8, 1, 9, 1, 40));

    expect((await requestToken(bed, system, input)).status).toBe(200);
    expect((await requestToken(bed, system, input)).status).toBe(200);
    const limited = await requestToken(bed, system, input);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    bed.sim.clock.advance(20_000);
    expect((await requestToken(bed, system, input)).status).toBe(200);
  });
});
