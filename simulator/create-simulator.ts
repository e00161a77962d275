import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createSimClock, type SimClock } from './sim-clock.js';
import { JiraSite, type SiteBehaviour } from './jira/jira-site.js';
import { generateSite, type GenerateOptions, type GeneratedSite } from './data/generate-site.js';
import { createAuthMiddleware } from './auth/authenticate.js';
import { resolveApiTokenOptions, type ApiTokenOptions } from './auth/api-token-auth.js';
import { tenantInfoRoutes } from './jira/routes/tenant-info-route.js';
import { createAdminWebhooks, type AdminWebhookOptions, type AdminWebhooks } from './admin-webhooks/admin-webhooks.js';
import { createRateLimiter, type RateLimiter, type RateLimitOptions } from './limits/rate-limiter.js';
import { createFaultInjector, type FaultInjector } from './faults/fault-injector.js';
import { createConnectHost, type ConnectHost, type SimFetch } from './connect/connect-host.js';
import type { InstallKeyStore } from './connect/install-keys.js';
import { pageHostRoutes } from './connect/page-host.js';
import {
  createImpersonationAuthServer,
  type ConnectImpersonation,
  type ImpersonationAuthServer,
  type ImpersonationOptions,
} from './connect/connect-impersonation.js';
import { worklogRoutes } from './jira/routes/worklog-routes.js';
import { platformRoutes } from './jira/routes/platform-routes.js';
import { jiraError } from './http/jira-error.js';
import { createGdprApi, type GdprApi, type GdprApiOptions } from './gdpr/report-accounts.js';
import { createForgeHost, type ForgeHost, type ForgeOptions } from './forge/forge-host.js';
import type { SimEnv } from './http/sim-env.js';
import type { RequestLog } from './http/request-log.js';

/** Everything configurable about a simulated site; all optional. */
export interface SimulatorOptions {
  /** `manual` for in-process tests (time moves only when told), `real` over HTTP. Default manual. */
  clock: 'real' | 'manual';
  /** Where the clock starts (epoch ms); default now. */
  startMs: number;
  /** The site's public base URL; `listen()` replaces it with the loopback address. */
  baseUrl: string;
  /** Time zone dates are rendered in (IANA name, `UTC`, or a fixed offset such as `+0300`). */
  timeZone: string;
  behaviour: Partial<SiteBehaviour>;
  /** Data to generate on start; `false` for an empty site. */
  generate: Partial<GenerateOptions> | false;
  /** Clock skew tolerated on app JWTs. */
  jwtLeewaySeconds: number;
  /** API-token switches: classic tokens at the gateway, the scope refusal's status, admin-webhook scopes. */
  apiTokens: Partial<ApiTokenOptions>;
  rateLimits: Partial<RateLimitOptions>;
  /** The Personal Data Reporting API (`POST /app/report-accounts/`): Cycle-Period format and period. */
  gdpr: Partial<GdprApiOptions>;
  /** How the site reaches the app for lifecycle and webhooks; default the global fetch. */
  appFetch: SimFetch;
  /**
   * The Connect install-keys service that signs this site's `installed`/`uninstalled` (see
   * `createInstallKeyStore`); default one of its own. Atlassian's is one service for every site:
   * hand one store to a fleet of simulators (and serve its `routes` once) to model that.
   */
  installKeys: InstallKeyStore;
  /** The Forge platform's side (`sim.forge`): app id, remote URL, token lifetimes, deliveries. */
  forge: Partial<ForgeOptions>;
  /** Connect user impersonation (`POST /oauth2/token`): token lifetime, assertion window. */
  impersonation: Partial<ImpersonationOptions>;
  /**
   * The authorization server that issues impersonation tokens (see `createImpersonationAuthServer`);
   * default one of this site's own (then `impersonation` configures it). Atlassian runs one for
   * every site: hand one to a fleet of simulators so any of them answers `/oauth2/token` for all.
   */
  impersonationServer: ImpersonationAuthServer;
  /** Admin webhooks (`sim.adminWebhooks`): delivery mode, retries, JQL filtering, HTTPS, signature defects. */
  adminWebhooks: Partial<AdminWebhookOptions>;
  /**
   * Sees every response a route, the authentication or the rate limiter produced (not the ones
   * faults fabricate), before it leaves. The test setup uses it to validate every simulator
   * response against Atlassian's OpenAPI schemas; it must not consume the body (clone it).
   */
  inspectResponse?: (request: Request, response: Response) => Promise<void>;
  /**
   * Records every request this site receives (see `createRequestLog`); one log may be shared by a
   * fleet of simulators. Off by default.
   */
  requestLog?: RequestLog;
}

