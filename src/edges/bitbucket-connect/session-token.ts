import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../platform/app-error.js';

/** How long a page's session token works: 15 minutes, like the iframe it was minted for. */
export const SESSION_TOKEN_SECONDS = 15 * 60;

/**
 * What a session token is for: the period form of one repository page, the configure page's
 * forms, the log-work form of one pull-request panel (`log-work`: it writes to Jira as the
 * viewer, so it travels only in a form body), or showing that panel again after a write
 * (`log-work-result`: it may travel in the redirect's URL, so it can only read).
 */
export type SessionPurpose = 'repository' | 'configure' | 'log-work' | 'log-work-result';

/** What a session token proves: an iframe load Bitbucket signed for this installation, viewer and purpose. */
export interface SessionClaims {
  installationId: string;
  /** The viewer's Atlassian account id as Bitbucket put it in the signed URL; '' when there was none. */
  accountId: string;
  purpose: SessionPurpose;
  /** What the purpose is about: the repository's full name for `repository`, `<repository>#<pull request id>` for the panel's, '' for `configure`. */
  subject: string;
  /** One line the page shows once, covered by the signature (the outcome a `log-work-result` redirect reports). */
  note?: string;
  expiresAtSeconds: number;
}

const VERSION = 'v1';
const KEY_INFO = 'tally/bitbucket-connect/session-token/v1';

/**
 * Session tokens of the Bitbucket Connect pages. A follow-up request of a page (a new period, a
 * pairing code, unlink) changes the query or is a POST, so the iframe's JWT (bound to the exact
 * URL by its qsh) cannot authenticate it; the page carries this token in its forms instead. It is
 * an HMAC-SHA256 under a key derived (HKDF) from TALLY_SECRET_KEY for this use only — not the
 * installation's shared secret, which Bitbucket also holds — over the installation id, account
 * id, purpose, subject and expiry. Minted only right after a verified Bitbucket JWT, so it proves
 * nothing that request did not; it cannot be renewed (a new one needs a new page load).
 */
export function createSessionTokens(secretKey: Buffer) {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), KEY_INFO, 32));
  const mac = (payload: string) => createHmac('sha256', key).update(`${VERSION}.${payload}`, 'utf8').digest();

  return {
    /**
     * A token for `claims`, valid {@link SESSION_TOKEN_SECONDS} — and never past `notAfterSeconds`
     * when given: a token minted from another one (the panel after a write) lives no longer than it.
     */
    mint(claims: Omit<SessionClaims, 'expiresAtSeconds'>, nowSeconds: number, notAfterSeconds?: number): string {
      const expiresAtSeconds = Math.min(nowSeconds + SESSION_TOKEN_SECONDS, notAfterSeconds ?? Number.POSITIVE_INFINITY);
      const body: SessionClaims = { ...claims, expiresAtSeconds };
      const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
      return `${VERSION}.${payload}.${mac(payload).toString('base64url')}`;
    },

    /**
     * The claims of a token minted for `purpose` and `subject` that has not expired; AUTH_MISSING
     * without a token, AUTH_INVALID for anything else (altered, expired, another purpose or subject).
     */
    verify(token: string | undefined, expected: { purpose: SessionPurpose; subject: string }, nowSeconds: number): SessionClaims {
      if (token === undefined || token === '') throw new AppError('AUTH_MISSING', 'No session token; reload the page in Bitbucket');
      const [version, payload, signature, ...rest] = token.split('.');
      if (version !== VERSION || payload === undefined || signature === undefined || rest.length > 0 || token.length > 2048) {
        throw new AppError('AUTH_INVALID', 'Malformed session token');
      }
      const given = Buffer.from(signature, 'base64url');
      const wanted = mac(payload);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new AppError('AUTH_INVALID', 'Session token signature does not match');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
      if (claims.purpose !== expected.purpose || claims.subject !== expected.subject) throw new AppError('AUTH_INVALID', 'Session token is for another page');
      if (!(nowSeconds < claims.expiresAtSeconds)) throw new AppError('AUTH_INVALID', 'Session token expired; reload the page in Bitbucket');
      return claims;
    },
  };
}

/** The session tokens of one edge, as built by {@link createSessionTokens}. */
export type SessionTokens = ReturnType<typeof createSessionTokens>;
