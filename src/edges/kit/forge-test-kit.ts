/**
 * Test helpers for the Forge edge: a JWKS and invocation-token signer of Tally's own making, so
 * the unit tests need no simulator. Only imported by `*.test.ts` files. (End-to-end tests use the
 * simulator's independent Forge side instead: test/e2e/forge-remote.test.ts.)
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';

/** The app, key-set URL, sites and installations the unit tests speak for (made-up uuids). */
export const TEST_APP_ID = 'ari:cloud:ecosystem::app/0d7e4f1c-2b3a-4c5d-8e9f-a0b1c2d3e4f5';
export const TEST_JWKS_URL = 'https://forge.cdn.test/.well-known/jwks.json';
export const CLOUD_A = '11111111-aaaa-4aaa-8aaa-111111111111';
export const CLOUD_B = '22222222-bbbb-4bbb-8bbb-222222222222';
export const INSTALLATION_A = '33333333-cccc-4ccc-8ccc-333333333333';
export const INSTALLATION_B = '44444444-dddd-4ddd-8ddd-444444444444';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Options of one signed token. */
export interface SignOptions {
  /** `current` (published), `unknown` (never published), or an explicit key id with the current key. */
  key?: 'current' | 'unknown';
  kid?: string;
  /** Seconds from now; default 25 (the documented lifetime). */
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
}

/** The claims of a trigger invocation of installation A on site A, before overrides. */
export function triggerClaims(site: { installation: string; cloudId: string } = { installation: INSTALLATION_A, cloudId: CLOUD_A }): Record<string, unknown> {
  const apiBaseUrl = `https://api.atlassian.com/ex/jira/${site.cloudId}`;
  return {
    iss: 'forge/invocation-token',
    aud: TEST_APP_ID,
    app: {
      id: TEST_APP_ID,
      installationId: `ari:cloud:ecosystem::installation/${site.installation}`,
      apiBaseUrl,
      installation: { id: `ari:cloud:ecosystem::installation/${site.installation}`, contexts: [{ name: 'jira', cloudId: site.cloudId, apiBaseUrl }] },
      module: { type: 'core:endpoint', key: 'tick-ep' },
    },
  };
}

/** A Forge JWKS served through `fetch`, and a signer of invocation tokens. */
export interface FitKit {
  /** Serves the JWKS at {@link TEST_JWKS_URL}; anything else goes to `fallback` (404 without one). */
  fetch: Fetch;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** Makes the JWKS endpoint fail (503) until set back to false. */
  failJwks(failing: boolean): void;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** Publishes a new key (and withdraws the old one); later tokens are signed with it. */
  rotate(): Promise<void>;
}

/** Builds a {@link FitKit} on `clock` (iat, nbf and exp follow it). */
export async function createFitKit(clock: Clock, fallback?: Fetch): Promise<FitKit> {
  let current = await newKey('forge-key-1');
  const stranger = await newKey('stranger-key');
  let fetches = 0;
  let failing = false;
  let rotations = 1;
  return {
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url === TEST_JWKS_URL) {
        fetches++;
        if (failing) return new Response('unavailable', { status: 503 });
        return Response.json({ keys: [current.publicJwk] });
      }
      return fallback ? fallback(input, init) : new Response('not found', { status: 404 });
    },
    jwksFetches: () => fetches,
    failJwks: (value) => {
      failing = value;
    },
    async sign(claims, options = {}) {
      const key = options.key === 'unknown' ? stranger : current;
      const nowSeconds = Math.floor(clock.nowMs() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid })
        .setIssuedAt(nowSeconds)
        .setNotBefore(nowSeconds + (options.notBeforeSeconds ?? 0))
        .setExpirationTime(nowSeconds + (options.expiresInSeconds ?? 25))
        .setJti(`jti-${nowSeconds}-${Math.random().toString(16).slice(2)}`)
        .sign(key.privateKey);
    },
    async rotate() {
      rotations++;
      current = await newKey(`forge-key-${rotations}`);
    },
  };
}

/** An unsigned token (`alg: none`) with these claims. */
export function unsignedToken(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none', kid: 'forge-key-1' }): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}
