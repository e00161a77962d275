import { createHmac } from 'node:crypto';

/**
 * The `X-Hub-Signature` value of an admin webhook delivery ("Secure admin webhooks",
 * self-hosted-site.md §4.2): `sha256=` + lowercase hex HMAC-SHA256 keyed with the secret over the
 * raw body bytes (WebSub `method=signature`). Pure; an absent body signs the empty string.
 */
export function signHubSignature(secret: string, body: string | Uint8Array | undefined): string {
  return `sha256=${createHmac('sha256', secret).update(body ?? '').digest('hex')}`;
}
