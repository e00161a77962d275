import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../platform/app-error.js';

/** Encrypts short secrets (shared secrets, tokens) for storage, each bound to one owner. */
export interface SecretBox {
  /**
   * Encrypts `plaintext` with a fresh random IV. `associatedData` (the tenant id) is authenticated
   * but not stored: the result opens only with the same associated data.
   * Returns `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
   */
  seal(plaintext: string, associatedData: string): string;
  /**
   * Decrypts a value made by {@link SecretBox.seal}. Throws `TENANT_SECRET_UNREADABLE` for another
   * key, other associated data (a value copied to another tenant's row) or any alteration.
   * Neither the plaintext nor the sealed value ever appears in the error.
   */
  open(sealed: string, associatedData: string): string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM standard nonce size (NIST SP 800-38D); other sizes are hashed first
const TAG_BYTES = 16;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes base64url strictly: undefined unless `text` is the canonical encoding of its bytes. */
function decodeCanonical(text: string | undefined): Buffer | undefined {
  if (text === undefined || !BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Node ignores stray characters and unused low bits; re-encoding makes any edit of the text fail.
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function unreadable(cause?: unknown): AppError {
  return new AppError('TENANT_SECRET_UNREADABLE', 'A stored secret cannot be decrypted (wrong key, wrong owner or altered value)', {
    cause,
  });
}

/**
 * Creates an AES-256-GCM {@link SecretBox} over a 32-byte key (TALLY_SECRET_KEY, or
 * {@link demoSecretKey} in demo mode). The key is copied, so later changes to the caller's buffer
 * have no effect. Throws `CONFIG_INVALID` for a key of the wrong length.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) {
    throw new AppError('CONFIG_INVALID', `The secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
  const ownKey = Buffer.from(key);
  return {
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
      return [VERSION, ...parts].join('.');
    },
    open(sealed, associatedData) {
      const [version, ...rest] = sealed.split('.');
      const [iv, ciphertext, tag] = rest.map(decodeCanonical);
      if (version !== VERSION || rest.length !== 3 || !iv || !ciphertext || !tag) throw unreadable();
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable();
      try {
        const decipher = createDecipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (error) {
        // Node's message here is "Unsupported state or unable to authenticate data": no secret in it.
        throw unreadable(error);
      }
    },
  };
}

const DEMO_KEY_FILE = 'demo-secret.key';

/**
 * The secret key for demo mode only (config.mode === 'demo', where TALLY_SECRET_KEY may be unset):
 * reads `<dataDir>/demo-secret.key`, or creates it (mode 0600, 32 random bytes as base64) on first
 * use. Never use it outside demo mode: the key sits next to the data it protects.
 *
 * Safe when two processes start at once: the file appears atomically (written aside, then
 * hard-linked into place, which fails if it already exists), so both end up with the same key.
 * Throws `CONFIG_INVALID` when the file cannot be made or does not hold a 32-byte key.
 */
export function demoSecretKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DEMO_KEY_FILE);
  try {
    const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(draft, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, path);
    } finally {
      unlinkSync(draft);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError('CONFIG_INVALID', `Cannot create the demo secret key ${path}`, { cause: error });
    }
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new AppError('CONFIG_INVALID', `${path} does not hold a ${KEY_BYTES}-byte base64 key (a new one would leave stored tenant secrets unreadable)`);
  }
  return key;
}
