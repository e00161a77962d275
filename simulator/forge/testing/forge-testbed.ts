import { Hono } from 'hono';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../create-simulator.js';
import type { ForgeOptions } from '../forge-options.js';

/** One request the recording remote received. */
export interface RemoteCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** How the recording remote answers; change it between calls. */
export interface RemoteBehaviour {
  /** Status of every answer unless `nextStatuses` has one. */
  status: number;
  /** Statuses for the next answers, consumed in order. */
  nextStatuses: number[];
  /** Never answer (the simulator's timeout decides). */
  hang: boolean;
  /** Runs while handling each call, before answering (e.g. a remote that calls Jira back). */
  onCall?: (call: RemoteCall) => Promise<void> | void;
}

/** A simulator whose Forge remote is a small in-process Hono app that records every call. */
export interface ForgeTestbed {
  sim: Simulator;
  calls: RemoteCall[];
  behaviour: RemoteBehaviour;
  /** A REST call through `api.atlassian.com/ex/jira/{cloudId}` with `Authorization: Bearer <token>`. */
  api(path: string, token: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Verifies a FIT as a remote would: RS256 against the served JWKS, issuer and audience, at the site clock. */
  verifyFit(fit: string): Promise<JWTPayload>;
  /** The FIT of a recorded call (`authorization: Bearer …`). */
  fitOf(call: RemoteCall): string;
}

/** TEST FIXTURE: a manual-clock simulator with a small generated site, wired to a recording remote. */
export function createForgeTestbed(options: { forge?: Partial<ForgeOptions>; simulator?: Partial<SimulatorOptions> } = {}): ForgeTestbed {
  const calls: RemoteCall[] = [];
  const behaviour: RemoteBehaviour = { status: 204, nextStatuses: [], hang: false };
  const remote = new Hono();
  remote.all('*', async (c) => {
    const text = await c.req.text();
    const call: RemoteCall = { method: c.req.method, path: new URL(c.req.url).pathname, headers: Object.fromEntries(c.req.raw.headers), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    calls.push(call);
    if (behaviour.hang) return new Promise<Response>(() => undefined);
    await behaviour.onCall?.(call);
    const status = behaviour.nextStatuses.shift() ?? behaviour.status;
    return status === 204 ? c.body(null, 204) : c.json({ ok: status < 300, path: call.path }, status as 200);
  });
  const sim = createSimulator({
    clock: 'manual',
    startMs: Date.UTC(2026, 8, 1, 9, 0, 0),
    generate: { worklogs: 30, users: 5, issues: 10, projects: 2, years: 1, seed: 11 },
    ...options.simulator,
    forge: options.forge ?? {},
    appFetch: async (input, init) => remote.request(input instanceof Request ? input : String(input), init),
  });

  return {
    sim,
    calls,
    behaviour,
    api(path, token, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      return sim.fetch(`${sim.forge.apiBaseUrl}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    },
    async verifyFit(fit) {
      const jwks = (await (await sim.fetch(sim.forge.jwksUrl)).json()) as { keys: JsonWebKey[] };
      const { payload } = await jwtVerify(fit, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
        algorithms: ['RS256'],
        issuer: 'forge/invocation-token',
        audience: sim.forge.appId,
        currentDate: new Date(sim.clock.now()),
        clockTolerance: 0,
      });
      return payload;
    },
    fitOf(call) {
      return (call.headers.authorization ?? '').replace(/^Bearer /, '');
    },
  };
}
