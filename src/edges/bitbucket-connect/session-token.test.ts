import { describe, expect, it } from 'vitest';
import { createSessionTokens, SESSION_TOKEN_SECONDS } from './session-token.js';

const tokens = createSessionTokens(Buffer.alloc(32, 1));
const claims = { installationId: 'bb_0123456789abcdef01234567', accountId: 'acc-1', purpose: 'repository' as const, subject: 'ws/repo' };
const now = 1_800_000_000;
const expected = { purpose: 'repository' as const, subject: 'ws/repo' };

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('Bitbucket Connect session tokens', () => {
  it('verifies a fresh token for its purpose and subject', () => {
    expect(tokens.verify(tokens.mint(claims, now), expected, now + 60)).toMatchObject({ installationId: claims.installationId, accountId: 'acc-1' });
  });

  it('refuses it once 15 minutes have passed', () => {
    const token = tokens.mint(claims, now);
    expect(codeOf(() => tokens.verify(token, expected, now + SESSION_TOKEN_SECONDS))).toBe('AUTH_INVALID');
    expect(SESSION_TOKEN_SECONDS).toBeLessThanOrEqual(15 * 60);
  });

  it('refuses it for another purpose or another repository', () => {
    const token = tokens.mint(claims, now);
    expect(codeOf(() => tokens.verify(token, { purpose: 'configure', subject: '' }, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => tokens.verify(token, { purpose: 'repository', subject: 'ws/other' }, now))).toBe('AUTH_INVALID');
  });

  it('refuses an altered payload, a token of another key, and no token', () => {
    const token = tokens.mint(claims, now);
    const [version, payload, mac] = token.split('.') as [string, string, string];
    const altered = Buffer.from(JSON.stringify({ ...claims, accountId: 'acc-admin', expiresAtSeconds: now + 900 })).toString('base64url');
    expect(codeOf(() => tokens.verify(`${version}.${altered}.${mac}`, expected, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => createSessionTokens(Buffer.alloc(32, 2)).verify(token, expected, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => tokens.verify(`${version}.${payload}`, expected, now))).toBe('AUTH_INVALID');
    expect(codeOf(() => tokens.verify(undefined, expected, now))).toBe('AUTH_MISSING');
  });

  it('lets a token minted from another live no longer than it, and signs the note it carries', () => {
    const panel = { ...claims, purpose: 'log-work-result' as const, subject: 'ws/repo#7', note: 'Logged 1h on ABC-1.' };
    const token = tokens.mint(panel, now + 600, now + 900);
    expect(tokens.verify(token, { purpose: 'log-work-result', subject: 'ws/repo#7' }, now + 899)).toMatchObject({ note: 'Logged 1h on ABC-1.', expiresAtSeconds: now + 900 });
    expect(codeOf(() => tokens.verify(token, { purpose: 'log-work-result', subject: 'ws/repo#7' }, now + 900))).toBe('AUTH_INVALID');
    // A result token writes nothing: it is no log-work token.
    expect(codeOf(() => tokens.verify(token, { purpose: 'log-work', subject: 'ws/repo#7' }, now + 601))).toBe('AUTH_INVALID');
    const [version, payload, mac] = token.split('.') as [string, string, string];
    const reworded = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), note: 'Your session expired: enter your password at evil.example' })).toString('base64url');
    expect(codeOf(() => tokens.verify(`${version}.${reworded}.${mac}`, { purpose: 'log-work-result', subject: 'ws/repo#7' }, now + 601))).toBe('AUTH_INVALID');
  });
});
