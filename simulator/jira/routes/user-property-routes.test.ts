import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../create-simulator.js';
import { appFetch, basicAuthorization, registerTestApp } from '../../../test/support/sim-callers.js';
import { checkSimulatorResponse } from '../../../test/support/simulator-response-check.js';
import type { SimUser } from '../jira-site.js';
import { MAX_USER_PROPERTY_BYTES } from './user-property-routes.js';

/** The excerpt's schemas for the bodies these routes return (PropertyKeys, PropertyKey, EntityProperty). */
const excerpt = JSON.parse(readFileSync(path.resolve(process.cwd(), '../shared/reference/jira-entity-properties-openapi-excerpt.json'), 'utf8')) as {
  components: { schemas: Record<string, { properties: Record<string, unknown> }> };
};
const fieldsOf = (schema: string) => Object.keys(excerpt.components.schemas[schema]?.properties ?? {});

/** The shared OpenAPI check knows only the platform and worklog excerpts: these paths are checked here instead. */
const inspectResponse = async (request: Request, response: Response) => {
  if (new URL(request.url).pathname.includes('/user/properties')) return;
  await checkSimulatorResponse(request, response);
};

function setup() {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 0, users: 3, issues: 2, projects: 1 }, inspectResponse });
  const generated = sim.generated!;
  const member: SimUser = sim.site.addUser({ accountId: '5b10ac8d82e05b22cc7d4e02', displayName: 'Noor Member', emailAddress: 'noor@example.com', active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'] });
  const memberToken = sim.site.createApiToken({ accountId: member.accountId, kind: 'classic' });
  const auth = new Map([
    [generated.admin.accountId, basicAuthorization(generated.adminCredentials)],
    [member.accountId, basicAuthorization({ email: 'noor@example.com', apiToken: memberToken })],
  ]);
  const call = (as: SimUser, method: string, pathAndQuery: string, body?: string) =>
    sim.fetch(`${sim.site.baseUrl}${pathAndQuery}`, { method, headers: { authorization: auth.get(as.accountId) ?? '', 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });
  return { sim, admin: generated.admin, member, call };
}

const url = (key: string, accountId: string) => `/rest/api/3/user/properties/${key}?accountId=${accountId}`;

describe('user entity properties', () => {
  it('round-trips a property on the caller’s own record: 201, 200, {key, value}, keys, 204, 404', async () => {
    const { sim, member, call } = setup();
    const timer = { issueId: 10001, startedAt: '2026-07-01T08:00:00.000Z', comment: 'ünïcode ✓' };
    const created = await call(member, 'PUT', url('tally.timer', member.accountId), JSON.stringify(timer));
    expect(created.status).toBe(201);
    expect(await created.text()).toBe('');
    const replaced = await call(member, 'PUT', url('tally.timer', member.accountId), JSON.stringify({ ...timer, comment: null }));
    expect(replaced.status).toBe(200);

    const read = await call(member, 'GET', url('tally.timer', member.accountId));
    expect(read.status).toBe(200);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body).toEqual({ key: 'tally.timer', value: { ...timer, comment: null } });
    expect(Object.keys(body).every((field) => fieldsOf('EntityProperty').includes(field))).toBe(true);

    const keys = await call(member, 'GET', `/rest/api/3/user/properties?accountId=${member.accountId}`);
    const list = (await keys.json()) as { keys: Record<string, unknown>[] };
    expect(list).toEqual({ keys: [{ key: 'tally.timer', self: `${sim.site.baseUrl}${url('tally.timer', member.accountId)}` }] });
    expect(Object.keys(list)).toEqual(fieldsOf('PropertyKeys'));
    expect(Object.keys(list.keys[0]!).sort()).toEqual(fieldsOf('PropertyKey').sort());

    expect((await call(member, 'DELETE', url('tally.timer', member.accountId))).status).toBe(204);
    expect((await call(member, 'GET', url('tally.timer', member.accountId))).status).toBe(404);
    expect((await call(member, 'DELETE', url('tally.timer', member.accountId))).status).toBe(404);
  });

  it('accepts a value of exactly 32,768 bytes and refuses one byte more, an empty or non-JSON value', async () => {
    const { member, call } = setup();
    const exact = JSON.stringify('x'.repeat(MAX_USER_PROPERTY_BYTES - 2));
    expect(Buffer.byteLength(exact)).toBe(32_768);
    expect((await call(member, 'PUT', url('big', member.accountId), exact)).status).toBe(201);
    const over = JSON.stringify('x'.repeat(MAX_USER_PROPERTY_BYTES - 3) + 'é');
    expect(Buffer.byteLength(over)).toBe(32_769);
    const refused = await call(member, 'PUT', url('big', member.accountId), over);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errorMessages: [expect.stringContaining('32768')] });
    expect((await call(member, 'PUT', url('empty', member.accountId), '')).status).toBe(400);
    expect((await call(member, 'PUT', url('broken', member.accountId), '{"a":')).status).toBe(400);
    // The stored value is still the exact one.
    expect(((await (await call(member, 'GET', url('big', member.accountId))).json()) as { value: string }).value).toHaveLength(32_766);
  });

  it('refuses a key longer than 255 characters, a missing accountId, an unknown user and a key-less PUT', async () => {
    const { member, call } = setup();
    expect((await call(member, 'PUT', url('k'.repeat(255), member.accountId), '1')).status).toBe(201);
    expect((await call(member, 'PUT', url('k'.repeat(256), member.accountId), '1')).status).toBe(400);
    expect((await call(member, 'GET', '/rest/api/3/user/properties/x')).status).toBe(400);
    expect((await call(member, 'GET', '/rest/api/3/user/properties')).status).toBe(400);
    expect((await call(member, 'GET', url('x', 'no-such-account'))).status).toBe(404);
    expect((await call(member, 'PUT', `/rest/api/3/user/properties?accountId=${member.accountId}`, '1')).status).toBe(405);
  });

  it('forbids other users’ records to non-admins, but lets admins and apps in', async () => {
    const { sim, admin, member, call } = setup();
    await call(admin, 'PUT', url('pref', admin.accountId), '{"theme":"dark"}');
    const denied = await call(member, 'GET', url('pref', admin.accountId));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ errorMessages: [expect.any(String)] });
    expect((await call(member, 'PUT', url('pref', admin.accountId), '1')).status).toBe(403);

    expect((await call(admin, 'PUT', url('pref', member.accountId), '"set by admin"')).status).toBe(201);
    const app = registerTestApp(sim);
    const asApp = appFetch(sim, app);
    const read = await asApp(url('pref', member.accountId));
    expect(await read.json()).toEqual({ key: 'pref', value: 'set by admin' });
    expect((await asApp(url('pref', member.accountId), { method: 'PUT', body: '"set by app"' })).status).toBe(200);

    sim.site.behaviour.appsMayAccessUserProperties = false;
    expect((await asApp(url('pref', member.accountId))).status).toBe(403);
  });

  it('charges an app one point per write, like every Jira write', async () => {
    const { sim, member } = setup();
    const app = registerTestApp(sim);
    const asApp = appFetch(sim, app);
    await asApp(url('pref', member.accountId), { method: 'PUT', body: '1' });
    await asApp(url('pref', member.accountId), { method: 'DELETE' });
    const counters = sim.limits.counters();
    expect(counters['PUT /rest/api/3/user/properties/{propertyKey}']).toMatchObject({ calls: 1, points: 1 });
    expect(counters['DELETE /rest/api/3/user/properties/{propertyKey}']).toMatchObject({ calls: 1, points: 1 });
  });

  it('serves scoped API tokens that hold the user-property scopes, and refuses those that do not', async () => {
    const { sim, member } = setup();
    const scoped = (scopes: string[]) => basicAuthorization({ email: 'noor@example.com', apiToken: sim.site.createApiToken({ accountId: member.accountId, kind: 'scoped', scopes }) });
    const gateway = `https://api.atlassian.com/ex/jira/${sim.cloudId}`;
    const put = (authorization: string) =>
      sim.fetch(`${gateway}${url('scoped', member.accountId)}`, { method: 'PUT', headers: { authorization, 'content-type': 'application/json' }, body: '1' });
    expect((await put(scoped(['read:user.property:jira']))).status).toBeGreaterThanOrEqual(400);
    expect(sim.site.userProperties.listKeys(member.accountId)).toEqual([]);
    expect((await put(scoped(['write:user.property:jira']))).status).toBe(201);
    expect(sim.site.userProperties.find(member.accountId, 'scoped')).toEqual({ value: 1 });
  });
});
