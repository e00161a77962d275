import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error.js';
import { failureText, installerName, minutesLeft, NOT_ADMIN_MESSAGE, platformName, validityText } from './admin-texts.js';

describe('admin view texts', () => {
  const nowMs = Date.UTC(2026, 2, 5, 14, 17, 0);
  const inMinutes = (minutes: number, extraMs = 0) => new Date(nowMs + minutes * 60_000 + extraMs).toISOString();

  it('says a fresh 15-minute code is valid for 15 minutes even when the answer took a moment', () => {
    expect(validityText(inMinutes(15, -1_200), nowMs)).toBe('valid for 15 minutes, works once');
    expect(validityText(inMinutes(1), nowMs)).toBe('valid for 1 minute, works once');
  });

  it('never counts negative or unparsable minutes', () => {
    expect(minutesLeft(inMinutes(-3), nowMs)).toBe(0);
    expect(minutesLeft('not a date', nowMs)).toBe(0);
  });

  it('names the Bitbucket app by platform and keeps an unknown edge as it is', () => {
    expect(platformName('bitbucket-forge')).toBe('Forge app');
    expect(platformName('bitbucket-connect')).toBe('Connect app');
    expect(platformName('bitbucket-next')).toBe('bitbucket-next');
  });

  it('names an installer Bitbucket gave no username for', () => {
    expect(installerName(null)).toBe('Unknown user');
    expect(installerName('  ')).toBe('Unknown user');
    expect(installerName('ana')).toBe('ana');
  });

  it("tells a viewer who is not a site admin why, and passes on Tally's other messages", () => {
    expect(failureText(new ApiError('Forbidden', 'AUTH_FORBIDDEN', 403))).toBe(NOT_ADMIN_MESSAGE);
    expect(failureText(new ApiError('No such workspace', 'NOT_FOUND', 404))).toMatch(/no longer linked/);
    expect(failureText(new ApiError('Tally could not be reached.', 'NETWORK_ERROR', 0))).toBe('Tally could not be reached.');
  });
});
