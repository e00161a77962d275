import type { Kysely } from 'kysely';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import { decodeUnverified, verifySymmetricToken, type ConnectClaims } from '../kit/atlassian-jwt.js';
import { queryStringHash } from '../kit/qsh.js';
import type { ConnectInstallationRow, ConnectInstallationRows } from './connect-installation-rows.js';

/** Clock skew tolerated on every token Bitbucket sends. */
export const LEEWAY_SECONDS = 30;

/** What verifying a Bitbucket → Tally token needs. */
export interface RequestTokenDeps {
  db: Kysely<any>;
  rows: Pick<ConnectInstallationRows, 'findByClientKey'>;
  clock: Clock;
  /** The path of Tally's base URL (`''` or e.g. `/tally`): Bitbucket's qsh is relative to the app's baseUrl. */
  baseUrlPath: string;
}

/** A request as its qsh sees it. */
export interface SignedRequest {
  token: string;
  method: string;
  /** Path and query as received (`/bitbucket/pr-panel?repo=…&jwt=…`). */
  pathAndQuery: string;
}

/**
 * Verifies a Bitbucket → Tally JWT (bitbucket-cloud.md §1.4): HS256 with the STORED shared secret
 * of the installation its `iss` names, `iss` = that clientKey, `exp` not passed, and `qsh` equal to
 * this exact request (method, path relative to the baseUrl, every query parameter but `jwt`) — so
 * no parameter can be changed after Bitbucket signed it. The installation comes from the verified
 * `iss` only. Every refusal is AUTH_INVALID; an unknown clientKey is indistinguishable from a bad
 * signature. When `clientKey` is given, the token must be that installation's (lifecycle calls).
 */
export async function verifyBitbucketRequest(
  deps: RequestTokenDeps,
  request: SignedRequest,
  clientKey?: string,
): Promise<{ installation: ConnectInstallationRow; claims: ConnectClaims }> {
  const { claims: unverified } = decodeUnverified(request.token);
  const issuer = unverified.iss;
  if (typeof issuer !== 'string' || issuer === '') throw new AppError('AUTH_INVALID', 'Token has no issuer');
  if (clientKey !== undefined && issuer !== clientKey) throw new AppError('AUTH_INVALID', 'Token issuer is not the installation named');
  const installation = await deps.rows.findByClientKey(deps.db, issuer);
  if (!installation) throw new AppError('AUTH_INVALID', 'Unknown installation');
  const claims = await verifySymmetricToken({
    token: request.token,
    secret: installation.sharedSecret,
    nowSeconds: Math.floor(deps.clock.nowMs() / 1000),
    leewaySeconds: LEEWAY_SECONDS,
    expected: { qsh: queryStringHash(request.method, request.pathAndQuery, deps.baseUrlPath) },
  });
  if (claims.iss !== installation.clientKey) throw new AppError('AUTH_INVALID', 'Token issuer is not the installation');
  return { installation, claims };
}

/** The path and query of a request URL as the qsh reads them. */
export function pathAndQueryOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
