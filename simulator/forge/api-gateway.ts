import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { jiraError } from '../http/jira-error.js';
import type { SimEnv } from '../http/sim-env.js';

/** The gateway path prefix: `https://api.atlassian.com/ex/jira/{cloudId}` (`remote/calling-product-apis`). */
export const GATEWAY_PREFIX = '/ex/jira/';

/** What the simulator remembers about one request that came through the gateway. */
export interface GatewayRequest {
  /** Set by the bearer authentication: the installation whose token made the request (bare uuid). */
  installationUuid: string | undefined;
  /** `{origin}/ex/jira/{cloudId}` as the client called it: the base of links that name the gateway. */
  baseUrl: string;
}

/** The simulated `api.atlassian.com/ex/jira/{cloudId}` front door. */
export interface ForgeApiGateway {
  /** Hono middleware for `/ex/jira/*`, mounted before everything else (faults included). */
  readonly middleware: MiddlewareHandler<SimEnv>;
  /** The gateway request being handled in this async context, if any. */
  current(): GatewayRequest | undefined;
  /** Runs `fn` outside any gateway request, so work it starts (deliveries) does not inherit one. */
  outside<T>(fn: () => T): T;
}

/** What the gateway needs: the site's cloud id and the simulator app to hand the request to. */
export interface ForgeApiGatewayDeps {
  cloudId: string;
  /** The simulator app's own `fetch` (faults, authentication, limits and routes run there). */
  dispatch(request: Request, env: SimEnv['Bindings'] | undefined): Response | Promise<Response>;
}

/**
 * Serves the site's REST API under `/ex/jira/{cloudId}/rest/…` (Forge tokens, scoped API tokens): the prefix is stripped and the
 * request re-enters the simulator app, so routes, rate limits and faults are the very same as on
 * the site URL. A wrong cloud id, or a path outside `/rest/`, answers 404. The request runs in an
 * async context the bearer authentication marks, which is how the site's worklog events learn
 * that an installation's token caused them (`selfGenerated`).
 */
export function createForgeApiGateway(deps: ForgeApiGatewayDeps): ForgeApiGateway {
  const requests = new AsyncLocalStorage<GatewayRequest>();

  const middleware: MiddlewareHandler<SimEnv> = async (c, next) => {
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith(GATEWAY_PREFIX)) return next();
    const rest = url.pathname.slice(GATEWAY_PREFIX.length);
    const slash = rest.indexOf('/');
    const cloudId = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '' : rest.slice(slash);
    if (cloudId !== deps.cloudId || !path.startsWith('/rest/')) {
      return jiraError(404, [cloudId !== deps.cloudId ? 'No Jira site with this cloud id.' : 'No resource found at this path.']);
    }
    const raw = c.req.raw;
    const hasBody = raw.method !== 'GET' && raw.method !== 'HEAD';
    const inner = new Request(`${url.origin}${path}${url.search}`, {
      method: raw.method,
      headers: raw.headers,
      body: hasBody ? await raw.arrayBuffer() : undefined,
      signal: raw.signal,
    });
    const baseUrl = `${url.origin}${GATEWAY_PREFIX}${cloudId}`;
    return requests.run({ installationUuid: undefined, baseUrl }, () => deps.dispatch(inner, c.env));
  };

  return {
    middleware,
    current: () => requests.getStore(),
    outside: (fn) => requests.exit(fn),
  };
}
