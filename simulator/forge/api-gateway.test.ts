import { describe, expect, it } from 'vitest';
import { adminBasicAuth } from '../../test/support/sim-callers.js';
import { createForgeTestbed } from './testing/forge-testbed.js';

const HOUR_MS = 3_600_000;

describe('REST through api.atlassian.com/ex/jira/{cloudId}', () => {
  it('answers the site REST API for the system token, as the app user', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();
    const token = bed.sim.forge.systemToken();

    const info = await bed.api('/rest/api/3/serverInfo', token);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ baseUrl: bed.sim.site.baseUrl, deploymentType: 'Cloud' });
    const myself = await bed.api('/rest/api/3/myself', token);
    expect(await myself.json()).toMatchObject({ accountId: bed.sim.forge.appUserAccountId, accountType: 'app' });
    expect(bed.calls[0]?.headers['x-forge-oauth-system']).toBe(token);
  });

  it('applies the same rate limits and counters as the site URL', async () => {
    const bed = createForgeTestbed({ simulator: { rateLimits: { enabled: true } } });
    await bed.sim.forge.install();
    const response = await bed.api('/rest/api/3/worklog/updated?since=0', bed.sim.forge.systemToken());

    expect(response.status).toBe(200);
    expect(bed.sim.limits.counters()['GET /rest/api/3/worklog/updated']).toMatchObject({ calls: 1 });
    expect(response.headers.get('RateLimit-Policy')).toMatch(/app-quota/);
  });

  it('answers 404 for another cloud id or a path outside /rest/', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();
    const token = bed.sim.forge.systemToken();

    const wrongSite = await bed.sim.fetch('https://api.atlassian.com/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3/serverInfo', { headers: { authorization: `Bearer ${token}` } });
    expect(wrongSite.status).toBe(404);
    expect((await bed.api('/connect-install-keys/x', token)).status).toBe(404);
  });

  it('refuses bearer tokens on the site URL and Connect JWTs at the gateway; a classic API token works on the site URL only', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();
    const token = bed.sim.forge.systemToken();

    const direct = await bed.sim.fetch(`${bed.sim.site.baseUrl}/rest/api/3/serverInfo`, { headers: { authorization: `Bearer ${token}` } });
    expect(direct.status).toBe(401);
    const jwt = await bed.sim.fetch(`${bed.sim.forge.apiBaseUrl}/rest/api/3/serverInfo`, { headers: { authorization: 'JWT a.b.c' } });
    expect(jwt.status).toBe(401);
    const basic = { headers: { authorization: adminBasicAuth(bed.sim) } };
    expect((await bed.sim.fetch(`${bed.sim.site.baseUrl}/rest/api/3/serverInfo`, basic)).status).toBe(200);
    // Classic tokens at the gateway: unverified, refused by default (apiTokens.classicTokenOnGateway).
    expect((await bed.sim.fetch(`${bed.sim.forge.apiBaseUrl}/rest/api/3/serverInfo`, basic)).status).toBe(401);
  });

  it('answers 401 for a forged, tampered or missing token', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();
    const token = bed.sim.forge.systemToken();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86_400 })).toString('base64url')}.${signature}`;

    expect((await bed.api('/rest/api/3/serverInfo', tampered)).status).toBe(401);
    expect((await bed.api('/rest/api/3/serverInfo', 'not-a-token')).status).toBe(401);
    expect((await bed.sim.fetch(`${bed.sim.forge.apiBaseUrl}/rest/api/3/serverInfo`)).status).toBe(401);
  });
});

describe('OAuth token lifetime', () => {
  it('re-delivers the cached system token until less than 2 h are left, then rotates', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const first = forge.systemToken();
    bed.sim.clock.advance(2 * HOUR_MS - 60_000);
    await forge.tick();
    expect(bed.calls.at(-1)?.headers['x-forge-oauth-system']).toBe(first);

    bed.sim.clock.advance(2 * 60_000);
    await forge.tick();
    const second = bed.calls.at(-1)?.headers['x-forge-oauth-system'];
    expect(second).not.toBe(first);
    expect(forge.systemToken()).toBe(second);
    // The previous token is still good until its own expiry, ~2 h later.
    expect((await bed.api('/rest/api/3/serverInfo', first)).status).toBe(200);
    bed.sim.clock.advance(2 * HOUR_MS);
    expect((await bed.api('/rest/api/3/serverInfo', first)).status).toBe(401);
    expect((await bed.api('/rest/api/3/serverInfo', second!)).status).toBe(200);
  });

  it('carries an exp the configured lifetime away', async () => {
    const bed = createForgeTestbed({ forge: { tokenTtlMs: HOUR_MS } });
    await bed.sim.forge.install();
    const payload = JSON.parse(Buffer.from(bed.sim.forge.systemToken().split('.')[1]!, 'base64url').toString()) as { exp: number };

    expect(payload.exp * 1000).toBe(bed.sim.clock.now() + HOUR_MS);
    bed.sim.clock.advance(HOUR_MS);
    expect((await bed.api('/rest/api/3/serverInfo', bed.sim.forge.systemToken())).status).toBe(200);
  });
});

describe('installation state', () => {
  it('answers 403 during the permission lag after install, then 200', async () => {
    const bed = createForgeTestbed({ forge: { permissionLagMs: 120_000 } });
    await bed.sim.forge.install();
    const token = bed.sim.forge.systemToken();

    const early = await bed.api('/rest/api/3/serverInfo', token);
    expect(early.status).toBe(403);
    expect(await early.json()).toMatchObject({ errorMessages: [expect.stringContaining('permissions')] });
    bed.sim.clock.advance(120_000);
    expect((await bed.api('/rest/api/3/serverInfo', token)).status).toBe(200);
  });

  it('answers 401 for every token of an uninstalled installation, also after a reinstall', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const old = forge.systemToken();
    await forge.uninstall();

    expect((await bed.api('/rest/api/3/serverInfo', old)).status).toBe(401);
    expect(() => forge.systemToken()).toThrow(/not installed/);
    await forge.install();
    expect((await bed.api('/rest/api/3/serverInfo', old)).status).toBe(401);
    expect((await bed.api('/rest/api/3/serverInfo', forge.systemToken())).status).toBe(200);
  });

  it('lets the user token see what that user sees, and the system token what the app user sees', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    const admin = sim.generated!.admin;
    const issue = [...sim.site.issues.values()].find((i) => i.timeTrackingEnabled)!;
    const restricted = sim.site.createWorklog({ issueId: issue.id, authorId: admin.accountId, comment: undefined, startedMs: sim.clock.now(), timeSpentSeconds: 600, visibility: { type: 'group', value: 'payroll' } });
    await sim.forge.install();
    await sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/report' });
    const userToken = bed.calls.at(-1)!.headers['x-forge-oauth-user']!;
    const ids = async (token: string) => ((await (await bed.api(`/rest/api/3/issue/${issue.id}/worklog`, token)).json()) as { worklogs: { id: string }[] }).worklogs.map((w) => w.id);

    expect(await ids(userToken)).toContain(String(restricted.id));
    expect(await ids(sim.forge.systemToken())).not.toContain(String(restricted.id));
    expect(await (await bed.api('/rest/api/3/myself', userToken)).json()).toMatchObject({ accountId: admin.accountId });
  });
});

describe('over HTTP', () => {
  it('serves the gateway and the JWKS on the listening simulator, bodies included', async () => {
    const bed = createForgeTestbed({ simulator: { clock: 'real' } });
    const { sim } = bed;
    const server = await sim.listen();
    try {
      sim.forge.configure({ apiOrigin: server.url, jwksUrl: `${server.url}/.well-known/jwks.json` });
      await sim.forge.install();
      const claims = await bed.verifyFit(bed.fitOf(bed.calls[0]!));
      expect(claims).toMatchObject({ app: { apiBaseUrl: `${server.url}/ex/jira/${sim.forge.cloudId}` } });

      const issue = [...sim.site.issues.values()].find((i) => i.timeTrackingEnabled)!;
      const created = await fetch(`${sim.forge.apiBaseUrl}/rest/api/3/issue/${issue.id}/worklog`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.forge.systemToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ timeSpentSeconds: 300, started: '2026-09-01T08:00:00.000+0000' }),
      });
      expect(created.status).toBe(201);
      await sim.forge.idle();
      expect(bed.calls.at(-1)).toMatchObject({ path: '/forge/events', body: { selfGenerated: true, worklog: { timeSpentSeconds: 300 } } });
    } finally {
      await server.close();
      sim.forge.close();
    }
  });
});
