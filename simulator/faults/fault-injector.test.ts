import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../create-simulator.js';
import { callAs, registerTestApp } from '../../test/support/sim-callers.js';
import type { SimInstalledApp } from '../jira/jira-site.js';

const WORKLOG_BODY = { timeSpentSeconds: 900, started: '2026-03-10T09:00:00.000+0000' };

function setUp(behaviour: Parameters<typeof createSimulator>[0] = {}): { sim: Simulator; app: SimInstalledApp } {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 200 }, ...behaviour });
  return { sim, app: registerTestApp(sim) };
}

/** 'pending' when `promise` has not settled after the event loop had a turn. */
async function settledYet(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  const turn = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), turn]);
}

describe('status faults', () => {
  it('answers 503 with Retry-After and the given body once, then the real answer', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ match: { path: '/rest/api/3/worklog' }, kind: 'status', status: 503, headers: { 'Retry-After': '7' }, body: 'Service Unavailable' });
    const faulted = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('retry-after')).toBe('7');
    expect(await faulted.text()).toBe('Service Unavailable');
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it.each([500, 502, 504])('answers %i with a JSON body when given an object', async (status) => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'status', status, body: { errorMessages: ['gateway trouble'] } });
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toEqual({ errorMessages: ['gateway trouble'] });
  });

  it('answers a bare gateway 429 with no header at all', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'status', status: 429 });
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(response.status).toBe(429);
    expect([...response.headers]).toEqual([]);
    expect(await response.text()).toBe('');
  });

  it('fires before authentication, as a gateway does', async () => {
    const { sim } = setUp();
    sim.faults.add({ kind: 'status', status: 502 });
    expect((await sim.fetch('https://sim.test/rest/api/3/worklog/updated')).status).toBe(502);
    expect((await sim.fetch('https://sim.test/rest/api/3/worklog/updated')).status).toBe(401);
  });
});

describe('fault matching', () => {
  it('fires only for the method and path prefix given, the number of times given', async () => {
    const { sim, app } = setUp();
    const id = sim.faults.add({ match: { method: 'post', path: '/rest/api/3/worklog/list' }, kind: 'status', status: 500, times: 2 });
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] })).status).toBe(500);
    expect(sim.faults.list()).toEqual([expect.objectContaining({ id, remaining: 1 })]);
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] })).status).toBe(500);
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] })).status).toBe(200);
    expect(sim.faults.list()).toEqual([]);
  });

  it('matches a RegExp against path and query', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ match: { path: /\/worklog\/updated\?since=[1-9]/ }, kind: 'status', status: 504, times: Infinity });
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=5')).status).toBe(504);
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=6')).status).toBe(504);
  });

  it('disarms on remove and on clear', async () => {
    const { sim, app } = setUp();
    const id = sim.faults.add({ kind: 'status', status: 500 });
    expect(sim.faults.remove(id)).toBe(true);
    expect(sim.faults.remove(id)).toBe(false);
    sim.faults.add({ kind: 'status', status: 500, times: 3 });
    sim.faults.clear();
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it('rejects a fault that cannot happen when it is added', () => {
    const { sim } = setUp();
    expect(() => sim.faults.add({ kind: 'status', status: 99 })).toThrow(/status/);
    expect(() => sim.faults.add({ kind: 'truncate', fraction: 1 })).toThrow(/fraction/);
    expect(() => sim.faults.add({ kind: 'reset', times: 0 })).toThrow(/times/);
  });
});

describe('broken bodies', () => {
  it('answers 200 with an HTML error page', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'html200' });
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('cuts the real body at the fraction and then fails the read', async () => {
    const { sim, app } = setUp();
    const whole = await (await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0')).arrayBuffer();
    sim.faults.add({ kind: 'truncate', fraction: 0.25 });
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/deleted?since=0');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(whole.byteLength));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBe(Math.floor(whole.byteLength * 0.25));
    await expect(reader.read()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('makes res.json() reject on a truncated page', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'truncate' });
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    await expect(response.json()).rejects.toThrow(TypeError);
  });
});

describe('connection faults in-process', () => {
  it('rejects the fetch like a reset socket and reaches no route', async () => {
    const { sim, app } = setUp();
    const [issue] = sim.site.issues.values();
    const before = sim.site.worklogs.size;
    sim.faults.add({ match: { method: 'POST' }, kind: 'reset' });
    const call = callAs(sim, app, 'POST', `/rest/api/3/issue/${issue!.key}/worklog`, WORKLOG_BODY);
    await expect(call).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'ECONNRESET' } });
    expect(sim.site.worklogs.size).toBe(before);
  });

  it('never answers until the caller aborts, then rejects with the AbortError', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'timeout' });
    const controller = new AbortController();
    const call = sim.fetch('https://sim.test/rest/api/3/worklog/updated?since=0', { signal: controller.signal });
    expect(await settledYet(call)).toBe('pending');
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    // The fault fired once; the next call is answered.
    expect((await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it('rejects with the TimeoutError of AbortSignal.timeout', async () => {
    const { sim } = setUp();
    sim.faults.add({ kind: 'timeout' });
    const call = sim.fetch('https://sim.test/rest/api/3/worklog/updated?since=0', { signal: AbortSignal.timeout(20) });
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('answers late, with the real answer, when given a delay', async () => {
    const { sim, app } = setUp();
    sim.faults.add({ kind: 'timeout', delayMs: 30 });
    const call = callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(await settledYet(call)).toBe('pending');
    expect((await call).status).toBe(200);
  });
});

describe('duplicate feed page', () => {
  interface Page {
    values: { worklogId: number }[];
    nextPage: string;
    lastPage: boolean;
  }
  const relative = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

  it('answers the previous page of the feed again, once', async () => {
    const { sim, app } = setUp({ behaviour: { pageSize: 50 } });
    const firstText = await (await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).text();
    const first = JSON.parse(firstText) as Page;
    expect(first.lastPage).toBe(false);
    sim.faults.add({ kind: 'duplicatePage' });

    const again = await callAs(sim, app, 'GET', relative(first.nextPage));
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(firstText);

    const second = (await (await callAs(sim, app, 'GET', relative(first.nextPage))).json()) as Page;
    expect(second.values[0]?.worklogId).not.toBe(first.values[0]?.worklogId);
  });

  it('waits for a previous page of that feed before firing', async () => {
    const { sim, app } = setUp({ behaviour: { pageSize: 50 } });
    sim.faults.add({ kind: 'duplicatePage' });
    // Nothing to repeat yet: a non-feed call and the first page pass untouched.
    expect((await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids: [1] })).status).toBe(200);
    const first = (await (await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0')).json()) as Page;
    expect(sim.faults.list()).toHaveLength(1);
    const repeated = (await (await callAs(sim, app, 'GET', relative(first.nextPage))).json()) as Page;
    expect(repeated).toEqual(first);
    expect(sim.faults.list()).toEqual([]);
  });
});
