import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { createSimulator, type Simulator } from '../create-simulator.js';
import { createReceivingApp, type ReceivingApp } from '../../test/support/receiving-app.js';
import { TEST_APP_KEY } from '../../test/support/connect-testbed.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real-clock simulator and the receiving app, each on its own loopback port. */
async function startPair(): Promise<{ sim: Simulator; simUrl: string; receiver: ReceivingApp }> {
  const sim = createSimulator({ clock: 'real', generate: { worklogs: 20 } });
  const simServer = await sim.listen();
  cleanups.push(() => sim.connect.webhooks.close(), simServer.close);
  const receiver = createReceivingApp({
    baseUrl: 'http://127.0.0.1',
    installKeysUrl: () => sim.connect.installKeysUrl,
    keyFetch: (input, init) => fetch(input, init),
    nowMs: () => Date.now(),
  });
  const port = await new Promise<number>((resolve) => {
    const server = serve({ fetch: receiver.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    if ('closeAllConnections' in server) cleanups.push(() => server.closeAllConnections());
  });
  receiver.state.baseUrl = `http://127.0.0.1:${port}`;
  return { sim, simUrl: simServer.url, receiver };
}

function restAsApp(simUrl: string, receiver: ReceivingApp, method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
  const tenant = receiver.state.tenant;
  const iat = Math.floor(Date.now() / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, '');
  const token = encodeSymmetric({ iss: TEST_APP_KEY, iat, exp: iat + 180, qsh, aud: [tenant?.clientKey] }, tenant?.sharedSecret ?? '');
  const headers: Record<string, string> = { authorization: `JWT ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${simUrl}${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe('Connect over loopback HTTP', () => {
  it('installs over HTTP, with the install key fetched from the listening simulator', async () => {
    const { sim, simUrl, receiver } = await startPair();
    expect(sim.connect.installKeysUrl).toBe(`${simUrl}/connect-install-keys`);

    const result = await sim.connect.install(receiver.descriptorUrl);
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(receiver.state.calls[0]).toMatchObject({ kind: 'installed', accepted: true, body: { baseUrl: simUrl } });
    expect(receiver.state.tenant?.siteUrl).toBe(simUrl);

    const response = await restAsApp(simUrl, receiver, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(response.status).toBe(200);
  });

  it('delivers a webhook on its own timer, and retries a 503 with the same identifier', async () => {
    const { sim, simUrl, receiver } = await startPair();
    await sim.connect.install(receiver.descriptorUrl);
    expect(sim.connect.webhooks.options.mode).toBe('auto');
    sim.connect.webhooks.configure({ retryDelayMs: { min: 10, max: 10 } });
    receiver.state.webhookStatuses.push(503);

    const issue = [...sim.site.issues.values()].find((i) => i.timeTrackingEnabled);
    const created = await restAsApp(simUrl, receiver, 'POST', `/rest/api/3/issue/${issue?.id}/worklog`, {
      started: '2024-05-02T09:00:00.000+0000',
      timeSpent: '1h 30m',
    });
    expect(created.status).toBe(201);
    const worklogId = ((await created.json()) as { id: string }).id;

    const retry = await receiver.waitForCall((c) => c.kind === 'webhook' && c.headers['x-atlassian-webhook-retry'] === '1');
    const first = receiver.state.calls.find((c) => c.kind === 'webhook');
    expect(first).toMatchObject({ accepted: true, status: 503 });
    expect(retry).toMatchObject({
      accepted: true,
      status: 200,
      body: { webhookEvent: 'worklog_created', worklog: { id: worklogId, timeSpentSeconds: 5400 } },
    });
    expect(retry.headers['x-atlassian-webhook-identifier']).toBe(first?.headers['x-atlassian-webhook-identifier']);
  });
});
