import type { BitbucketAuthorizer } from '../../bitbucket/bitbucket-time-ports.js';
import type { Clock } from '../../platform/clock.js';
import { signSymmetricToken } from '../kit/atlassian-jwt.js';
import { queryStringHash } from '../kit/qsh.js';

/** Lifetime of Tally's tokens to Bitbucket: short, and within the 180 s Bitbucket's own tokens use. */
export const OUTBOUND_TOKEN_SECONDS = 120;

/**
 * Signs each call to Bitbucket's REST 2.0 as the installation (bitbucket-cloud.md §1.4,
 * jira-connect-protocol.md §8): `Authorization: JWT <HS256>` with `iss` = the app key, `sub` = the
 * clientKey (Bitbucket's replacement for Jira's `aud`), `qsh` over the request relative to the API
 * base URL, and `iat`/`exp` in SECONDS (landkid's milliseconds are a bug not copied here).
 */
export function connectAuthorizer(input: { appKey: string; clientKey: string; sharedSecret: string; baseApiUrl: string; clock: Clock }): BitbucketAuthorizer {
  const basePath = new URL(input.baseApiUrl).pathname.replace(/\/+$/, '');
  return async ({ method, url }) => {
    const iat = Math.floor(input.clock.nowMs() / 1000);
    const qsh = queryStringHash(method, url.pathname + url.search, basePath);
    return `JWT ${signSymmetricToken({ secret: input.sharedSecret, claims: { iss: input.appKey, sub: input.clientKey, qsh, iat, exp: iat + OUTBOUND_TOKEN_SECONDS } })}`;
  };
}
