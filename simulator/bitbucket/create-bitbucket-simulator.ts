import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createSimClock, type SimClock } from '../sim-clock.js';
import { BitbucketModel } from './bitbucket-model.js';
import { generateWorkspace, type GeneratedWorkspace, type GenerateWorkspaceOptions } from './generate-workspace.js';
import { createBitbucketAuth, type BearerAuthenticator, type BitbucketEnv } from './authenticate.js';
import { BitbucketRateLimiter, type BitbucketRateLimitOptions } from './rate-limiter.js';
import { bitbucketRoutes, type BitbucketBehaviour } from './bitbucket-routes.js';
import { bitbucketError } from './bitbucket-error.js';
import type { RenderContext } from './render.js';
import type { SimFetch } from '../http/remote-call.js';
import { createBitbucketConnectHost, type BitbucketConnectHost } from './bitbucket-connect-host.js';
import { connectPageHostRoutes } from './connect-page-host.js';
import { createBitbucketForgeHost, type BitbucketForgeHost } from './forge/bitbucket-forge-host.js';
import type { BbForgeOptionsInput } from './forge/bb-forge-options.js';
import { FORGE_JWKS_PATH, type ForgeJwk } from '../forge/fit-signer.js';

/** Everything configurable about a simulated Bitbucket Cloud; all optional. */
export interface BitbucketSimulatorOptions {
  /** `manual` for in-process tests, `real` over HTTP. Default manual. */
  clock: 'real' | 'manual';
  /** Where the clock starts (epoch ms); default now. */
  startMs: number;
  /** The API's base URL (`https://api.bitbucket.org` by default); `listen()` replaces it with the loopback address. */
  baseUrl: string;
  /** Base of HTML links (`links.html`); default `https://bitbucket.org`. */
  htmlBaseUrl: string;
  /** A workspace to generate on start; `false` for an empty model. */
  generate: Partial<GenerateWorkspaceOptions> | false;
  behaviour: Partial<BitbucketBehaviour>;
  rateLimits: Partial<BitbucketRateLimitOptions>;
  /** Clock skew tolerated on app JWTs; default 30 s. */
  jwtLeewaySeconds: number;
  /**
   * Extension point for `Authorization: Bearer` (access tokens), asked after the Forge host's
   * tokens; without it, a bearer that is no live Forge token is a 401.
   */
  bearer: BearerAuthenticator;
  /**
   * More keys for the served JWKS, e.g. `() => jiraSim.forge.jwks()`: one Tally has one
   * `TALLY_FORGE_JWKS_URL` (on Atlassian both apps' FITs come from one key set), so an end-to-end
   * run with both simulators points it here and both kinds of FIT verify.
   */
  alsoServeJwks?: () => { keys: readonly ForgeJwk[] };
  /** The Forge platform's side (`bb.forge`): app id, remote URL and paths, token lifetimes, event context form. */
  forge: BbForgeOptionsInput;
  /** How the simulated Bitbucket reaches an app (descriptor, lifecycle POSTs, webhooks, Forge deliveries); default global fetch. */
  appFetch: SimFetch;
  /** Sees every response the routes and the authentication produce (clone before reading the body). */
  inspectResponse?: (request: Request, response: Response) => Promise<void>;
}

