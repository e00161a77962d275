import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../platform/app-error.js';
import { createSecretBox, demoSecretKey } from './secret-box.js';

const SECRET = 'shared-secret-Zk9xQ2vL';
const TENANT = 't_0123456789abcdef01234567';
const OTHER_TENANT = 't_fedcba9876543210fedcba98';

function caught(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

/** Replaces the character at `index` with another base64url character. */
function flipChar(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('createSecretBox', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed, for the same tenant', () => {
    const sealed = box.seal(SECRET, TENANT);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed, TENANT)).toBe(SECRET);
  });

  it('uses a fresh IV for every seal', () => {
    expect(box.seal(SECRET, TENANT)).not.toBe(box.seal(SECRET, TENANT));
  });

  it('round-trips empty and non-ASCII secrets', () => {
    for (const secret of ['', 'ключ-🔑-秘密']) expect(box.open(box.seal(secret, TENANT), TENANT)).toBe(secret);
  });

  it("refuses to open a value sealed for another tenant", () => {
    const error = caught(() => box.open(box.seal(SECRET, TENANT), OTHER_TENANT));
    expect(error.code).toBe('TENANT_SECRET_UNREADABLE');
  });

  it('refuses to open with another key', () => {
    const sealed = box.seal(SECRET, TENANT);
    expect(caught(() => createSecretBox(randomBytes(32)).open(sealed, TENANT)).code).toBe('TENANT_SECRET_UNREADABLE');
  });

  it('detects a change of any character of any part', () => {
    const sealed = box.seal(SECRET, TENANT);
    for (let index = 3; index < sealed.length; index++) {
      if (sealed[index] === '.') continue;
      expect(() => box.open(flipChar(sealed, index), TENANT), `index ${index}`).toThrow(AppError);
    }
  });

  it('refuses malformed values: other version, missing or extra parts, non-base64url', () => {
    const sealed = box.seal(SECRET, TENANT);
    const [, iv, ciphertext, tag] = sealed.split('.');
    for (const bad of [`v2.${iv}.${ciphertext}.${tag}`, `v1.${iv}.${ciphertext}`, `${sealed}.x`, `v1.${iv}.${ciphertext}=.${tag}`, '', 'v1...']) {
      expect(caught(() => box.open(bad, TENANT)).code, bad).toBe('TENANT_SECRET_UNREADABLE');
    }
  });

  it('never puts the secret or the sealed value into its error', () => {
    const sealed = box.seal(SECRET, TENANT);
    const error = caught(() => box.open(sealed, OTHER_TENANT));
    const text = `${error.message} ${String(error.cause)} ${error.details.join(' ')}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(sealed.split('.')[2]);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(caught(() => createSecretBox(randomBytes(16))).code).toBe('CONFIG_INVALID');
  });

  it("keeps working when the caller's key buffer is changed afterwards", () => {
    const key = randomBytes(32);
    const ownBox = createSecretBox(key);
    const sealed = ownBox.seal(SECRET, TENANT);
    key.fill(0);
    expect(ownBox.open(sealed, TENANT)).toBe(SECRET);
  });
});

describe('demoSecretKey', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-demo-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a 32-byte key readable only by its owner, and returns the same key afterwards', () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const key = demoSecretKey(dataDir);
    expect(key).toHaveLength(32);
    expect(statSync(join(dataDir, 'demo-secret.key')).mode & 0o777).toBe(0o600);
    expect(demoSecretKey(dataDir).equals(key)).toBe(true);
    // Secrets sealed before a restart still open after it.
    const sealed = createSecretBox(key).seal(SECRET, TENANT);
    expect(createSecretBox(demoSecretKey(dataDir)).open(sealed, TENANT)).toBe(SECRET);
  });

  it('gives different data directories different keys', () => {
    expect(demoSecretKey(freshDir()).equals(demoSecretKey(freshDir()))).toBe(false);
  });

  it('refuses a key file that does not hold 32 bytes, without overwriting it', () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, 'demo-secret.key'), 'c2hvcnQ=\n');
    expect(caught(() => demoSecretKey(dataDir)).code).toBe('CONFIG_INVALID');
    expect(readFileSync(join(dataDir, 'demo-secret.key'), 'utf8')).toBe('c2hvcnQ=\n');
  });
});
