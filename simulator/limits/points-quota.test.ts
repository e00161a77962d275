import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../create-simulator.js';
import { callAs, registerTestApp } from '../../test/support/sim-callers.js';
import { HourlyPointsLedger } from './hourly-points-ledger.js';

const START_MS = Date.parse('2026-03-10T10:15:00.000Z'); // 45 minutes before the reset
const WORKLOG_BODY = { timeSpentSeconds: 900, started: '2026-03-10T09:00:00.000+0000' };

function simulator(rateLimits: SimulatorOptions['rateLimits'] = {}): Simulator {
  return createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 200 }, rateLimits });
}

function rateHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => /rate|retry/i.test(name)));
}

describe('hourly points quota (Connect apps)', () => {
  it('charges a read one point plus one per returned item and reports the policy without r while well within quota', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    const page = (await response.json()) as { values: unknown[] };
    expect(page.values.length).toBeGreaterThan(100);
    expect(sim.limits.remainingPoints(app.key)).toBe(65_000 - 1 - page.values.length);
    expect(rateHeaders(response)).toEqual({
      'ratelimit-policy': '"global-app-quota";q=65000;w=3600',
      ratelimit: '"global-app-quota";t=2700',
    });
  });

  it('charges /worklog/list one point per worklog it returned, and 2 more per embedded user when asked', async () => {
    for (const countEmbeddedUsers of [false, true]) {
      const sim = simulator({ quota: { countEmbeddedUsers } });
      const app = registerTestApp(sim);
      const ids = [...sim.site.worklogs.keys()].slice(0, 40).concat([1, 2, 3]);
      const response = await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids });
      const returned = ((await response.json()) as unknown[]).length;
      expect(returned).toBeGreaterThan(30);
      expect(returned).toBeLessThan(ids.length);
      const perWorklog = countEmbeddedUsers ? 1 + 2 * 2 : 1;
      expect(sim.limits.remainingPoints(app.key)).toBe(65_000 - 1 - returned * perWorklog);
    }
  });

  it('charges a write a flat point', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const [issue] = sim.site.issues.values();
    const response = await callAs(sim, app, 'POST', `/rest/api/3/issue/${issue!.key}/worklog`, WORKLOG_BODY);
    expect(response.status).toBe(201);
    expect(sim.limits.remainingPoints(app.key)).toBe(64_999);
  });

  it('shows r once 20% or less is left and flags NearLimit below 20%', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const [issue] = sim.site.issues.values();
    const write = () => callAs(sim, app, 'POST', `/rest/api/3/issue/${issue!.key}/worklog`, WORKLOG_BODY);

    sim.limits.setRemainingPoints(13_001);
    const atTwentyPercent = await write();
    expect(rateHeaders(atTwentyPercent)).toEqual({
      'ratelimit-policy': '"global-app-quota";q=65000;w=3600',
      ratelimit: '"global-app-quota";r=13000;t=2700',
    });

    const below = await write();
    expect(below.headers.get('ratelimit')).toBe('"global-app-quota";r=12999;t=2700');
    expect(below.headers.get('x-ratelimit-nearlimit')).toBe('true');
  });

  it('denies every app request until the top of the UTC hour once the pool is spent', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const [issue] = sim.site.issues.values();
    sim.limits.exhaustQuota();
    const before = sim.site.worklogs.size;

    const read = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    const write = await callAs(sim, app, 'POST', `/rest/api/3/issue/${issue!.key}/worklog`, WORKLOG_BODY);
    expect([read.status, write.status]).toEqual([429, 429]);
    expect(sim.site.worklogs.size).toBe(before);
    expect(rateHeaders(read)).toEqual({
      'retry-after': '2700',
      'x-ratelimit-limit': '65000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '2026-03-10T11:00:00Z',
      'ratelimit-reason': 'jira-quota-global-based',
      'ratelimit-policy': '"global-app-quota";q=65000;w=3600',
      ratelimit: '"global-app-quota";r=0;t=2700',
    });

    sim.clock.set(Date.parse('2026-03-10T10:59:59.999Z'));
    const lastMoment = await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    expect(lastMoment.status).toBe(429);
    expect(lastMoment.headers.get('retry-after')).toBe('1');

    sim.clock.advance(1);
    const afterReset = await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    expect(afterReset.status).toBe(200);
    expect(afterReset.headers.get('ratelimit')).toBe('"global-app-quota";t=3600');
  });

  it('admits the request that overdraws the pool and refuses the next one', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    sim.limits.setRemainingPoints(1);
    const page = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(page.status).toBe(200);
    expect(page.headers.get('ratelimit')).toBe('"global-app-quota";r=0;t=2700');
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(429);
  });

  it('never charges or refuses API-token users, even when the app pool is spent', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    sim.limits.setRemainingPoints(500);
    sim.limits.exhaustQuota();
    const response = await callAs(sim, sim.generated!.adminCredentials, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(response.status).toBe(200);
    expect(rateHeaders(response)).toEqual({});
    expect(sim.limits.remainingPoints(app.key)).toBe(0);
    expect(Object.values(sim.limits.counters()).reduce((sum, counter) => sum + counter.points, 0)).toBe(0);
  });

  it('uses the tenant pool names when configured for a per-tenant pool', async () => {
    const sim = simulator({ quota: { pool: 'tenant', pointsPerHour: 100_000 } });
    const app = registerTestApp(sim);
    const ok = await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] });
    expect(ok.headers.get('ratelimit-policy')).toBe('"tenant-app-quota";q=100000;w=3600');
    sim.limits.exhaustQuota(app.key);
    const refused = await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] });
    expect(refused.headers.get('ratelimit-reason')).toBe('jira-quota-tenant-based');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('100000');
  });

  it('also sends the Beta- forms when asked', async () => {
    const sim = simulator({ betaHeaders: true });
    const app = registerTestApp(sim);
    sim.limits.exhaustQuota();
    const refused = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(refused.headers.get('beta-retry-after')).toBe('2700');
    expect(refused.headers.get('beta-ratelimit')).toBe('"global-app-quota";r=0;t=2700');
    expect(refused.headers.get('beta-ratelimit-policy')).toBe('"global-app-quota";q=65000;w=3600');
    expect(refused.headers.get('x-beta-ratelimit-reset')).toBe('2026-03-10T11:00:00Z');
    expect(refused.headers.get('x-beta-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('retry-after')).toBe('2700');
  });

  it('sends no quota header and refuses nothing when the quota is switched off', async () => {
    const sim = simulator({ quota: { enabled: false } });
    const app = registerTestApp(sim);
    sim.limits.exhaustQuota();
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-policy')).toBeNull();
  });

  it('drains one global pool from two sites sharing a ledger', async () => {
    const pointsLedger = new HourlyPointsLedger();
    const first = simulator({ pointsLedger, quota: { pointsPerHour: 1_000 } });
    const second = simulator({ pointsLedger, quota: { pointsPerHour: 1_000 } });
    const firstApp = registerTestApp(first);
    const secondApp = registerTestApp(second);
    second.limits.setRemainingPoints(3);
    const spent = await callAs(first, firstApp, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(spent.status).toBe(200);
    const refused = await callAs(second, secondApp, 'POST', '/rest/api/3/worklog/list', { ids: [1] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-reason')).toBe('jira-quota-global-based');
  });
});
