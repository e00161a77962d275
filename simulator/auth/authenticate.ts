import type { MiddlewareHandler } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import { jiraError } from '../http/jira-error.js';
import type { Caller, SimEnv } from '../http/sim-env.js';
import { peekJwt, verifyConnectJwt } from './connect-jwt.js';
import { authenticateBasic, defaultApiTokenOptions, type ApiTokenOptions } from './api-token-auth.js';

/** What a bearer token resolves to: a caller, or the refusal (401 bad token, 403 not permitted yet). */
export type BearerOutcome = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; reason: string };

/** Who vouches for `Authorization: Bearer …` tokens (Connect impersonation tokens, then the Forge platform's OAuth tokens). */
export interface BearerAuthority {
  authenticate(token: string): BearerOutcome;
  /** True while handling a request that came through `api.atlassian.com`, where Connect JWTs are refused. */
  isGatewayRequest(): boolean;
  /** The gateway base URL (`{origin}/ex/jira/{cloudId}`) of the request being handled, if it came through the gateway. */
  gatewayBaseUrl(): string | undefined;
  /** The token's checks for a call to api.atlassian.com's platform APIs (not the product gateway). */
  authenticatePlatformCall(token: string): BearerOutcome;
}

/** Options of {@link createAuthMiddleware}. */
export interface AuthOptions {
  /** Clock skew tolerated on `exp`/`iat`, in seconds (Atlassian does not publish Jira's). */
  leewaySeconds: number;
  /** Accepts bearer tokens when given; without it `Bearer` is an unsupported scheme. */
  bearer?: BearerAuthority;
  /** API-token switches (classic tokens at the gateway, scope refusals); defaults when absent. */
  apiTokens?: Readonly<ApiTokenOptions>;
}

function unauthorized(reason: string): Response {
  const response = jiraError(401, [`Client must be authenticated to access this resource. (${reason})`]);
  response.headers.set('WWW-Authenticate', 'JWT realm="Jira", Basic realm="Jira"');
  return response;
}

/**
 * Authenticates every REST call as Jira Cloud does: an installed, enabled app's HS256 Connect JWT
 * (`iss` = app key, exact `qsh`, `exp`), HTTP Basic with a site user's email and API token
 * (classic on the site URL, scoped through the gateway, see {@link authenticateBasic}), or (with
 * `options.bearer`) a bearer token: a Connect user-impersonation token or a Forge OAuth token. Anything else is 401 and reaches no route.
 */
export function createAuthMiddleware(site: JiraSite, options: AuthOptions): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const gatewayBaseUrl = options.bearer?.gatewayBaseUrl();
    let caller: Caller;
    if (header.startsWith('JWT ')) {
      if (options.bearer?.isGatewayRequest()) return unauthorized('Connect JWTs are not accepted at api.atlassian.com');
      const token = header.slice(4).trim();
      const peeked = peekJwt(token);
      const issuer = peeked?.claims.iss;
      const app = typeof issuer === 'string' ? site.findApp(issuer) : undefined;
      if (!app) return unauthorized('unknown issuer');
      if (!app.enabled) return unauthorized('app is disabled');
      const url = new URL(c.req.url);
      const check = verifyConnectJwt({
        token,
        method: c.req.method,
        pathAndQuery: url.pathname + url.search,
        secret: app.sharedSecret,
        nowSeconds: Math.floor(site.clock.now() / 1000),
        leewaySeconds: options.leewaySeconds,
      });
      if (!check.ok) return unauthorized(check.reason);
      const user = site.users.get(app.appUserAccountId);
      if (!user) return unauthorized('app user missing');
      caller = { kind: 'app', app, user };
    } else if (header.startsWith('Bearer ') && options.bearer) {
      const outcome = options.bearer.authenticate(header.slice('Bearer '.length).trim());
      if (!outcome.ok) return outcome.status === 403 ? jiraError(403, [outcome.reason]) : unauthorized(outcome.reason);
      caller = outcome.caller;
    } else if (header.startsWith('Basic ')) {
      const request = { header, onGateway: gatewayBaseUrl !== undefined, method: c.req.method, pathname: new URL(c.req.url).pathname };
      const outcome = authenticateBasic(site, request, options.apiTokens ?? defaultApiTokenOptions);
      if (!outcome.ok) return outcome.scope ? jiraError(outcome.status, [outcome.reason]) : unauthorized(outcome.reason);
      caller = outcome.caller;
    } else {
      return unauthorized(header === '' ? 'no credentials' : 'unsupported scheme');
    }
    c.set('caller', caller);
    c.set('gatewayBaseUrl', gatewayBaseUrl);
    await next();
  };
}
