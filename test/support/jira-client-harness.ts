import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/create-simulator.js';
import type { SimInstalledApp, SimWorklog } from '../../simulator/jira/jira-site.js';
import { appAuthorization, registerTestApp } from './sim-callers.js';
import type { Clock } from '../../src/platform/clock.js';
import type { Fetch } from '../../src/platform/fetch.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import type { JiraClient } from '../../src/jira/jira-client.js';
import type { TenantJiraAccess } from '../../src/jira/jira-credentials.js';
import type { Sleep } from '../../src/jira/sleep.js';
import { createHttpJiraClient, type HttpJiraClientOptions } from '../../src/jira/http-jira-client.js';
import { createRateLimitCoordinator, type RateLimitCoordinator } from '../../src/jira/rate-limit-coordinator.js';

/** One request Tally's client sent, as the simulator's fetch saw it. */
export interface SentRequest {
  method: string;
  url: string;
  /** Simulator time when it was sent. */
  atMs: number;
}

/** A simulated site with Tally's HTTP Jira client wired to it on virtual time. */
export interface JiraClientHarness {
  sim: Simulator;
  app: SimInstalledApp;
  tenantId: TenantId;
  access: TenantJiraAccess;
  clock: Clock;
  /** Advances the simulator clock by `ms` and resolves at once; records each wait in `sleeps`. */
  sleep: Sleep;
  sleeps: number[];
  /** Every request the clients sent (also the ones faults answered, which the limiter never counts). */
  sent: SentRequest[];
  fetch: Fetch;
  coordinator: RateLimitCoordinator;
  /** A client for this tenant; options override the harness wiring (e.g. `sleep`, `requestTimeoutMs`). */
  client(overrides?: Partial<HttpJiraClientOptions>): JiraClient;
  /** Worklogs the app user sees through the feeds now (visible, older than the hidden last minute). */
  visibleWorklogs(): SimWorklog[];
}

/**
 * Builds a manual-clock simulator (3000 generated worklogs unless told otherwise), registers a
 * Connect test app and returns Tally's client wiring: access signs each request with the app's
 * secret and the exact path and query, `fetch` is the simulator's in-process fetch (recorded),
 * and the default sleep moves the simulator clock, so hour-long waits take no real time.
 */
export function createJiraClientHarness(options: Partial<SimulatorOptions> = {}): JiraClientHarness {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 3000 }, ...options });
  const app = registerTestApp(sim);
  const tenantId = 't_00000000000000000000000a' as TenantId;
  const clock: Clock = { nowMs: () => sim.clock.now() };
  const sleeps: number[] = [];
  const sleep: Sleep = (ms, signal) => {
    signal?.throwIfAborted();
    sleeps.push(ms);
    sim.clock.advance(ms);
    return Promise.resolve();
  };
  const access: TenantJiraAccess = {
    baseUrl: sim.site.baseUrl,
    authorize: async ({ method, url }) => appAuthorization(sim, app, method, new URL(url).pathname + new URL(url).search),
  };
  const sent: SentRequest[] = [];
  const fetch: Fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    sent.push({ method: init?.method ?? 'GET', url, atMs: sim.clock.now() });
    return sim.fetch(input, init);
  };
  const coordinator = createRateLimitCoordinator({ clock, sleep: (ms, signal) => sleep(ms, signal), random: () => 0.5 });
  const appUser = sim.site.users.get(app.appUserAccountId);
  if (!appUser) throw new Error('the test app has no user');
  return {
    sim,
    app,
    tenantId,
    access,
    clock,
    sleep,
    sleeps,
    sent,
    fetch,
    coordinator,
    client: (overrides = {}) =>
      createHttpJiraClient({ tenantId, access, fetch, clock, sleep, coordinator, random: () => 0.5, ...overrides }),
    visibleWorklogs: () => {
      const visibleBefore = sim.clock.now() - sim.site.behaviour.hiddenWindowMs;
      return [...sim.site.worklogs.values()].filter((w) => sim.site.canSeeWorklog(w, appUser) && w.updatedMs <= visibleBefore);
    },
  };
}
