import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { prepareLoopbackTally, type LoopbackTallyPlace } from '../support/loopback-tally.js';
import { contextToken } from '../support/tally-tokens.js';

/**
 * The whole Connect handshake over real HTTP on loopback: the simulated Jira fetches Tally's
 * descriptor, sends a signed RS256 `installed` whose key Tally fetches from the simulator's
 * install-keys endpoint, and later re-installs with a new secret.
 */
describe('Connect install over real HTTP', () => {
  let sim: Simulator;
  let simUrl: string;
  let closeSim: () => Promise<void>;
  let tally: RunningServer;
  let place: LoopbackTallyPlace;

  beforeAll(async () => {
    sim = createSimulator({ clock: 'real', generate: { worklogs: 20 } });
    const simServer = await sim.listen();
    simUrl = simServer.url;
    closeSim = simServer.close;
    place = await prepareLoopbackTally('tally-e2e-');
    const config = loadConfig({
      ...place.env,
      TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
      TALLY_ALLOWED_HOSTS: '127.0.0.1',
      TALLY_LOG_LEVEL: 'silent',
    });
    tally = await startServer(config);
  });

  afterAll(async () => {
    await tally?.close();
    await closeSim?.();
    place?.remove();
  });

  async function session(clientKey: string, sharedSecret: string): Promise<Response> {
    const token = contextToken({ clientKey, sharedSecret, nowMs: Date.now(), accountId: 'user-1' });
    return fetch(`${tally.url}/api/session`, { headers: { authorization: `JWT ${token}` } });
  }

  it('installs, then a signed re-install rotates the shared secret', async () => {
    const first = await sim.connect.install(`${tally.url}/atlassian-connect.json`);
    expect(first).toMatchObject({ ok: true, status: 204 });
    if (!first.ok) return;
    const answer = await session(first.clientKey, first.sharedSecret);
    expect(answer.status).toBe(200);
    const firstSession = (await answer.json()) as { tenantId: string };
    expect(firstSession).toMatchObject({ siteUrl: simUrl, accountId: 'user-1', tenantId: expect.stringMatching(/^t_/) });

    const second = await sim.connect.install(`${tally.url}/atlassian-connect.json`);
    expect(second).toMatchObject({ ok: true, status: 204 });
    if (!second.ok) return;
    expect(second.sharedSecret).not.toBe(first.sharedSecret);
    expect(second.clientKey).toBe(first.clientKey);
    expect((await session(first.clientKey, first.sharedSecret)).status).toBe(401);
    const again = await session(second.clientKey, second.sharedSecret);
    expect(again.status).toBe(200);
    // The same site keeps its Tally tenant id across re-installs.
    expect(((await again.json()) as { tenantId: string }).tenantId).toBe(firstSession.tenantId);
  });

  it('refuses an install signed by a key the install-keys endpoint does not know', async () => {
    const forged = await sim.connect.install(`${tally.url}/atlassian-connect.json`, { tamper: 'wrong-key' });
    expect(forged.ok).toBe(false);
    expect(forged.status).toBe(401);
  });

  it('serves the descriptor and health without a token and nothing else', async () => {
    expect((await fetch(`${tally.url}/atlassian-connect.json`)).status).toBe(200);
    expect((await fetch(`${tally.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${tally.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${tally.url}/api/session`)).status).toBe(401);
    expect((await fetch(`${tally.url}/pages/reports`)).status).toBe(401);
  });
});
