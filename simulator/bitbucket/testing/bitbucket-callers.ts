import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import type { BbConnectInstallation } from '../bitbucket-model.js';

/** `Authorization` for Basic `email:token`. */
export function basicAuthorization(credentials: { email: string; token: string }): string {
  return `Basic ${Buffer.from(`${credentials.email}:${credentials.token}`).toString('base64')}`;
}

/**
 * `Authorization: JWT …` as a Connect app calls Bitbucket: `{iss: app key, sub: clientKey, iat,
 * exp, qsh}` signed HS256 with the shared secret (bitbucket-cloud.md §1.4). `claims` overrides
 * any claim (`undefined` removes it), to build wrong tokens.
 */
export function appJwtAuthorization(
  installation: BbConnectInstallation,
  method: string,
  pathAndQuery: string,
  nowMs: number,
  claims: Record<string, unknown> = {},
): string {
  const iat = Math.floor(nowMs / 1000);
  const payload: Record<string, unknown> = {
    iss: installation.appKey,
    sub: installation.clientKey,
    iat,
    exp: iat + 180,
    qsh: createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, ''),
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
  return `JWT ${encodeSymmetric(payload, installation.sharedSecret, SymmetricAlgorithm.HS256)}`;
}
