import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { ConnectCredentials, ConnectInstallationStore } from './connect-installation-store.js';
import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { decodeUnverified, extractToken, verifyAsymmetricToken, verifySymmetricToken } from '../kit/atlassian-jwt.js';
import { queryStringHash } from '../kit/qsh.js';
import { mintSessionToken, sessionAuthTimeSeconds } from './session-token.js';

/**
 * How a route is authenticated (security-and-reliability.md §2.2–2.3):
 * - `lifecycle`: `installed`/`uninstalled`, RS256 signed by Atlassian, key fetched by `kid`;
 * - `server`: HS256 with the tenant's shared secret and the exact `qsh` of the request
 *   (webhooks, `enabled`/`disabled`, iframe page loads);
 * - `context`: HS256 with `qsh = context-qsh`, from `AP.context.getToken()` in Tally's own page.
 * The algorithm and key always come from the route, never from the token.
 */
export type TokenClass = 'lifecycle' | 'server' | 'context';

/** What {@link connectAuth} needs; built once in `createApp`. */
export interface ConnectAuthDeps {
  installations: Pick<ConnectInstallationStore, 'findCredentialsByClientKey'>;
  installKeys: { getPublicKeyPem(kid: string): Promise<string> };
  clock: Clock;
  /** Tally's base URL: the `aud` of signed installs. */
  baseUrl: string;
  /** Clock skew tolerated on `exp`/`iat`/`nbf`. */
  leewaySeconds: number;
}

/** Options of one route's authentication. */
export interface ConnectAuthOptions {
  tokenClass: TokenClass;
  /** Accept `?jwt=` (iframe page loads only); otherwise only `Authorization: JWT`. */
  allowQueryToken?: boolean;
  /**
   * Mint a session token (session-token.ts) for the verified tenant and user: available to the
   * handler as `sessionToken` and sent back on a successful answer as `X-Tally-Token`.
   */
  issueSessionToken?: boolean;
  /**
   * How the verified viewer may write to Jira as themselves (`viewerWriteAccess`), or why not.
   * Called after verification; it must not call Jira (the exchange happens on the first write).
   */
  writeAccess?: (credentials: ConnectCredentials, accountId: string | undefined) => { access: TenantJiraAccess | undefined; reason: string | undefined };
}

/** The response header that carries a fresh session token. */
export const SESSION_TOKEN_HEADER = 'X-Tally-Token';

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/**
 * Builds the authentication middleware of one route. On success it sets `tenant` (from the
 * verified `iss` only; for lifecycle routes the issuer is kept for the handler to match against
 * the body) and `accountId` (from `sub`). Every failure is a 401 `AUTH_*` error and reaches no
 * handler; an unknown or uninstalled tenant is indistinguishable from a bad signature. A session
 * token older than its absolute lifetime (session-token.ts) is refused and never renewed.
 */
export function connectAuth(deps: ConnectAuthDeps, options: ConnectAuthOptions): MiddlewareHandler<TallyEnv> {
  if (options.allowQueryToken && options.tokenClass !== 'server') {
    throw new Error('only server tokens (iframe page loads) may arrive in the query string');
  }
  return async (c, next) => {
    const token = extractToken({ header: (name) => c.req.header(name), query: (name) => c.req.query(name) }, options.allowQueryToken ?? false);
    const nowSeconds = Math.floor(deps.clock.nowMs() / 1000);
    const requestQsh = queryStringHash(c.req.method, pathAndQuery(c.req.url));

    if (options.tokenClass === 'lifecycle') {
      const { header } = decodeUnverified(token);
      if (typeof header.kid !== 'string') throw new AppError('AUTH_INVALID', 'Lifecycle token has no key id');
      const publicKeyPem = await deps.installKeys.getPublicKeyPem(header.kid);
      const claims = await verifyAsymmetricToken({
        token,
        publicKeyPem,
        nowSeconds,
        leewaySeconds: deps.leewaySeconds,
        expectedAudience: deps.baseUrl,
        expectedQsh: requestQsh,
      });
      c.set('lifecycleIssuer', claims.iss);
      c.set('accountId', claims.sub);
      await next();
      return;
    }

    const { claims: unverified } = decodeUnverified(token);
    if (typeof unverified.iss !== 'string' || unverified.iss === '') throw new AppError('AUTH_INVALID', 'Token has no issuer');
    const credentials = await deps.installations.findCredentialsByClientKey(unverified.iss);
    if (!credentials || credentials.tenant.state !== 'installed') {
      throw new AppError('AUTH_INVALID', 'Unknown or uninstalled tenant');
    }
    const claims = await verifySymmetricToken({
      token,
      secret: credentials.sharedSecret,
      nowSeconds,
      leewaySeconds: deps.leewaySeconds,
      expected: options.tokenClass === 'context' ? { contextQsh: true } : { qsh: requestQsh },
    });
    // A context route accepts Tally's session tokens too, so it checks their absolute lifetime;
    // the claims read unverified above are now verified (the same token), `auth_time` included.
    const authTimeSeconds = options.tokenClass === 'context' || options.issueSessionToken ? sessionAuthTimeSeconds(unverified, nowSeconds, deps.leewaySeconds) : undefined;
    c.set('tenant', credentials.tenant);
    c.set('accountId', claims.sub);
    if (options.writeAccess) {
      const write = options.writeAccess(credentials, claims.sub);
      c.set('viewerWriteAccess', write.access);
      c.set('viewerWriteUnavailableReason', write.reason);
    }
    if (!options.issueSessionToken || authTimeSeconds === undefined) {
      await next();
      return;
    }
    const sessionToken = mintSessionToken({
      clientKey: credentials.clientKey,
      sharedSecret: credentials.sharedSecret,
      accountId: claims.sub,
      authTimeSeconds,
      nowSeconds,
    });
    c.set('sessionToken', sessionToken);
    await next();
    if (c.res.status < 400) c.res.headers.set(SESSION_TOKEN_HEADER, sessionToken);
  };
}
