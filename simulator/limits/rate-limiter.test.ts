import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../create-simulator.js';
import { appAuthorization, callAs, registerTestApp } from '../../test/support/sim-callers.js';
import { createRateLimiter } from './rate-limiter.js';

const START_MS = Date.parse('2026-03-10T10:15:00.000Z');

function simulator(rateLimits: SimulatorOptions['rateLimits'] = {}): Simulator {
  return createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 200 }, rateLimits });
}

describe('rate limiter counters', () => {
  it('counts calls, points and 429s per method and endpoint template', async () => {
    const sim = simulator({ burst: { overrides: { 'POST /rest/api/3/worklog/list': { ratePerSecond: 1, capacity: 2 } } } });
    const app = registerTestApp(sim);
    const page = (await (await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).json()) as { values: { worklogId: number }[] };
    const ids = page.values.slice(0, 50).map((value) => value.worklogId);
    const listed = (await (await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids })).json()) as unknown[];
    await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: ids.slice(0, 10) });
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids })).status).toBe(429);
    const [issue] = sim.site.issues.values();
    await callAs(sim, app, 'GET', `/rest/api/3/issue/${issue!.key}/worklog`);

    const counters = sim.limits.counters();
    expect(counters['GET /rest/api/3/worklog/updated']).toEqual({ calls: 1, points: 1 + page.values.length, throttled: 0 });
    expect(counters['POST /rest/api/3/worklog/list']).toEqual({ calls: 3, points: 1 + listed.length + 1 + 10, throttled: 1 });
    expect(counters['GET /rest/api/3/issue/{issueIdOrKey}/worklog']?.calls).toBe(1);
    const charged = Object.values(counters).reduce((sum, counter) => sum + counter.points, 0);
    expect(sim.limits.remainingPoints(app.key)).toBe(65_000 - charged);
  });

  it('counts API-token calls without points', async () => {
    const sim = simulator();
    await callAs(sim, sim.generated!.adminCredentials, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(sim.limits.counters()).toEqual({ 'GET /rest/api/3/worklog/updated': { calls: 1, points: 0, throttled: 0 } });
  });

  it('starts from zero after resetCounters, and snapshots do not change afterwards', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    const before = sim.limits.counters();
    sim.limits.resetCounters();
    expect(sim.limits.counters()).toEqual({});
    expect(before['GET /rest/api/3/worklog/deleted']?.calls).toBe(1);
  });
});

describe('rate limiter switch', () => {
  it('refuses nothing and sends no rate-limit header when disabled, but still counts', async () => {
    const sim = simulator({ enabled: false });
    const app = registerTestApp(sim);
    sim.limits.exhaustQuota();
    let last: Response | undefined;
    for (let i = 0; i < 150; i++) last = await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    expect(last!.status).toBe(200);
    expect([...last!.headers.keys()].filter((name) => /rate/i.test(name))).toEqual([]);
    expect(sim.limits.counters()['GET /rest/api/3/worklog/deleted']).toMatchObject({ calls: 150, throttled: 0 });
  });

  it('turns limits on and off at run time', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    sim.limits.exhaustQuota();
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).status).toBe(429);
    sim.limits.setEnabled(false);
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).status).toBe(200);
    sim.limits.setEnabled(true);
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).status).toBe(429);
  });

  it('forgets buckets and quota usage on reset', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    sim.limits.exhaustQuota();
    sim.limits.reset();
    expect(sim.limits.remainingPoints(app.key)).toBe(65_000);
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).status).toBe(200);
  });
});

describe('rate limiter options', () => {
  it('rejects nonsense when built', () => {
    const sim = simulator();
    expect(() => createRateLimiter(sim.site, { quota: { pointsPerHour: 0 } })).toThrow(/quota\.pointsPerHour/);
    expect(() => createRateLimiter(sim.site, { burst: { ratePerSecond: { GET: -1 } } })).toThrow(/burst\.ratePerSecond\.GET/);
    expect(() => createRateLimiter(sim.site, { burst: { overrides: { '/rest/api/3/x': { ratePerSecond: 1 } } } })).toThrow(/METHOD/);
    expect(() => createRateLimiter(sim.site, { quota: { nearLimitFraction: 2 } })).toThrow(RangeError);
  });

  it('names an unknown app instead of guessing', () => {
    const sim = simulator();
    expect(() => sim.limits.setRemainingPoints(5, 'nope')).toThrow(/nope/);
  });

  it('keeps the documented defaults', () => {
    const { burst, quota, perIssue } = simulator().limits.options;
    expect(burst.ratePerSecond).toEqual({ GET: 100, POST: 100, PUT: 50, DELETE: 50 });
    expect(quota).toMatchObject({ pool: 'global', pointsPerHour: 65_000, countEmbeddedUsers: false });
    expect(perIssue.windows).toEqual([
      { limit: 20, windowMs: 2_000 },
      { limit: 100, windowMs: 30_000 },
    ]);
  });
});

describe('rate limits over real HTTP', () => {
  it('sends the quota headers and the quota 429 through the Node adapter', async () => {
    const sim = createSimulator({ clock: 'real', generate: { worklogs: 200 } });
    const app = registerTestApp(sim);
    const server = await sim.listen();
    try {
      const path = '/rest/api/3/worklog/updated?since=0';
      const call = () => fetch(`${server.url}${path}`, { headers: { authorization: appAuthorization(sim, app, 'GET', path) } });
      const ok = await call();
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toBe('"global-app-quota";q=65000;w=3600');
      expect((await ok.json()) as unknown).toMatchObject({ values: expect.any(Array) });
      sim.limits.exhaustQuota();
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('ratelimit-reason')).toBe('jira-quota-global-based');
    } finally {
      await server.close();
    }
  });
});
