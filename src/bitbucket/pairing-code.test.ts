import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPairingCode, newPairingCode, normalisePairingCode } from './pairing-code.js';

describe('pairing codes', () => {
  it('shows 16 Crockford base32 characters in four groups', () => {
    for (let round = 0; round < 200; round++) expect(newPairingCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it('encodes the random bytes 5 bits a character, most significant first', () => {
    // 0x00…00 then 0xff…ff: the bit patterns of the alphabet's first and last characters.
    expect(newPairingCode(() => Buffer.alloc(10, 0))).toBe('0000-0000-0000-0000');
    expect(newPairingCode(() => Buffer.alloc(10, 0xff))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    // 0x08 = 00001 000…: the first character is the alphabet's second.
    expect(newPairingCode(() => Buffer.from([0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe('1000-0000-0000-0000');
  });

  it('makes a different code each time', () => {
    const codes = new Set(Array.from({ length: 500 }, () => newPairingCode()));
    expect(codes.size).toBe(500);
  });

  it('compares a typed code case-insensitively, ignoring dashes and spaces', () => {
    expect(normalisePairingCode('7k2m-9qrt-ab3d-xz01')).toBe('7K2M9QRTAB3DXZ01');
    expect(normalisePairingCode(' 7K2M 9QRT-AB3D  XZ01\n')).toBe('7K2M9QRTAB3DXZ01');
    expect(normalisePairingCode('7K2M9QRTAB3DXZ01')).toBe('7K2M9QRTAB3DXZ01');
  });

  it('reads the letters Crockford decodes as digits (O as 0, I and L as 1)', () => {
    expect(normalisePairingCode('7K2M-9QRT-AB3D-XZOI')).toBe('7K2M9QRTAB3DXZ01');
    expect(normalisePairingCode('7K2M-9QRT-AB3D-XZol')).toBe('7K2M9QRTAB3DXZ01');
  });

  it('refuses what cannot be a code', () => {
    for (const typed of ['', '7K2M-9QRT-AB3D', '7K2M-9QRT-AB3D-XZ01-0', '7K2M-9QRT-AB3D-XZU1', '7K2M-9QRT-AB3D-XZ0!', 'x'.repeat(100)]) {
      expect(normalisePairingCode(typed), typed).toBeUndefined();
    }
  });

  it('stores the SHA-256 of the canonical form', () => {
    expect(hashPairingCode('7K2M9QRTAB3DXZ01')).toBe(createHash('sha256').update('7K2M9QRTAB3DXZ01').digest('hex'));
  });
});
