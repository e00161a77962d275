import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=` and 64 hex digits; Atlassian sends lowercase, case is not significant in hex. */
const SHA256_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Whether `header` (`X-Hub-Signature`) signs `body` with `secret`: `sha256=<hex>` where the hex
 * is HMAC-SHA256(key = secret, message = the raw body bytes), WebSub `method=signature`
 * (self-hosted-site.md §4.2, "Secure admin webhooks"). Compared in constant time. Any other
 * method (`sha1=`, a future one) or shape is false: Atlassian may change the method, so Tally
 * fails closed. Never throws.
 */
export function isValidHubSignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  const match = header === undefined ? null : SHA256_SIGNATURE.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(match[1] as string, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
