import { describe, expect, it } from 'vitest';
import { signHubSignature } from './hub-signature.js';

describe('signHubSignature', () => {
  it('matches Atlassian\'s published vector', () => {
    expect(signHubSignature("It's a Secret to Everybody", 'Hello World!')).toBe(
      'sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9',
    );
  });

  it('signs the raw bytes: the same text as bytes gives the same signature, another body another', () => {
    const bytes = new TextEncoder().encode('{"a":"ü"}');
    expect(signHubSignature('s', bytes)).toBe(signHubSignature('s', '{"a":"ü"}'));
    expect(signHubSignature('s', '{"a":"u"}')).not.toBe(signHubSignature('s', '{"a":"ü"}'));
  });
});
