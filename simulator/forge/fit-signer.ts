import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { Hono } from 'hono';
import { SignJWT } from 'jose';
import type { SimEnv } from '../http/sim-env.js';

/** Where the simulator serves its JWKS (the path of `forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json`). */
export const FORGE_JWKS_PATH = '/.well-known/jwks.json';

/** A public key as the JWKS serves it. */
export type ForgeJwk = JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };

/** How a FIT is signed; the defaults make a valid one. */
export interface FitSignOptions {
  /** The `kid` header; default the signing key's own kid. */
  kid?: string;
  /** `unknown`: a key the JWKS never serves (a forged token). Default `current`. */
  key?: 'current' | 'unknown';
  /**
   * The `alg` header; default RS256 (GitLab's verifier, §3.3). `none` sends no signature; `HS256`…
   * signs with the public key's PEM as an HMAC secret (the algorithm-confusion attack); RS/PS
   * algorithms sign with the RSA key.
   */
  alg?: string;
}

/** The simulated Forge signing service: its keys, the JWKS and the signer. */
export interface FitSigner {
  /** Signs `claims` as a JWT (RS256 with the current key unless `options` forge it). */
  sign(claims: Record<string, unknown>, options?: FitSignOptions): Promise<string>;
  /** The JWKS document: every key not retired, current first. */
  jwks(): { keys: ForgeJwk[] };
  /** Makes a new key current; older keys stay in the JWKS unless `retirePrevious`. Returns the new kid. */
  rotate(options?: { retirePrevious?: boolean }): string;
  /** `GET /.well-known/jwks.json`, no authentication. */
  readonly routes: Hono<SimEnv>;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function createSigningKey(): SigningKey {
  // Synchronous, so `rotateSigningKey()` can be; 2048-bit RSA takes tens of milliseconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, publicKey };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Creates the signer. Keys are generated on first use (most simulators never sign a FIT), so
 * building a simulator stays cheap. Rotation keeps old keys served, as a verifier may hold
 * tokens signed a moment before.
 */
export function createFitSigner(): FitSigner {
  let served: SigningKey[] = [];
  let unknownKey: SigningKey | undefined;

  const current = (): SigningKey => {
    if (served.length === 0) served = [createSigningKey()];
    return served[0] as SigningKey;
  };

  const sign = async (claims: Record<string, unknown>, options: FitSignOptions = {}): Promise<string> => {
    const key = options.key === 'unknown' ? (unknownKey ??= createSigningKey()) : current();
    const alg = options.alg ?? 'RS256';
    const header = { alg, kid: options.kid ?? key.kid };
    if (alg === 'none') return `${base64url(header)}.${base64url(claims)}.`;
    const jwt = new SignJWT(claims).setProtectedHeader(header);
    if (/^HS(256|384|512)$/.test(alg)) {
      return jwt.sign(new TextEncoder().encode(key.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    }
    if (/^(RS|PS)(256|384|512)$/.test(alg)) return jwt.sign(key.privateKey);
    throw new RangeError(`signFit cannot sign with alg ${alg}`);
  };

  const jwks = (): { keys: ForgeJwk[] } => ({
    keys: (served.length === 0 ? [current()] : served).map((key) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'RS256', use: 'sig' })),
  });

  const routes = new Hono<SimEnv>();
  routes.get(FORGE_JWKS_PATH, (c) => c.json(jwks()));

  return {
    sign,
    jwks,
    rotate(options = {}) {
      const next = createSigningKey();
      served = options.retirePrevious ? [next] : [next, ...served];
      return next.kid;
    },
    routes,
  };
}