/** In-process fetch: the host part of the URL is ignored; a bare `/2.0/…` path is fine too. */
export type BitbucketFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A running simulated Bitbucket Cloud (REST 2.0). */
export interface BitbucketSimulator {
  readonly model: BitbucketModel;
  readonly clock: SimClock;
  readonly generated: GeneratedWorkspace | undefined;
  /** Mutable switches (e.g. `behaviour.nextOnLastPage = true`). */
  readonly behaviour: BitbucketBehaviour;
  /** Rate limit switches (`limits.options.enabled`), call and 429 counters per endpoint. */
  readonly limits: BitbucketRateLimiter;
  readonly app: Hono<BitbucketEnv>;
  /** The API base URL links and `next` point at; `listen()` sets it to the loopback address. */
  readonly baseUrl: string;
  readonly fetch: BitbucketFetch;
  /** The Connect host: `install(descriptorUrl)`, `uninstall()`, `pageUrl()`, `emitPullRequestEvent()`, the calls sent. */
  readonly connect: BitbucketConnectHost;
  /** The Forge platform: per-workspace installations, FITs (JWKS at `/.well-known/jwks.json`), tokens, deliveries. */
  readonly forge: BitbucketForgeHost;
  /** Serves over HTTP on 127.0.0.1 and a port the OS picks (or `port`). */
  listen(port?: number): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Builds a simulated Bitbucket Cloud REST 2.0. Request path: response inspection → authentication
 * on `/2.0/*` → per-endpoint counting and the `/2.0/repositories/*` rate limit → routes. Shares no
 * protocol code with `src/`.
 */
export function createBitbucketSimulator(overrides: Partial<BitbucketSimulatorOptions> = {}): BitbucketSimulator {
  const clock = createSimClock(overrides.clock ?? 'manual', overrides.startMs ?? Date.now());
  const model = new BitbucketModel(() => clock.now());
  const generated = overrides.generate === false ? undefined : generateWorkspace(model, overrides.generate ?? {});
  const behaviour: BitbucketBehaviour = { nextOnLastPage: false, ...overrides.behaviour };
  const limits = new BitbucketRateLimiter(() => clock.now(), overrides.rateLimits);
  let apiBaseUrl = (overrides.baseUrl ?? 'https://api.bitbucket.org').replace(/\/+$/, '');
  const htmlBaseUrl = (overrides.htmlBaseUrl ?? 'https://bitbucket.org').replace(/\/+$/, '');
  const render = (): RenderContext => ({ model, apiBaseUrl, htmlBaseUrl });

  const appFetch: SimFetch = overrides.appFetch ?? ((input, init) => fetch(input, init));
  const connect = createBitbucketConnectHost({ model, nowMs: () => clock.now(), render, appFetch });
  const forge = createBitbucketForgeHost({ model, clock, render, appFetch, ...(overrides.forge ? { options: overrides.forge } : {}) });
  const extraBearer = overrides.bearer;
  const bearer: BearerAuthenticator = (token, request) => forge.bearer(token, request) ?? extraBearer?.(token, request);

  const app = new Hono<BitbucketEnv>();
  const inspect = overrides.inspectResponse;
  if (inspect) {
    app.use('*', async (c, next) => {
      await next();
      await inspect(c.req.raw, c.res);
    });
  }
  app.use(
    '/2.0/*',
    createBitbucketAuth({ model, nowMs: () => clock.now(), leewaySeconds: overrides.jwtLeewaySeconds ?? 30, bearer }),
  );
  // Forge's key set, where the Jira simulator serves it too; Tally's TALLY_FORGE_JWKS_URL can point here.
  const alsoServeJwks = overrides.alsoServeJwks;
  app.get(FORGE_JWKS_PATH, (c) => c.json({ keys: [...forge.jwks().keys, ...(alsoServeJwks?.().keys ?? [])] }));
  app.route('/', bitbucketRoutes({ model, limiter: limits, behaviour, render }));
  // Bitbucket's own pages around the app's iframes: 302 to a freshly signed iframe URL.
  app.route('/', connectPageHostRoutes(connect));
  app.notFound(() => bitbucketError(404, 'Resource not found'));
  app.onError((error) => {
    console.error('[bitbucket simulator] unhandled error', error);
    return bitbucketError(500, 'Something went wrong');
  });

  const inProcessFetch: BitbucketFetch = async (input, init) => {
    // A bare `/2.0/…` path is taken relative to the API base URL.
    const target = typeof input === 'string' && input.startsWith('/') ? `${apiBaseUrl}${input}` : input;
    const request = target instanceof Request && init === undefined ? target : new Request(target, init);
    return app.fetch(request);
  };

  return {
    model,
    clock,
    generated,
    behaviour,
    limits,
    app,
    get baseUrl() {
      return apiBaseUrl;
    },
    fetch: inProcessFetch,
    connect,
    forge,
    listen: (port = 0) =>
      new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
          const url = `http://127.0.0.1:${info.port}`;
          apiBaseUrl = url;
          resolve({
            url,
            close: () =>
              new Promise<void>((done) => {
                if ('closeAllConnections' in server) server.closeAllConnections();
                server.close(() => done());
              }),
          });
        });
      }),
  };
}
