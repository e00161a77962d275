import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * The bearer secrets of the site edge's sign-in: access keys (in the link `tally access-link`
 * prints) and session ids (in the browser's cookie). Both are 32 random bytes, base64url. The
 * database keeps only their SHA-256: the secrets have 256 bits of entropy, so a plain, unsalted
 * hash cannot be reversed or guessed (no password stretching needed), and lookups stay one
 * indexed equality. Nothing here uses a server secret: the site edge runs without TALLY_SECRET_KEY.
 */

/** How many random bytes an access key or a session id has. */
export const SECRET_BYTES = 32;

/** What a minted secret looks like: 43 base64url characters (32 bytes, no padding). */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh random secret (32 bytes from the OS CSPRNG, base64url). */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** Whether `value` has the shape of a secret {@link newSecret} mints; checked before any lookup. */
export function isSecretShaped(value: string | undefined): value is string {
  return value !== undefined && SECRET_SHAPE.test(value);
}

/** The stored form of a secret: base64url SHA-256 (43 characters). Pure. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * The CSRF token of a session: SHA-256 of the session id under its own label, so it differs from
 * the stored session hash and reveals nothing of the id. The page gets it in its HTML and sends it
 * as `Authorization: TallySite <token>`; a cross-site page can read neither the HttpOnly cookie
 * nor the page, so it cannot make a matching pair. Derived rather than stored, so every tab of the
 * same session gets the same token and nothing more is kept. Pure.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update('tally-site-csrf\0', 'utf8').update(sessionId, 'utf8').digest('base64url');
}

/** Equality of two strings in time independent of where they differ (lengths may differ: false). */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