/** A running simulated Jira Cloud site. */
export interface Simulator {
  readonly site: JiraSite;
  readonly clock: SimClock;
  readonly generated: GeneratedSite | undefined;
  readonly app: Hono<SimEnv>;
  /** In-process `fetch`: the simulator answers without a socket (host part of the URL ignored). */
  readonly fetch: SimFetch;
  readonly limits: RateLimiter;
  readonly faults: FaultInjector;
  /**
   * The site's cloud id: what `GET /_edge/tenant_info` answers, the `{cloudId}` of the gateway
   * `api.atlassian.com/ex/jira/{cloudId}`, and Forge's (option `forge.cloudId`).
   */
  readonly cloudId: string;
  readonly connect: ConnectHost;
  /**
   * Connect user impersonation (ACT_AS_USER): Atlassian's authorization server at
   * `POST {site}/oauth2/token` and the bearer tokens it issues, which authenticate REST calls on
   * the site URL as the user. `impersonation.issueToken(appKey, accountId)` is the test shortcut.
   */
  readonly impersonation: ConnectImpersonation;
  /** The authorization server behind `impersonation` (shared when the option gave one): options, `configure`. */
  readonly impersonationServer: ImpersonationAuthServer;
  /**
   * Admin webhooks (Jira settings → System → WebHooks, or `/rest/webhooks/1.0/webhook`): the way a
   * self-hosted Tally without an app hears of worklog changes, signed with `X-Hub-Signature`.
   */
  readonly adminWebhooks: AdminWebhooks;
  /** Atlassian's Personal Data Reporting API, served at `/app/report-accounts/` (in place of api.atlassian.com). */
  readonly gdpr: GdprApi;
  /**
   * The Forge platform: installs the Forge app, signs FITs (JWKS at `/.well-known/jwks.json`),
   * issues OAuth tokens, delivers lifecycle, tick and worklog events to the remote, and serves
   * the REST API under `/ex/jira/{cloudId}` for bearer tokens.
   */
  readonly forge: ForgeHost;
  /** Serves the simulator over HTTP on 127.0.0.1 and a port the OS picks (or `port`). */
  listen(port?: number): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Builds a simulated Jira Cloud site. The request path is: faults (the gateway misbehaving) →
 * public routes (install keys) → authentication → rate limits → REST routes.
 */
export function createSimulator(overrides: Partial<SimulatorOptions> = {}): Simulator {
  const clock = createSimClock(overrides.clock ?? 'manual', overrides.startMs ?? Date.now());
  const site = new JiraSite(
    clock,
    (overrides.baseUrl ?? 'https://tally-sim.atlassian.net').replace(/\/+$/, ''),
    overrides.timeZone ?? 'Europe/Berlin',
    overrides.behaviour,
  );
  const generated = overrides.generate === false ? undefined : generateSite(site, overrides.generate ?? {});
  const limits = createRateLimiter(site, overrides.rateLimits);
  const faults = createFaultInjector();
  const apiTokens = resolveApiTokenOptions(overrides.apiTokens);
  const appFetch = overrides.appFetch ?? ((input, init) => fetch(input, init));
  const connect = createConnectHost(site, { appFetch, ...(overrides.installKeys ? { installKeys: overrides.installKeys } : {}) });
  const impersonationServer = overrides.impersonationServer ?? createImpersonationAuthServer(overrides.impersonation);
  const impersonation = impersonationServer.register(site);
  const adminWebhooks = createAdminWebhooks({ site, appFetch, options: overrides.adminWebhooks });
  // Forge remotes report with their bearer tokens; the Forge host is built just below.
  const gdpr = createGdprApi(clock, [site], overrides.gdpr, () => forge.bearer);

  const app = new Hono<SimEnv>();
  const forge = createForgeHost({
    site,
    appFetch,
    dispatch: (request, env) => app.fetch(request, env),
    options: overrides.forge,
  });
  // First, so that answers the faults fabricate are logged too.
  if (overrides.requestLog) app.use('*', overrides.requestLog.middleware(site));
  // `api.atlassian.com/ex/jira/{cloudId}/rest/…` re-enters this app under `/rest/…`, faults included.
  app.use('/ex/jira/*', forge.gateway);
  app.use('*', faults.middleware);
  const inspect = overrides.inspectResponse;
  if (inspect) {
    app.use('*', async (c, next) => {
      await next();
      await inspect(c.req.raw, c.res);
    });
  }
  app.route('/', connect.publicRoutes);
  // The assertion is the credential: the token endpoint sits before Jira's authentication.
  app.route('/', impersonationServer.routes);
  app.route('/', forge.publicRoutes);
  app.route('/', pageHostRoutes(site));
  app.route('/', tenantInfoRoutes(forge.cloudId));
  // Authenticates its own callers (an app JWT for any known site), so it sits outside `/rest/*`.
  app.route('/', gdpr.routes);
  app.use('/rest/*', createAuthMiddleware(site, { leewaySeconds: overrides.jwtLeewaySeconds ?? 30, bearer: impersonation.bearer(forge.bearer), apiTokens }));
  app.use('/rest/*', limits.middleware);
  app.route('/', worklogRoutes({ site }));
  app.route('/', platformRoutes({ site }));
  app.route('/', connect.routes);
  app.route('/', adminWebhooks.routes);
  app.notFound(() => jiraError(404, ['No resource found at this path.']));
  app.onError((error) => {
    // A simulator bug must still look like Jira: a 500 with an error collection, never a stack.
    console.error('[simulator] unhandled error', error);
    return jiraError(500, ['Internal server error']);
  });

  const inProcessFetch: SimFetch = async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    return app.fetch(request);
  };

  return {
    site,
    clock,
    generated,
    app,
    fetch: faults.wrapFetch(inProcessFetch),
    limits,
    faults,
    cloudId: forge.cloudId,
    connect,
    impersonation,
    impersonationServer,
    adminWebhooks,
    gdpr,
    forge,
    listen: (port = 0) =>
      new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
          const url = `http://127.0.0.1:${info.port}`;
          site.baseUrl = url;
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
