import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../create-simulator.js';
import { appAuthorization, registerTestApp } from '../../test/support/sim-callers.js';
import type { SimInstalledApp } from '../jira/jira-site.js';

describe('faults over real HTTP on loopback', () => {
  let sim: Simulator;
  let app: SimInstalledApp;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    sim = createSimulator({ clock: 'real', generate: { worklogs: 200 }, rateLimits: { enabled: false } });
    app = registerTestApp(sim);
    server = await sim.listen();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    sim.faults.clear();
  });

  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: appAuthorization(sim, app, 'GET', path) } });

  it('drops the connection without an answer on reset', async () => {
    sim.faults.add({ kind: 'reset' });
    const failure = await get('/rest/api/3/worklog/updated?since=0').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    // Node reports the drop as a reset or as the socket closing, depending on timing.
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(((failure as TypeError).cause as { code?: string }).code);
    expect((await get('/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it('sends the full Content-Length, part of the body, and closes the socket on truncate', async () => {
    const whole = await (await get('/rest/api/3/worklog/deleted?since=0')).text();
    sim.faults.add({ kind: 'truncate', fraction: 0.5 });
    const response = await get('/rest/api/3/worklog/deleted?since=0');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(whole)));
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('holds the request until the client gives up on timeout, then keeps serving', async () => {
    sim.faults.add({ kind: 'timeout' });
    await expect(get('/rest/api/3/worklog/updated?since=0', { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect((await get('/rest/api/3/worklog/updated?since=0')).status).toBe(200);
  });

  it('answers status and HTML faults as written', async () => {
    sim.faults.add({ kind: 'status', status: 503, headers: { 'Retry-After': '7' } });
    sim.faults.add({ kind: 'html200' });
    const unavailable = await get('/rest/api/3/worklog/updated?since=0');
    expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '7']);
    const html = await get('/rest/api/3/worklog/updated?since=0');
    expect([html.status, html.headers.get('content-type')]).toEqual([200, 'text/html;charset=UTF-8']);
    await expect(html.json()).rejects.toThrow(SyntaxError);
  });

  it('repeats the previous feed page', async () => {
    const first = await (await get('/rest/api/3/worklog/deleted?since=0')).text();
    sim.faults.add({ kind: 'duplicatePage' });
    expect(await (await get('/rest/api/3/worklog/deleted?since=1')).text()).toBe(first);
  });
});
