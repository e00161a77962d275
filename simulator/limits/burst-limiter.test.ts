import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../create-simulator.js';
import { callAs, registerTestApp } from '../../test/support/sim-callers.js';

// A whole second, so reset instants print without rounding.
const START_MS = Date.parse('2026-03-10T10:15:00.000Z');

function simulator(rateLimits: SimulatorOptions['rateLimits'] = {}): Simulator {
  return createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 200 }, rateLimits });
}

function issueKeys(sim: Simulator, count: number): string[] {
  return [...sim.site.issues.values()].slice(0, count).map((issue) => issue.key);
}

async function statuses(calls: (() => Promise<Response>)[]): Promise<number[]> {
  const result: number[] = [];
  for (const call of calls) result.push((await call()).status);
  return result;
}

describe('burst limit (token bucket per caller × endpoint × method)', () => {
  it('answers the 101st GET to one endpoint in the same instant with jira-burst-based and exact headers', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    // 101 different issues, one endpoint template: they share the bucket.
    const keys = issueKeys(sim, 101);
    const first = await statuses(keys.slice(0, 100).map((key) => () => callAs(sim, app, 'GET', `/rest/api/3/issue/${key}/worklog`)));
    expect(first.every((status) => status === 200)).toBe(true);

    const refused = await callAs(sim, app, 'GET', `/rest/api/3/issue/${keys[100]}/worklog`);
    expect(refused.status).toBe(429);
    expect(Object.fromEntries([...refused.headers].filter(([name]) => /rate|retry/i.test(name)))).toEqual({
      'retry-after': '1',
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '0',
      // One token is back 10 ms later; the instant is rounded up to the second.
      'x-ratelimit-reset': '2026-03-10T10:15:01Z',
      'ratelimit-reason': 'jira-burst-based',
      'ratelimit-policy': '"jira-burst-based";q=100;w=1',
      ratelimit: '"jira-burst-based";r=0;t=1',
    });
    expect(await refused.json()).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
  });

  it('refills as the simulator clock moves', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const get = () => callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    await statuses(Array.from({ length: 100 }, () => get));
    expect((await get()).status).toBe(429);

    sim.clock.advance(10); // 100 tokens/s: one token per 10 ms
    expect(await statuses([get, get])).toEqual([200, 429]);

    sim.clock.advance(1_000);
    const afterSecond = await statuses(Array.from({ length: 101 }, () => get));
    expect(afterSecond.filter((status) => status === 200)).toHaveLength(100);
    expect(afterSecond.at(-1)).toBe(429);
  });

  it('keeps separate buckets per endpoint template, per method and per caller', async () => {
    const sim = simulator();
    const app = registerTestApp(sim);
    const admin = sim.generated!.adminCredentials;
    const updated = () => callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    await statuses(Array.from({ length: 100 }, () => updated));
    expect((await updated()).status).toBe(429);

    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).status).toBe(200);
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] })).status).toBe(200);
    expect((await callAs(sim, admin, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it('limits PUT and DELETE to 50 per second by default', async () => {
    const sim = simulator({ perIssue: { enabled: false } });
    const app = registerTestApp(sim);
    const [key] = issueKeys(sim, 1);
    // Unknown worklog ids: the route answers 404, but every request still takes a token.
    const put = () => callAs(sim, app, 'PUT', `/rest/api/3/issue/${key}/worklog/1`, { timeSpentSeconds: 60 });
    const del = () => callAs(sim, app, 'DELETE', `/rest/api/3/issue/${key}/worklog/1`);
    const puts = await statuses(Array.from({ length: 51 }, () => put));
    const deletes = await statuses(Array.from({ length: 51 }, () => del));
    expect(puts.filter((status) => status === 429)).toEqual([429]);
    expect(puts.at(-1)).toBe(429);
    expect(deletes.filter((status) => status === 429)).toEqual([429]);
    const refused = await put();
    expect(refused.headers.get('ratelimit-policy')).toBe('"jira-burst-based";q=50;w=1');
  });

  it('applies the same limit to API-token users', async () => {
    const sim = simulator();
    const admin = sim.generated!.adminCredentials;
    const get = () => callAs(sim, admin, 'GET', '/rest/api/3/worklog/updated?since=0');
    const result = await statuses(Array.from({ length: 101 }, () => get));
    expect(result.at(-1)).toBe(429);
    expect(result.filter((status) => status === 200)).toHaveLength(100);
  });

  it('honours endpoint overrides and a configured bucket size', async () => {
    const sim = simulator({
      burst: {
        overrides: { 'GET /rest/api/3/worklog/updated': { ratePerSecond: 2, capacity: 5 } },
        capacity: { POST: 3 },
      },
    });
    const app = registerTestApp(sim);
    const get = () => callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(await statuses(Array.from({ length: 6 }, () => get))).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await get();
    expect(refused.headers.get('ratelimit-policy')).toBe('"jira-burst-based";q=5;w=3');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-ratelimit-reset')).toBe('2026-03-10T10:15:01Z');
    sim.clock.advance(500);
    expect(await statuses([get, get])).toEqual([200, 429]);

    const list = () => callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] });
    expect(await statuses([list, list, list, list])).toEqual([200, 200, 200, 429]);
  });
});
