import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from './rate-limit-headers.js';

const NOW = Date.UTC(2026, 10, 23, 10, 30);

describe('parseRateLimitHeaders', () => {
  it('reads Jira’s documented quota 429 (§3)', () => {
    const info = parseRateLimitHeaders(
      new Headers({
        'Retry-After': '1847',
        'X-RateLimit-Limit': '100000',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '2025-10-08T15:00:00Z',
        'RateLimit-Reason': 'jira-quota-global-based',
      }),
      NOW,
    );
    expect(info).toMatchObject({ reason: 'jira-quota-global-based', retryAfterMs: 1_847_000, limit: 100_000, remaining: 0, resetAtMs: Date.UTC(2025, 9, 8, 15) });
  });

  it('merges policy lists in any order, with r absent', () => {
    const info = parseRateLimitHeaders(
      new Headers({
        'RateLimit-Policy': '"jira-burst-based";q=350;w=1, "global-app-quota";w=3600;q=65000',
        RateLimit: '"global-app-quota";t=600, "jira-burst-based";r=12;t=1',
      }),
      NOW,
    );
    expect(info.policies).toEqual([
      { name: 'jira-burst-based', quota: 350, windowSeconds: 1, remaining: 12, resetSeconds: 1 },
      { name: 'global-app-quota', quota: 65_000, windowSeconds: 3600, remaining: undefined, resetSeconds: 600 },
    ]);
  });

  it('falls back to the Beta- forms and prefers the final ones', () => {
    const info = parseRateLimitHeaders(
      new Headers({ 'Beta-RateLimit': '"global-app-quota";r=5', 'Beta-Retry-After': '9', 'Retry-After': '3', 'X-Beta-RateLimit-NearLimit': 'true' }),
      NOW,
    );
    expect(info).toMatchObject({ retryAfterMs: 3000, nearLimit: true });
    expect(info.policies[0]).toMatchObject({ name: 'global-app-quota', remaining: 5 });
  });

  it('reads Retry-After as an HTTP date and ignores garbage', () => {
    expect(parseRateLimitHeaders(new Headers({ 'Retry-After': 'Mon, 23 Nov 2026 10:30:42 GMT' }), NOW).retryAfterMs).toBe(42_000);
    expect(parseRateLimitHeaders(new Headers({ 'Retry-After': 'soon' }), NOW).retryAfterMs).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ 'Retry-After': '-5' }), NOW).retryAfterMs).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ 'X-RateLimit-Reset': 'tomorrow' }), NOW).resetAtMs).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ RateLimit: '"unterminated;r=1', 'RateLimit-Policy': ',,' }), NOW).policies).toEqual([]);
  });
});
