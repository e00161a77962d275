import { describe, expect, it } from 'vitest';
import { createForgeTestbed } from './testing/forge-testbed.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('lifecycle', () => {
  it('posts avi:forge:installed:app with the bare installation uuid and the site context', async () => {
    const bed = createForgeTestbed({ forge: { remoteBaseUrl: 'https://remote.example/base' } });
    const { sim } = bed;
    const result = await sim.forge.install();

    expect(result).toEqual({ ok: true, status: 204, attempts: 1 });
    const [call] = bed.calls;
    expect(call).toMatchObject({ method: 'POST', path: '/base/forge/lifecycle', headers: { 'content-type': 'application/json', 'x-b3-traceid': expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(call?.body).toEqual({
      app: { id: sim.forge.appId.split('/')[1], name: 'Tally', ownerAccountId: expect.any(String), version: '1.0.0' },
      context: `ari:cloud:jira::site/${sim.forge.cloudId}`,
      environment: { id: expect.stringMatching(UUID) },
      eventType: 'avi:forge:installed:app',
      id: sim.forge.installationId?.split('/')[1],
      installerAccountId: sim.generated!.admin.accountId,
    });
    expect(call?.headers['x-forge-oauth-system']).toBe(sim.forge.systemToken());
    expect(sim.site.users.get(sim.forge.appUserAccountId)).toMatchObject({ accountType: 'app', active: true });
  });

  it('keeps the installation whatever the remote answers, and refuses a second install', async () => {
    const bed = createForgeTestbed();
    bed.behaviour.status = 500;
    const result = await bed.sim.forge.install();

    expect(result).toMatchObject({ ok: false, status: 500, attempts: 1, retryAtMs: expect.any(Number) });
    expect(bed.sim.forge.installationId).toBeDefined();
    await expect(bed.sim.forge.install()).rejects.toThrow(/already installed/);
  });

  it('posts avi:forge:upgraded:app with the upgrader and the granted scopes, same installation', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const installationId = forge.installationId;
    await forge.upgrade();

    const upgraded = bed.calls[1];
    expect(upgraded?.body).toMatchObject({
      eventType: 'avi:forge:upgraded:app',
      id: installationId?.split('/')[1],
      app: { version: '2.0.0' },
      upgraderAccountId: bed.sim.generated!.admin.accountId,
      permissions: { scopes: expect.arrayContaining(['read:jira-work', 'read:app-system-token']) },
    });
    expect(await bed.verifyFit(bed.fitOf(upgraded!))).toMatchObject({ app: { appVersion: '2.0.0', installationId } });
  });

  it('posts pre-uninstall without a token, then removes the installation even when the remote fails', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const token = sim.forge.systemToken();
    bed.behaviour.status = 500;
    const result = await sim.forge.uninstall();

    expect(result).toEqual({ ok: false, status: 500, attempts: 1 });
    const call = bed.calls.at(-1);
    expect(call).toMatchObject({ path: '/forge/pre-uninstall', body: { context: { cloudId: sim.forge.cloudId, moduleKey: 'cleanup' }, eventType: 'avi:forge:pre-uninstall' } });
    expect(call?.headers).not.toHaveProperty('x-forge-oauth-system');
    await expect(bed.verifyFit(bed.fitOf(call!))).resolves.toMatchObject({ app: { module: { key: 'uninstall-ep' } } });
    expect(sim.forge.installationId).toBeUndefined();
    expect((await bed.api('/rest/api/3/serverInfo', token)).status).toBe(401);
    await expect(sim.forge.tick()).rejects.toThrow(/not installed/);
  });

  it('lets the remote still call Jira while it handles pre-uninstall', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const token = sim.forge.systemToken();
    const statuses: number[] = [];
    bed.behaviour.onCall = async (call) => {
      if (call.path === '/forge/pre-uninstall') statuses.push((await bed.api('/rest/api/3/serverInfo', token)).status);
    };
    await sim.forge.uninstall();

    expect(statuses).toEqual([200]);
  });

  it('skips pre-uninstall when told to', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();

    expect(await bed.sim.forge.uninstall({ preUninstall: false })).toBeUndefined();
    expect(bed.calls.map((call) => call.path)).toEqual(['/forge/lifecycle']);
  });
});

describe('scheduled tick', () => {
  it('posts /forge/tick with a FIT and the system token, and no user token', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const result = await sim.forge.tick();

    expect(result).toEqual({ ok: true, status: 204, attempts: 1 });
    const call = bed.calls.at(-1);
    expect(call).toMatchObject({ path: '/forge/tick', body: { context: { cloudId: sim.forge.cloudId, moduleKey: 'sync-tick' } }, headers: { 'x-forge-oauth-system': sim.forge.systemToken() } });
    expect(call?.headers).not.toHaveProperty('x-forge-oauth-user');
    expect(await bed.verifyFit(bed.fitOf(call!))).toMatchObject({ app: { module: { type: 'core:endpoint', key: 'tick-ep' } } });
  });
});

describe('invokeRemote', () => {
  it('sends the Custom UI request with principal, context and both tokens, and passes the answer back', async () => {
    const bed = createForgeTestbed({ forge: { remoteBaseUrl: 'https://remote.example/tally/' } });
    const { sim } = bed;
    await sim.forge.install();
    const accountId = sim.generated!.admin.accountId;
    bed.behaviour.status = 200;
    const answer = await sim.forge.invokeRemote({ accountId, path: 'api/reports/run?x=1', body: { from: '2026-08-01' }, moduleKey: 'report-page', headers: { 'x-custom': 'kept', authorization: 'dropped' } });

    expect(answer).toEqual({ status: 200, headers: expect.objectContaining({ 'content-type': expect.stringContaining('json') }), body: { ok: true, path: '/tally/api/reports/run' } });
    const call = bed.calls.at(-1)!;
    expect(call).toMatchObject({ method: 'POST', path: '/tally/api/reports/run', body: { from: '2026-08-01' }, headers: { 'x-custom': 'kept', 'x-forge-oauth-system': sim.forge.systemToken() } });
    const userToken = call.headers['x-forge-oauth-user'];
    expect(userToken).toMatch(/\./);
    expect(userToken).not.toBe(sim.forge.systemToken());
    expect(await bed.verifyFit(bed.fitOf(call))).toMatchObject({
      principal: accountId,
      context: { cloudId: sim.forge.cloudId, siteUrl: sim.site.baseUrl, moduleKey: 'report-page', localId: expect.stringContaining('report-page') },
      app: { module: { type: 'jira:globalPage', key: 'report-page' }, installationId: sim.forge.installationId },
    });
  });

  it('does not retry a failing call and resolves with its status', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    bed.behaviour.status = 503;
    const answer = await sim.forge.invokeRemote({ accountId: sim.generated!.admin.accountId, path: '/api/x', method: 'GET' });
    sim.clock.advance(600_000);
    await sim.forge.idle();

    expect(answer.status).toBe(503);
    expect(sim.forge.deliveries.filter((d) => d.kind === 'invoke')).toHaveLength(1);
    expect(bed.calls.at(-1)).toMatchObject({ method: 'GET', body: undefined });
  });
});
