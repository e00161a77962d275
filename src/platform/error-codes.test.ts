import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, listErrorCodes } from './error-codes.js';
import { AppError, isAppError } from './app-error.js';

function documentedRows(): Map<string, { status: number; retryable: boolean }> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; retryable: boolean }>();
  for (const match of text.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \|/gm)) {
    rows.set(match[1] as string, { status: Number(match[2]), retryable: match[3] === 'yes' });
  }
  return rows;
}

describe('error catalogue', () => {
  it('lists exactly the codes of docs/errors.md with the same status and retryability', () => {
    const documented = documentedRows();
    expect([...documented.keys()].sort()).toEqual(listErrorCodes());
    for (const code of listErrorCodes()) {
      expect(documented.get(code), code).toEqual({ status: errorCodes[code].httpStatus, retryable: errorCodes[code].retryable });
    }
  });

  it('uses AREA_PROBLEM names', () => {
    for (const code of listErrorCodes()) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)+$|^INTERNAL$/);
  });
});

describe('AppError', () => {
  it('takes status and retryability from the catalogue and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new AppError('JIRA_UNAVAILABLE', 'Jira did not answer', { cause });
    expect(error.httpStatus).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.expose).toBe(false);
    expect(error.cause).toBe(cause);
    expect(isAppError(error, 'JIRA_UNAVAILABLE')).toBe(true);
    expect(isAppError(error, 'NOT_FOUND')).toBe(false);
  });

  it('exposes client errors by default and lets a 429 carry its delay', () => {
    const error = new AppError('JIRA_RATE_LIMITED', 'slow down', { retryAfterMs: 7000 });
    expect(error.retryAfterMs).toBe(7000);
    expect(new AppError('REQUEST_INVALID', 'bad').expose).toBe(true);
  });
});
