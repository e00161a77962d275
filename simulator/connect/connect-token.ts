import { randomUUID } from 'node:crypto';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { generateKeyPair, SignJWT } from 'jose';
import type { InstallKey } from './install-keys.js';

/**
 * A deliberate defect in a product→app token, so tests can prove the app refuses it.
 * `no-token` sends no Authorization header; `wrong-key` signs with an unpublished RSA key (RS256)
 * or a wrong secret (HS256); `unknown-kid` names a kid the install-keys endpoint does not know;
 * `wrong-audience` applies to RS256 only.
 */
export type Tamper = 'no-token' | 'wrong-key' | 'unknown-kid' | 'wrong-issuer' | 'wrong-audience' | 'wrong-qsh' | 'expired';

/** What a product→app token is about: the exact request and who issues it. */
export interface TokenSubject {
  method: string;
  /** Absolute URL the request goes to (app base URL + lifecycle or webhook path). */
  url: string;
  /** The app's descriptor `baseUrl`; the qsh path is relative to it. */
  appBaseUrl: string;
  /** The tenant `clientKey` (`iss` of every product→app token). */
  clientKey: string;
  nowMs: number;
  lifetimeSeconds: number;
  tamper?: Tamper | undefined;
}

/**
 * The qsh Jira puts on a call into an app: `METHOD&<path relative to the app baseUrl>&<query>`
 * (jira-connect-protocol.md §4.2), e.g. `POST&/installed&` for `https://app.example/installed`.
 */
export function appRequestQsh(method: string, url: string, appBaseUrl: string): string {
  return createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), url), false, appBaseUrl);
}

function claimsFor(subject: TokenSubject): Record<string, unknown> {
  const iat = Math.floor(subject.nowMs / 1000);
  const expired = subject.tamper === 'expired';
  return {
    iss: subject.tamper === 'wrong-issuer' ? randomUUID() : subject.clientKey,
    iat: expired ? iat - 2 * subject.lifetimeSeconds - 3600 : iat,
    exp: expired ? iat - 3600 : iat + subject.lifetimeSeconds,
    qsh:
      subject.tamper === 'wrong-qsh'
        ? appRequestQsh('GET', new URL('/not-this-request', subject.url).href, subject.appBaseUrl)
        : appRequestQsh(subject.method, subject.url, subject.appBaseUrl),
  };
}

/**
 * Signs an `installed`/`uninstalled` token as Atlassian does with signed install: RS256, header
 * `{alg, typ, kid}`, `aud` = the app baseUrl. `aud` is an array because ACE reads `aud[0]`
 * (verify-installation.js) and atlassian-jwt does not normalise it for RS256. Undefined for
 * `tamper: 'no-token'`.
 */
export async function signInstallToken(subject: TokenSubject, key: InstallKey): Promise<string | undefined> {
  if (subject.tamper === 'no-token') return undefined;
  const audience = subject.tamper === 'wrong-audience' ? 'https://someone-else.example.com' : subject.appBaseUrl;
  const signingKey = subject.tamper === 'wrong-key' ? (await generateKeyPair('RS256')).privateKey : key.privateKey;
  const kid = subject.tamper === 'unknown-kid' ? randomUUID() : key.kid;
  return new SignJWT({ ...claimsFor(subject), aud: [audience] })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .sign(signingKey);
}

/**
 * Signs an `enabled`/`disabled` or webhook token: HS256 with the tenant's shared secret,
 * `iss` = clientKey, no `aud` (ACE would take `aud[0]` as the issuer). Undefined for `no-token`.
 */
export function signSharedSecretToken(subject: TokenSubject, sharedSecret: string): string | undefined {
  if (subject.tamper === 'no-token') return undefined;
  const secret = subject.tamper === 'wrong-key' ? `${sharedSecret}-wrong` : sharedSecret;
  return encodeSymmetric(claimsFor(subject), secret, SymmetricAlgorithm.HS256);
}
