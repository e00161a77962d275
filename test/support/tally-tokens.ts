import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';

/** What a product→app HS256 token is about. */
export interface HostTokenInput {
  clientKey: string;
  sharedSecret: string;
  nowMs: number;
  /** Atlassian account id of the acting user (`sub`). */
  accountId?: string;
  lifetimeSeconds?: number;
}

/**
 * A context token as `AP.context.getToken()` gives Tally's page (`qsh: context-qsh`), made with
 * Atlassian's own atlassian-jwt library so Tally is checked against an independent signer.
 */
export function contextToken(input: HostTokenInput, extraClaims: Record<string, unknown> = {}): string {
  const iat = Math.floor(input.nowMs / 1000);
  return encodeSymmetric(
    { iss: input.clientKey, sub: input.accountId, iat, exp: iat + (input.lifetimeSeconds ?? 900), qsh: 'context-qsh', ...extraClaims },
    input.sharedSecret,
  );
}

/** A server token bound to one request (`qsh` of method, path and query), as Jira signs iframe loads and webhooks. */
export function serverToken(input: HostTokenInput & { method: string; pathAndQuery: string }, extraClaims: Record<string, unknown> = {}): string {
  const iat = Math.floor(input.nowMs / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(input.method.toUpperCase(), input.pathAndQuery), false, '');
  return encodeSymmetric(
    { iss: input.clientKey, sub: input.accountId, iat, exp: iat + (input.lifetimeSeconds ?? 180), qsh, ...extraClaims },
    input.sharedSecret,
  );
}
