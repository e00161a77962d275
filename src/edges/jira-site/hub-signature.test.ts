import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidHubSignature } from './hub-signature.js';

const body = new TextEncoder().encode('Hello World!');
const secret = "It's a Secret to Everybody";
// Atlassian's vector ("Secure admin webhooks", self-hosted-site.md §4.2).
const vector = 'sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9';

describe('isValidHubSignature', () => {
  it("accepts Atlassian's published vector", () => {
    expect(isValidHubSignature(secret, body, vector)).toBe(true);
    expect(isValidHubSignature(secret, body, vector.toUpperCase().replace('SHA256', 'sha256'))).toBe(true);
  });

  it('refuses another secret, another body, and a missing header', () => {
    expect(isValidHubSignature('another secret entirely', body, vector)).toBe(false);
    expect(isValidHubSignature(secret, new TextEncoder().encode('Hello World?'), vector)).toBe(false);
    expect(isValidHubSignature(secret, body, undefined)).toBe(false);
    expect(isValidHubSignature(secret, body, '')).toBe(false);
  });

  it('refuses every method but sha256, even with a correct digest', () => {
    const sha1 = createHmac('sha1', secret).update(body).digest('hex');
    expect(isValidHubSignature(secret, body, `sha1=${sha1}`)).toBe(false);
    expect(isValidHubSignature(secret, body, vector.replace('sha256=', 'sha512='))).toBe(false);
    expect(isValidHubSignature(secret, body, vector.replace('sha256=', ''))).toBe(false);
    expect(isValidHubSignature(secret, body, `${vector}00`)).toBe(false);
  });
});
