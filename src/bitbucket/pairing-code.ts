/**
 * One-time pairing codes (issue 13): made on the Jira side, typed by a person on the Bitbucket
 * side. 16 Crockford base32 characters (80 random bits) — no I, L, O or U, so a code read aloud or
 * copied by hand survives — shown in four groups, `7K2M-…`. Only a hash is stored.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32 alphabet (https://www.crockford.com/base32.html). */
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 16;
const GROUP_LENGTH = 4;

/** A fresh random code in its display form `XXXX-XXXX-XXXX-XXXX` (10 random bytes, 5 bits a character). */
export function newPairingCode(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let characters = '';
  for (let index = CODE_LENGTH - 1; index >= 0; index--) characters += CROCKFORD_ALPHABET[Number((bits >> BigInt(index * 5)) & 31n)];
  return characters.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

/**
 * The code as typed, in canonical form: upper case, dashes and white space removed, and Crockford's
 * look-alikes decoded (`O` → `0`, `I`/`L` → `1`). Undefined when what remains cannot be a code,
 * so a malformed entry is refused without a database read.
 */
export function normalisePairingCode(typed: string): string | undefined {
  if (typed.length > 64) return undefined;
  const canonical = typed.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  if (canonical.length !== CODE_LENGTH) return undefined;
  for (const character of canonical) if (!CROCKFORD_ALPHABET.includes(character)) return undefined;
  return canonical;
}

/** What is stored for a code: SHA-256 (hex) of its canonical form. A fast hash suffices: 80 random bits cannot be guessed offline. */
export function hashPairingCode(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
