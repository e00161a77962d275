import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../create-simulator.js';
import { appAuthorization, registerTestApp } from '../../test/support/sim-callers.js';
import type { SimInstalledApp } from '../jira/jira-site.js';
import { createRequestLog, type ClientConnection, type LoggedRequest } from './request-log.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function served(sim: Simulator): Promise<string> {
  const server = await sim.listen();
  closers.push(server.close);
  return server.url;
}

/** One request over `agent` (node:http, so the test knows which local port it came from). */
function request(agent: http.Agent, url: string, options: { method?: string; authorization?: string; body?: unknown } = {}): Promise<{ status: number; localPort: number }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const outgoing = http.request(url, {
      agent,
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...(options.authorization ? { authorization: options.authorization } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    });
    outgoing.on('response', (response) => {
      const localPort = outgoing.socket?.localPort ?? -1;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, localPort }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function signed(sim: Simulator, app: SimInstalledApp, method: string, pathAndQuery: string) {
  return appAuthorization(sim, app, method, pathAndQuery);
}

describe('request log', () => {
  it('records each site\'s requests with status, points, times and the client connection that sent them', async () => {
    const asked: ClientConnection[] = [];
    const log = createRequestLog({
      identifyClient: (connection) => {
        asked.push(connection);
        return `port-${connection.remotePort}`;
      },
    });
    const first = createSimulator({ clock: 'real', generate: { worklogs: 30, seed: 'log-a' }, requestLog: log });
    const second = createSimulator({ clock: 'real', generate: { worklogs: 10, seed: 'log-b' }, requestLog: log });
    const firstUrl = await served(first);
    const secondUrl = await served(second);
    const appA = registerTestApp(first);
    const appB = registerTestApp(second);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const updated = await request(agent, `${firstUrl}/rest/api/3/worklog/updated?since=0`, { authorization: signed(first, appA, 'GET', '/rest/api/3/worklog/updated?since=0') });
      const again = await request(agent, `${firstUrl}/rest/api/3/worklog/updated?since=0`, { authorization: signed(first, appA, 'GET', '/rest/api/3/worklog/updated?since=0') });
      const listed = await request(agent, `${secondUrl}/rest/api/3/worklog/list`, {
        method: 'POST',
        authorization: signed(second, appB, 'POST', '/rest/api/3/worklog/list'),
        body: { ids: [...second.site.worklogs.keys()].slice(0, 4) },
      });
      const refused = await request(agent, `${secondUrl}/rest/api/3/serverInfo`);
      expect([updated.status, again.status, listed.status, refused.status]).toEqual([200, 200, 200, 401]);

      expect(log.entries.map(({ site, method, path, status }) => ({ site, method, path, status }))).toEqual([
        { site: firstUrl, method: 'GET', path: '/rest/api/3/worklog/updated', status: 200 },
        { site: firstUrl, method: 'GET', path: '/rest/api/3/worklog/updated', status: 200 },
        { site: secondUrl, method: 'POST', path: '/rest/api/3/worklog/list', status: 200 },
        { site: secondUrl, method: 'GET', path: '/rest/api/3/serverInfo', status: 401 },
      ]);
      // The points are the quota's own: what each site charged the app, request by request.
      const charged = (sim: Simulator, app: SimInstalledApp) => 65_000 - sim.limits.remainingPoints(app.key);
      expect(log.entries[0]!.points).toBe(1 + 30);
      expect(log.entries[0]!.points + log.entries[1]!.points).toBe(charged(first, appA));
      expect(log.entries[2]!.points).toBe(charged(second, appB));
      expect(log.entries[3]!.points).toBe(0);
      // The client port the test's own socket used; one socket kept alive per origin, each asked about once.
      expect(log.entries.map((entry) => entry.client)).toEqual([`port-${updated.localPort}`, `port-${again.localPort}`, `port-${listed.localPort}`, `port-${refused.localPort}`]);
      expect(updated.localPort).toBe(again.localPort);
      expect(asked.map((connection) => connection.localPort)).toEqual([Number(new URL(firstUrl).port), Number(new URL(secondUrl).port)]);
      for (const entry of log.entries) {
        expect(entry.endMs).toBeGreaterThanOrEqual(entry.startMs);
        expect(entry.siteTimeMs).toBeTypeOf('number');
      }
    } finally {
      agent.destroy();
    }
  });

  it('asks about a connection again on its next request when it could not be named the first time', async () => {
    let asked = 0;
    const log = createRequestLog({ identifyClient: () => (++asked === 1 ? undefined : 'named later') });
    const sim = createSimulator({ clock: 'real', generate: { worklogs: 5, seed: 'log-c' }, requestLog: log });
    const url = await served(sim);
    const app = registerTestApp(sim);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const path = '/rest/api/3/worklog/updated?since=0';
      const first = await request(agent, `${url}${path}`, { authorization: signed(sim, app, 'GET', path) });
      const second = await request(agent, `${url}${path}`, { authorization: signed(sim, app, 'GET', path) });
      const third = await request(agent, `${url}${path}`, { authorization: signed(sim, app, 'GET', path) });
      expect(new Set([first.localPort, second.localPort, third.localPort]).size).toBe(1);
      expect(log.entries.map((entry) => entry.client)).toEqual([undefined, 'named later', 'named later']);
      // Once named, the connection is not asked about again.
      expect(asked).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('shows a request to onStart before it is answered, and logs answers that faults fabricate', async () => {
    const seen: { status: number; endMs: number | undefined }[] = [];
    const log = createRequestLog({ onStart: (entry: LoggedRequest) => seen.push({ status: entry.status, endMs: entry.endMs }) });
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 5 }, requestLog: log });
    sim.faults.add({ kind: 'status', status: 503, match: { path: '/rest/api/3/serverInfo' } });
    const answer = await sim.fetch(`${sim.site.baseUrl}/rest/api/3/serverInfo`);
    expect(answer.status).toBe(503);
    expect(seen).toEqual([{ status: 0, endMs: undefined }]);
    // In process there is no connection to name.
    expect(log.entries).toEqual([expect.objectContaining({ path: '/rest/api/3/serverInfo', status: 503, points: 0, client: undefined })]);
    log.clear();
    expect(log.entries).toEqual([]);
  });
});
