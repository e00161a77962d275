import { AppError } from '../../platform/app-error.js';
import { signSymmetricToken } from '../kit/atlassian-jwt.js';
import { CONTEXT_QSH } from '../kit/qsh.js';

/** How long a session token lives: as long as Jira's own context tokens (about 15 minutes). */
export const SESSION_TOKEN_SECONDS = 15 * 60;

/**
 * The absolute lifetime of a session: how long after Jira last authenticated the user (the `iat`
 * of a Jira-issued token) session tokens may still be minted from session tokens. A page kept
 * open longer must come back through Jira (`AP.context.getToken()` or a page load), which
 * restarts the clock.
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/**
 * The claim that carries the time (epoch seconds) of the Jira-issued token a session descends
 * from. Only Tally's session tokens carry it; Jira's tokens never do (jira-connect-protocol.md §4.1
 * lists their claims), which is how the two are told apart.
 */
export const AUTH_TIME_CLAIM = 'auth_time';

/** What a session token is minted from: a request that was just authenticated. */
export interface SessionTokenInput {
  clientKey: string;
  sharedSecret: string;
  accountId: string | undefined;
  /** When Jira authenticated the user, from {@link sessionAuthTimeSeconds} of the verified token. */
  authTimeSeconds: number;
  nowSeconds: number;
}

/**
 * When Jira authenticated the user behind a verified token: its `auth_time` when it is one of
 * Tally's session tokens, else (a Jira-issued token) its `iat`, or now when it has none. Call only
 * with the claims of a token whose signature was verified. Throws AUTH_INVALID when `auth_time`
 * is malformed or in the future, or when the session is older than {@link SESSION_MAX_AGE_SECONDS}
 * — so an expired session is neither accepted nor renewed.
 */
export function sessionAuthTimeSeconds(claims: Readonly<Record<string, unknown>>, nowSeconds: number, leewaySeconds: number): number {
  const authTime = claims[AUTH_TIME_CLAIM];
  let seconds: number;
  if (authTime === undefined) {
    seconds = typeof claims.iat === 'number' ? Math.min(claims.iat, nowSeconds) : nowSeconds;
  } else {
    if (typeof authTime !== 'number' || !Number.isInteger(authTime) || authTime > nowSeconds + leewaySeconds) {
      throw new AppError('AUTH_INVALID', 'auth_time claim is malformed');
    }
    seconds = authTime;
  }
  if (nowSeconds - seconds > SESSION_MAX_AGE_SECONDS) {
    throw new AppError('AUTH_INVALID', 'session reached its absolute lifetime; reload the page in Jira');
  }
  return seconds;
}

/**
 * A context-class token for Tally's own page when it runs outside Jira (the demo) or between
 * `AP.context.getToken()` calls: HS256 with the tenant's shared secret, `iss` = client key,
 * `sub` = the verified user, `qsh` = `context-qsh` — the same pattern as Atlassian's ACE
 * framework (its `X-acpt` tokens). It is minted only from a token Tally has just verified, so it
 * proves nothing that request did not; it carries the same tenant and user, and the same
 * `auth_time`. It expires after {@link SESSION_TOKEN_SECONDS}, and never later than
 * {@link SESSION_MAX_AGE_SECONDS} after `auth_time`, so renewing it cannot extend a session.
 */
export function mintSessionToken(input: SessionTokenInput): string {
  const claims = {
    iss: input.clientKey,
    ...(input.accountId ? { sub: input.accountId } : {}),
    qsh: CONTEXT_QSH,
    iat: input.nowSeconds,
    exp: Math.min(input.nowSeconds + SESSION_TOKEN_SECONDS, input.authTimeSeconds + SESSION_MAX_AGE_SECONDS),
    [AUTH_TIME_CLAIM]: input.authTimeSeconds,
  };
  return signSymmetricToken({ secret: input.sharedSecret, claims });
}
