import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../../platform/app-error.js';
import { CONTEXT_QSH } from './qsh.js';

/**
 * The claims of a verified Connect JWT (jira-connect-protocol.md §4.1). `iss` is the tenant's
 * clientKey on product→app calls and the app key on app→product calls.
 */
export interface ConnectClaims {
  iss: string;
  sub?: string;
  aud?: string | string[];
  qsh: string;
  iat?: number;
  exp: number;
  context?: unknown;
}

/** Header and claims of a token read WITHOUT verification: use only to pick the key (`iss`, `kid`). */
export interface UnverifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** The two places a Connect token travels in (§4.1 "Transport"); a narrow view of Hono's `c.req`. */
export interface TokenCarrier {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

/** Longest token accepted (8 KiB): bounds the work an unauthenticated caller can cause. */
export const MAX_TOKEN_LENGTH = 8192;
const DEFAULT_LEEWAY_SECONDS = 30;
/** Header fields that would let the token choose its own key (security-and-reliability.md §2.3). */
const KEY_SELECTING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

function invalid(reason: string): AppError {
  return new AppError('AUTH_INVALID', reason);
}

/**
 * Takes the Connect token from `Authorization: JWT <token>` or, only when `allowQuery` (iframe page
 * loads), from `?jwt=`. Guarantees: the token is non-empty and at most {@link MAX_TOKEN_LENGTH}
 * characters; two different tokens in header and query are refused (AUTH_INVALID); no token at all
 * is AUTH_MISSING. A `?jwt=` on a route that does not allow it is ignored, never read.
 */
export function extractToken(request: TokenCarrier, allowQuery: boolean): string {
  const authorization = request.header('authorization');
  let fromHeader: string | undefined;
  if (authorization !== undefined && /^JWT(\s|$)/i.test(authorization.trim())) {
    fromHeader = authorization.trim().slice(3).trim();
    if (fromHeader === '' || /\s/.test(fromHeader)) throw invalid('malformed JWT Authorization header');
  }
  const fromQuery = allowQuery ? request.query('jwt') : undefined;
  if (fromQuery === '') throw invalid('empty jwt query parameter');
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw invalid('token in header and query disagree');
  }
  const token = fromHeader ?? fromQuery;
  if (token === undefined) throw new AppError('AUTH_MISSING', 'no Connect JWT in the request');
  checkLength(token);
  return token;
}

function checkLength(token: string): void {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid('token too long');
}

/**
 * Decodes header and claims WITHOUT checking the signature, to choose the verification key (`iss`
 * → tenant, `kid` → install key). Nothing read here may be trusted before a verify* call succeeds.
 * Throws AUTH_INVALID for anything that is not a compact JWS with JSON object header and claims.
 */
export function decodeUnverified(token: string): UnverifiedToken {
  checkLength(token);
  try {
    return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
  } catch {
    throw invalid('malformed token');
  }
}

/** What {@link verifySymmetricToken} checks a token against. */
export interface SymmetricVerifyInput {
  token: string;
  /** The tenant's sharedSecret from its verified install record. */
  secret: string;
  nowSeconds: number;
  leewaySeconds?: number;
  /** The route's token class: bound to this request's qsh, or a context token (§4.3 step 5). */
  expected: { qsh: string } | { contextQsh: true };
}

/**
 * Verifies a product→app HS256 Connect JWT (jira-connect-protocol.md §4.3). Guarantees on return:
 * header `alg` is HS256 and names no key (`kid`, `jku`, `x5u`, `jwk`, `x5c` refused); the signature
 * matches `secret`; `exp` is present and not passed, `nbf` (if any) and `iat` are not in the future
 * (both within `leewaySeconds`, default 30); `qsh` equals `expected.qsh` and is never `context-qsh`
 * on a URL-bound check, or is exactly `context-qsh` on a context check. Every refusal is AUTH_INVALID
 * with a reason that never contains the token or the secret. The caller must still check `iss`.
 */
export async function verifySymmetricToken(input: SymmetricVerifyInput): Promise<ConnectClaims> {
  const { header } = decodeUnverified(input.token);
  if (header.alg !== 'HS256') throw invalid('algorithm not accepted');
  if ('kid' in header) throw invalid('key id not accepted on a shared-secret token');
  rejectKeySelectingHeaders(header);
  if (input.secret === '') throw invalid('no shared secret for this tenant');
  const payload = await verifyWithJose(input.token, new TextEncoder().encode(input.secret), 'HS256', input);
  const claims = toConnectClaims(payload, input.nowSeconds, input.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS);
  if ('contextQsh' in input.expected) {
    if (claims.qsh !== CONTEXT_QSH) throw invalid('route accepts only context tokens');
  } else {
    if (claims.qsh === CONTEXT_QSH) throw invalid('context token not accepted on this route');
    if (claims.qsh !== input.expected.qsh) throw invalid('qsh does not match the request');
  }
  return claims;
}

