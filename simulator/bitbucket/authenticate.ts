import type { MiddlewareHandler } from 'hono';
import type { BbAppUser, BbUser, BitbucketModel } from './bitbucket-model.js';
import { verifyBitbucketAppJwt } from './connect-jwt.js';
import { bitbucketError } from './bitbucket-error.js';

/**
 * Who a request speaks for. `user`: an Atlassian account (API token, Forge user token). `app`: an
 * app acting for the workspace it is installed in — a Connect JWT (`GET /2.0/user` answers the
 * workspace's team account) or a Forge system token (`appUser`: the Forge app's bot account).
 * `rateKey` is what the rate limiter counts against.
 */
export type BitbucketPrincipal =
  | { readonly kind: 'user'; readonly user: BbUser; readonly rateKey: string }
  | { readonly kind: 'app'; readonly via: 'connect' | 'forge'; readonly workspaceUuid: string; readonly rateKey: string; readonly appUser?: BbAppUser };

/**
 * The extension point for `Authorization: Bearer …` (Forge remotes, OAuth access tokens): returns
 * the principal, or undefined for an invalid token (401). Without one, every bearer is a 401.
 */
export type BearerAuthenticator = (token: string, request: Request) => BitbucketPrincipal | undefined;

/** Hono variables of the Bitbucket app: the principal, undefined for an anonymous request. */
export interface BitbucketEnv {
  Variables: { principal: BitbucketPrincipal | undefined };
}

/** What the middleware needs. */
export interface BitbucketAuthOptions {
  model: BitbucketModel;
  nowMs: () => number;
  leewaySeconds: number;
  bearer?: BearerAuthenticator;
}

function decodeBasic(value: string): { email: string; token: string } | undefined {
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 1 ? undefined : { email: text.slice(0, colon), token: text.slice(colon + 1) };
}

// Bitbucket answers a bad credential with 401 whatever the resource (even a public one). The
// message is [UNVERIFIED]; the detail never echoes the credential.
const refuse = () => bitbucketError(401, 'Invalid or expired credentials');

/**
 * Authenticates `/2.0/*`: no `Authorization` → anonymous (routes decide what that may see);
 * `Basic email:token` → the token's user while it is live; `JWT …` → the Connect installation
 * named by `sub` (see `verifyBitbucketAppJwt`); `Bearer …` → the `bearer` extension point.
 * Anything else, or any failure, is a 401 before a route runs.
 */
export function createBitbucketAuth(options: BitbucketAuthOptions): MiddlewareHandler<BitbucketEnv> {
  if (!(options.leewaySeconds >= 0)) throw new RangeError('leewaySeconds must be at least 0');
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.set('principal', undefined);
      return next();
    }
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const credential = header.slice(space + 1).trim();
    let principal: BitbucketPrincipal | undefined;
    if (space > 0 && scheme === 'basic') {
      const pair = decodeBasic(credential);
      const user = pair && options.model.findUserByCredentials(pair.email, pair.token);
      if (user) principal = { kind: 'user', user, rateKey: `user:${user.uuid}` };
    } else if (space > 0 && scheme === 'jwt') {
      const url = new URL(c.req.url);
      const check = verifyBitbucketAppJwt(options.model, {
        token: credential,
        method: c.req.method,
        pathAndQuery: url.pathname + url.search,
        nowSeconds: Math.floor(options.nowMs() / 1000),
        leewaySeconds: options.leewaySeconds,
      });
      // How Bitbucket counts Connect calls is [UNVERIFIED] (§3); per installation here.
      if (check.ok) principal = { kind: 'app', via: 'connect', workspaceUuid: check.installation.workspaceUuid, rateKey: `connect:${check.installation.clientKey}` };
    } else if (space > 0 && scheme === 'bearer' && options.bearer) {
      principal = options.bearer(credential, c.req.raw);
    }
    if (!principal) return refuse();
    c.set('principal', principal);
    return next();
  };
}
