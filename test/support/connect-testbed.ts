import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/create-simulator.js';
import type { SimFetch } from '../../simulator/connect/app-call.js';
import type { InstallResult } from '../../simulator/connect/lifecycle-sender.js';
import { createReceivingApp, type ReceivingApp } from './receiving-app.js';

/** The receiving app's key (see its descriptor). */
export const TEST_APP_KEY = 'tally-test-app';

/** A simulator wired in-process to a {@link createReceivingApp} instance. */
export interface ConnectTestbed {
  sim: Simulator;
  receiver: ReceivingApp;
  /** `down`: every call from the site fails like a refused connection; `hang`: calls never answer. */
  network: { down: boolean; hang: boolean };
  /** Installs the receiving app and fails the test if the install is not recorded. */
  install(): Promise<Extract<InstallResult, { ok: true }>>;
  /** A REST call to the site as the app, signed like ACE does (HS256, iss = app key, qsh, aud). */
  restAsApp(method: string, pathAndQuery: string, options?: { body?: unknown; secret?: string }): Promise<Response>;
}

/**
 * TEST FIXTURE: builds the pair with a manual clock (`createSimulator` options may override) and
 * the app at `baseUrl` (default `https://tally.example.com`).
 */
export function createConnectTestbed(options: { baseUrl?: string; simulator?: Partial<SimulatorOptions> } = {}): ConnectTestbed {
  const network = { down: false, hang: false };
  const holder: { receiver?: ReceivingApp } = {};
  const appFetch: SimFetch = async (input, init) => {
    if (network.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    if (network.hang) return new Promise<Response>(() => undefined);
    return (holder.receiver as ReceivingApp).fetch(input, init);
  };
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 50 }, ...options.simulator, appFetch });
  const receiver = createReceivingApp({
    baseUrl: options.baseUrl ?? 'https://tally.example.com',
    installKeysUrl: () => sim.connect.installKeysUrl,
    keyFetch: sim.fetch,
    nowMs: () => sim.clock.now(),
  });
  holder.receiver = receiver;

  return {
    sim,
    receiver,
    network,
    async install() {
      const result = await sim.connect.install(receiver.descriptorUrl);
      if (!result.ok) throw new Error(`install failed: ${result.status} ${result.reason}`);
      return result;
    },
    restAsApp(method, pathAndQuery, callOptions = {}) {
      const tenant = receiver.state.tenant;
      const secret = callOptions.secret ?? tenant?.sharedSecret ?? 'no-secret';
      const iat = Math.floor(sim.clock.now() / 1000);
      const qsh = createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, '');
      const token = encodeSymmetric({ iss: TEST_APP_KEY, iat, exp: iat + 180, qsh, aud: [tenant?.clientKey] }, secret);
      const headers: Record<string, string> = { authorization: `JWT ${token}` };
      if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
      const body = callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body);
      return sim.fetch(`${tenant?.siteUrl ?? sim.site.baseUrl}${pathAndQuery}`, { method, headers, body });
    },
  };
}