/** What {@link verifyAsymmetricToken} checks a token against. */
export interface AsymmetricVerifyInput {
  token: string;
  /** The RSA public key (PEM) fetched from the install-keys service for the token's `kid`. */
  publicKeyPem: string;
  nowSeconds: number;
  leewaySeconds?: number;
  /** Tally's descriptor baseUrl; a trailing '/' on either side is ignored. */
  expectedAudience: string;
  /** The qsh of this request, e.g. of `POST&/installed&` relative to the descriptor baseUrl. */
  expectedQsh: string;
}

/**
 * Verifies an RS256 signed-install lifecycle token (jira-connect-protocol.md §4.5). Guarantees on
 * return: header `alg` is RS256 whatever else the token claims (an HS256 token keyed with the
 * public key is refused: CVE-2016-10555, security-and-reliability.md §2.3); no `jku`/`x5u`/`jwk`/
 * `x5c`; the signature matches the RSA key; `exp` present and not passed, `iat`/`nbf` not in the
 * future; `aud` (string, or array whose FIRST element counts) equals `expectedAudience`; `qsh`
 * equals `expectedQsh`. Every refusal is AUTH_INVALID. The caller must check `iss == body.clientKey`.
 */
export async function verifyAsymmetricToken(input: AsymmetricVerifyInput): Promise<ConnectClaims> {
  const { header } = decodeUnverified(input.token);
  if (header.alg !== 'RS256') throw invalid('algorithm not accepted');
  rejectKeySelectingHeaders(header);
  const payload = await verifyWithJose(input.token, importRsaPublicKey(input.publicKeyPem), 'RS256', input);
  const claims = toConnectClaims(payload, input.nowSeconds, input.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS);
  const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (audience === undefined || stripSlash(audience) !== stripSlash(input.expectedAudience)) {
    throw invalid('token is meant for another audience');
  }
  if (claims.qsh === CONTEXT_QSH || claims.qsh !== input.expectedQsh) throw invalid('qsh does not match the request');
  return claims;
}

/** What {@link signSymmetricToken} signs. */
export interface SymmetricSignInput {
  claims: ConnectClaims;
  secret: string;
}

/**
 * Signs `claims` as a compact HS256 JWT with header `{"typ":"JWT","alg":"HS256"}` — the form
 * Atlassian's hosts verify (§4.1, §4.4). Synchronous (node:crypto HMAC; jose only signs
 * asynchronously) so the request signer port stays a plain function; interop with jose,
 * atlassian-jwt and the simulator is tested. Deterministic for the same claims and secret.
 */
export function signSymmetricToken(input: SymmetricSignInput): string {
  if (input.secret === '') throw new AppError('INTERNAL', 'refusing to sign with an empty shared secret');
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const signingInput = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode(input.claims)}`;
  const signature = createHmac('sha256', input.secret).update(signingInput, 'utf8').digest('base64url');
  return `${signingInput}.${signature}`;
}

function rejectKeySelectingHeaders(header: Readonly<Record<string, unknown>>): void {
  for (const field of KEY_SELECTING_HEADERS) {
    if (field in header) throw invalid(`header field ${field} not accepted`);
  }
}

function importRsaPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalid('install public key is unusable');
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid('install public key is not an RSA key');
  return key;
}

/**
 * Signature, `exp` and `nbf` via jose with the algorithm fixed by the caller. The jose error is
 * not attached as `cause`: it carries the token's claims, which must not reach logs.
 */
async function verifyWithJose(
  token: string,
  key: Uint8Array | KeyObject,
  algorithm: 'HS256' | 'RS256',
  clock: { nowSeconds: number; leewaySeconds?: number },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [algorithm],
      clockTolerance: clock.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS,
      currentDate: new Date(clock.nowSeconds * 1000),
    });
    return payload;
  } catch (error) {
    throw invalid(joseFailureReason(error));
  }
}

function joseFailureReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' && error.reason === 'check_failed' ? 'token not yet valid' : `claim ${error.claim} is malformed`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not accepted';
  return 'malformed token';
}

function toConnectClaims(payload: JWTPayload, nowSeconds: number, leewaySeconds: number): ConnectClaims {
  const { iss, sub, aud, iat, exp, qsh } = payload;
  if (typeof exp !== 'number') throw invalid('exp claim missing');
  if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + leewaySeconds)) {
    throw invalid('token issued in the future');
  }
  if (typeof iss !== 'string' || iss === '') throw invalid('iss claim missing');
  if (typeof qsh !== 'string' || qsh === '') throw invalid('qsh claim missing');
  if (sub !== undefined && typeof sub !== 'string') throw invalid('sub claim malformed');
  if (aud !== undefined && typeof aud !== 'string' && !isStringArray(aud)) throw invalid('aud claim malformed');
  const claims: ConnectClaims = { iss, qsh, exp };
  if (sub !== undefined) claims.sub = sub;
  if (aud !== undefined) claims.aud = aud;
  if (iat !== undefined) claims.iat = iat;
  if ('context' in payload) claims.context = payload.context;
  return claims;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
