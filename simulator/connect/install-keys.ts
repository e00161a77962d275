import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { exportSPKI, generateKeyPair } from 'jose';
import type { SimEnv } from '../http/sim-env.js';

/** One RS256 signing key of the simulated Atlassian install-keys service. */
export interface InstallKey {
  kid: string;
  /** The private key the simulator signs `installed`/`uninstalled` with. */
  privateKey: CryptoKey;
  /** The public key as PEM (`-----BEGIN PUBLIC KEY-----`), as connect-install-keys serves it. */
  publicKeyPem: string;
}

/** The simulator's stand-in for `https://connect-install-keys.atlassian.com/<kid>`. */
export interface InstallKeyStore {
  /** The key new lifecycle tokens are signed with; generated on first use. */
  current(): Promise<InstallKey>;
  /** The PEM for `kid`, current or rotated out; undefined for a kid never issued. */
  findPublicKeyPem(kid: string): Promise<string | undefined>;
  /**
   * Makes a new key current. Old kids keep resolving, because apps may cache keys by kid
   * (rotation always creates a new kid — jira-connect-protocol.md §4.5).
   */
  rotate(): Promise<InstallKey>;
  /** `GET /connect-install-keys/{kid}`: the PEM as text, 404 for an unknown kid. No auth. */
  readonly routes: Hono<SimEnv>;
}

/** The path prefix of the install-keys endpoint on the simulator. */
export const INSTALL_KEYS_PATH = '/connect-install-keys';

async function createInstallKey(): Promise<InstallKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid: randomUUID(), privateKey, publicKeyPem: await exportSPKI(publicKey) };
}

/**
 * Creates the key store. Key generation is asynchronous, so the first key is made lazily and
 * memoised; concurrent callers share one generation.
 */
export function createInstallKeyStore(): InstallKeyStore {
  const byKid = new Map<string, InstallKey>();
  let currentKey: Promise<InstallKey> | undefined;

  const remember = (pending: Promise<InstallKey>): Promise<InstallKey> => {
    currentKey = pending.then((key) => {
      byKid.set(key.kid, key);
      return key;
    });
    return currentKey;
  };

  const current = (): Promise<InstallKey> => currentKey ?? remember(createInstallKey());

  const routes = new Hono<SimEnv>();
  routes.get(`${INSTALL_KEYS_PATH}/:kid`, async (c) => {
    await current();
    const pem = byKid.get(c.req.param('kid'))?.publicKeyPem;
    if (pem === undefined) return c.text('Not Found', 404);
    // The real service's content type is not documented; ACE and atlassian-connect-auth read text.
    return c.text(pem);
  });

  return {
    current,
    findPublicKeyPem: async (kid) => {
      await current();
      return byKid.get(kid)?.publicKeyPem;
    },
    rotate: () => remember(createInstallKey()),
    routes,
  };
}
