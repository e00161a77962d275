import { Hono } from 'hono';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createBitbucketSimulator, type BitbucketSimulator, type BitbucketSimulatorOptions } from '../create-bitbucket-simulator.js';
import { FIT_ISSUER } from '../../forge/fit-claims.js';
import { FORGE_JWKS_PATH } from '../../forge/fit-signer.js';

/** One request the recording remote received. */
export interface BbRemoteCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** How the recording remote answers; change it between calls. */
export interface BbRemoteBehaviour {
  /** Status of every answer unless `nextStatuses` has one. */
  status: number;
  /** Statuses for the next answers, consumed in order. */
  nextStatuses: number[];
  /** Runs while handling each call, before answering (e.g. a remote that calls Bitbucket back). */
  onCall?: (call: BbRemoteCall) => Promise<void> | void;
}

/** A Bitbucket simulator whose Forge remote is a small in-process Hono app that records every call. */
export interface BitbucketForgeTestbed {
  bb: BitbucketSimulator;
  calls: BbRemoteCall[];
  behaviour: BbRemoteBehaviour;
  /** A REST call to the simulated Bitbucket with `Authorization: Bearer <token>`. */
  api(path: string, token: string): Promise<Response>;
  /** Verifies a FIT as a remote would: RS256 against the served JWKS, issuer and the Bitbucket app's `aud`, at the simulator's clock. */
  verifyFit(fit: string): Promise<JWTPayload>;
  /** The FIT of a recorded call (`authorization: Bearer …`). */
  fitOf(call: BbRemoteCall): string;
}

/**
 * TEST FIXTURE: a manual-clock Bitbucket simulator (one generated workspace) wired to a
 * recording remote, the way `createForgeTestbed` does it for Jira. An end-to-end test instead
 * runs `bb.listen()` and gives Tally `TALLY_FORGE_JWKS_URL=${url}/.well-known/jwks.json`,
 * `TALLY_BITBUCKET_FORGE_APP_ID=${bb.forge.appId}`, and sets `forge.remoteBaseUrl` to Tally's URL.
 */
export function createBitbucketForgeTestbed(options: Partial<BitbucketSimulatorOptions> = {}): BitbucketForgeTestbed {
  const calls: BbRemoteCall[] = [];
  const behaviour: BbRemoteBehaviour = { status: 204, nextStatuses: [] };
  const remote = new Hono();
  remote.all('*', async (c) => {
    const text = await c.req.text();
    const call: BbRemoteCall = { method: c.req.method, path: new URL(c.req.url).pathname, headers: Object.fromEntries(c.req.raw.headers), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    calls.push(call);
    await behaviour.onCall?.(call);
    const status = behaviour.nextStatuses.shift() ?? behaviour.status;
    return status === 204 ? c.body(null, 204) : c.json({ ok: status < 300, path: call.path }, status as 200);
  });
  const bb = createBitbucketSimulator({
    clock: 'manual',
    startMs: Date.UTC(2026, 8, 1, 9, 0, 0),
    ...options,
    appFetch: async (input, init) => remote.request(input instanceof Request ? input : String(input), init),
  });

  return {
    bb,
    calls,
    behaviour,
    api: (path, token) => bb.fetch(path, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }),
    async verifyFit(fit) {
      const jwks = (await (await bb.fetch(FORGE_JWKS_PATH)).json()) as Parameters<typeof createLocalJWKSet>[0];
      const { payload } = await jwtVerify(fit, createLocalJWKSet(jwks), {
        algorithms: ['RS256'],
        issuer: FIT_ISSUER,
        audience: bb.forge.appId,
        currentDate: new Date(bb.clock.now()),
        clockTolerance: 0,
      });
      return payload;
    },
    fitOf: (call) => (call.headers.authorization ?? '').replace(/^Bearer /, ''),
  };
}
