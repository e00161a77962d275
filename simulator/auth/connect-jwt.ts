import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';

/** The outcome of checking a Connect JWT: the claims, or why it was refused. */
export type JwtCheck = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Decodes the header and claims of a JWT without verifying it; undefined when malformed. */
export function peekJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return undefined;
    return { header: header as Record<string, unknown>, claims: claims as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The query string hash Jira expects for a request (path and query relative to the site). */
export function expectedQsh(method: string, pathAndQuery: string): string {
  return createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), pathAndQuery), false, '');
}

/** What {@link verifyConnectJwt} needs; `pathAndQuery` is relative to the site's base URL. */
export interface VerifyJwtInput {
  token: string;
  method: string;
  pathAndQuery: string;
  secret: string;
  nowSeconds: number;
  leewaySeconds: number;
}

/**
 * Verifies a symmetric Connect JWT as Jira does for an app's REST call: HS256 only (whatever the
 * header claims), signature with the installation's shared secret, `exp` and `iat` with leeway,
 * and a `qsh` that equals the hash of this exact request. A `context-qsh` token is refused: it is
 * not bound to a URL (jira-connect-protocol.md §4.3).
 */
export function verifyConnectJwt(input: VerifyJwtInput): JwtCheck {
  const peeked = peekJwt(input.token);
  if (!peeked) return { ok: false, reason: 'malformed token' };
  if (peeked.header.alg !== 'HS256') return { ok: false, reason: `algorithm ${String(peeked.header.alg)} not accepted` };
  let claims: Record<string, unknown>;
  try {
    claims = decodeSymmetric(input.token, input.secret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'signature verification failed' };
  }
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'exp claim missing' };
  if (input.nowSeconds > claims.exp + input.leewaySeconds) return { ok: false, reason: 'token expired' };
  if (typeof claims.iat === 'number' && claims.iat > input.nowSeconds + input.leewaySeconds) {
    return { ok: false, reason: 'token issued in the future' };
  }
  if (typeof claims.qsh !== 'string') return { ok: false, reason: 'qsh claim missing' };
  if (claims.qsh === 'context-qsh') return { ok: false, reason: 'context token not accepted for REST calls' };
  if (claims.qsh !== expectedQsh(input.method, input.pathAndQuery)) return { ok: false, reason: 'qsh does not match the request' };
  return { ok: true, claims };
}
