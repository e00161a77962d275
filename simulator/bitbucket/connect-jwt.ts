import { decodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import { expectedQsh, peekJwt } from '../auth/connect-jwt.js';
import type { BbConnectInstallation, BitbucketModel } from './bitbucket-model.js';

/** The installation a verified app JWT speaks for, or why it was refused. */
export type BitbucketJwtCheck = { ok: true; installation: BbConnectInstallation } | { ok: false; reason: string };

/** What {@link verifyBitbucketAppJwt} needs; `pathAndQuery` starts at `/2.0/…`. */
export interface VerifyBitbucketJwtInput {
  token: string;
  method: string;
  pathAndQuery: string;
  nowSeconds: number;
  leewaySeconds: number;
}

/**
 * Verifies an app → Bitbucket REST JWT. Bitbucket expects `{iss: <app key>, sub: <clientKey>,
 * iat, exp, qsh}` (bitbucket-cloud.md §1.4, jira-connect-protocol.md §8: `sub` replaces Jira's
 * `aud`), HS256 with the installation's shared secret, seconds for `iat`/`exp`, and the exact
 * `qsh` of this request computed by `atlassian-jwt` on the `/2.0/…` path. The installation comes
 * from `sub`; an `iss` other than that installation's app key is refused.
 */
export function verifyBitbucketAppJwt(model: BitbucketModel, input: VerifyBitbucketJwtInput): BitbucketJwtCheck {
  const peeked = peekJwt(input.token);
  if (!peeked) return { ok: false, reason: 'malformed token' };
  if (peeked.header.alg !== 'HS256') return { ok: false, reason: `algorithm ${String(peeked.header.alg)} not accepted` };
  const clientKey = peeked.claims.sub;
  if (typeof clientKey !== 'string') return { ok: false, reason: 'sub claim missing' };
  const installation = model.findInstallation(clientKey);
  if (!installation) return { ok: false, reason: 'unknown client key' };
  let claims: Record<string, unknown>;
  try {
    claims = decodeSymmetric(input.token, installation.sharedSecret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'signature verification failed' };
  }
  if (claims.iss !== installation.appKey) return { ok: false, reason: 'iss is not the installed app key' };
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'exp claim missing' };
  if (input.nowSeconds > claims.exp + input.leewaySeconds) return { ok: false, reason: 'token expired' };
  if (typeof claims.iat === 'number' && claims.iat > input.nowSeconds + input.leewaySeconds) return { ok: false, reason: 'token issued in the future' };
  if (typeof claims.qsh !== 'string' || claims.qsh !== expectedQsh(input.method, input.pathAndQuery)) {
    return { ok: false, reason: 'qsh does not match the request' };
  }
  return { ok: true, installation };
}
