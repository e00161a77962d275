import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SimClock } from '../sim-clock.js';

/** Whose token: the app's bot user (`x-forge-oauth-system`) or the user in session (`x-forge-oauth-user`). */
export type OAuthTokenKind = 'system' | 'user';

/** What the simulator reads back from a token it issued. */
export interface OAuthTokenClaims {
  kind: OAuthTokenKind;
  /** Bare uuid of the installation the token was issued for. */
  installationUuid: string;
  /** The account the token acts as (the app user for system tokens). */
  accountId: string;
  expMs: number;
}

/** Issues, caches and verifies the simulated Forge OAuth tokens. */
export interface OAuthTokenIssuer {
  /**
   * The token Forge would deliver now for (kind, installation, account): the cached one while at
   * least half its lifetime is left (2 h of the default 4 h, "will always be valid for another ~2
   * to ~4 hours", `remote/calling-product-apis`), else a new one. Synchronous; never throws.
   */
  deliver(kind: OAuthTokenKind, installationUuid: string, accountId: string): string;
  /** Checks signature, shape and expiry on the site clock. Does not know about installations. */
  verify(token: string): { ok: true; claims: OAuthTokenClaims } | { ok: false; reason: string };
  /** Drops the cache of an installation (it was removed). */
  forget(installationUuid: string): void;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * Creates the issuer. Tokens are HS256 JWTs with a secret only the simulator knows, so they
 * carry `exp` as Forge's do; apps must treat them as opaque ("Tokens must be treated as opaque").
 */
export function createOAuthTokenIssuer(clock: SimClock, ttlMs: () => number): OAuthTokenIssuer {
  const secret = randomBytes(32);
  const cache = new Map<string, { token: string; expMs: number }>();
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest();

  const issue = (kind: OAuthTokenKind, installationUuid: string, accountId: string): { token: string; expMs: number } => {
    const nowMs = clock.now();
    const iat = Math.floor(nowMs / 1000);
    const exp = Math.floor((nowMs + ttlMs()) / 1000);
    const payload = { iss: 'forge-simulator/oauth', aud: 'api.atlassian.com', sub: accountId, iat, exp, jti: randomUUID(), kind, installation: installationUuid };
    const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return { token: `${signingInput}.${mac(signingInput).toString('base64url')}`, expMs: exp * 1000 };
  };

  return {
    deliver(kind, installationUuid, accountId) {
      const key = `${installationUuid}|${kind}|${accountId}`;
      const cached = cache.get(key);
      if (cached && cached.expMs - clock.now() >= ttlMs() / 2) return cached.token;
      const fresh = issue(kind, installationUuid, accountId);
      cache.set(key, fresh);
      return fresh.token;
    },
    verify(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
      const [header, body, signature] = parts as [string, string, string];
      const expected = mac(`${header}.${body}`);
      const given = Buffer.from(signature, 'base64url');
      if (header !== HEADER || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return { ok: false, reason: 'malformed token' };
      }
      const { kind, installation, sub, exp } = payload;
      if ((kind !== 'system' && kind !== 'user') || typeof installation !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
        return { ok: false, reason: 'malformed token' };
      }
      if (exp * 1000 <= clock.now()) return { ok: false, reason: 'token expired' };
      return { ok: true, claims: { kind, installationUuid: installation, accountId: sub, expMs: exp * 1000 } };
    },
    forget(installationUuid) {
      for (const key of [...cache.keys()]) if (key.startsWith(`${installationUuid}|`)) cache.delete(key);
    },
  };
}
