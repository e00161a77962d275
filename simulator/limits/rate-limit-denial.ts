import { jiraError } from '../http/jira-error.js';

/** `RateLimit-Reason` values Jira documents for its 429s (jira-connect-protocol.md §3). */
export type RateLimitReason =
  | 'jira-quota-global-based'
  | 'jira-quota-tenant-based'
  | 'jira-burst-based'
  | 'jira-per-issue-on-write'
  /** Not in the app docs; seen on API-token traffic (self-hosted-site.md §3), sent only with `apiTokenQuota`. */
  | 'jira-cost-based';

/** Why and for how long one request is refused. */
export interface RateLimitDenial {
  reason: RateLimitReason;
  /** Structured-header policy name (`global-app-quota`, `tenant-app-quota`, `jira-burst-based`); none for per-issue. */
  policy: string | undefined;
  /** The limit that was hit: `X-RateLimit-Limit` and the policy's `q`. */
  limit: number;
  /** The policy's window `w`, in seconds. */
  windowSeconds: number;
  /** When a retry can succeed (epoch ms). */
  resetAtMs: number;
}

/** ISO 8601 to the second, as Jira's `X-RateLimit-Reset` example `2026-01-01T01:01:01Z`. */
export function formatResetInstant(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whole seconds from `nowMs` until `atMs`, at least 1: `Retry-After` never says "now". */
export function secondsUntil(nowMs: number, atMs: number): number {
  return Math.max(1, Math.ceil((atMs - nowMs) / 1000));
}

/**
 * Adds the pre-enforcement `Beta-` forms of the rate-limit headers already present
 * (`Beta-RateLimit`, `Beta-RateLimit-Policy`, `Beta-Retry-After`, `X-Beta-RateLimit-*`), which
 * Jira sent alongside the final ones during the beta (§3). Idempotent.
 */
export function addBetaHeaders(headers: Headers): void {
  for (const [name, value] of [...headers.entries()]) {
    if (name === 'ratelimit' || name === 'ratelimit-policy' || name === 'retry-after') headers.set(`beta-${name}`, value);
    else if (name.startsWith('x-ratelimit-')) headers.set(`x-beta-${name.slice(2)}`, value);
  }
}

/**
 * Jira's 429 for a denial (jira-connect-protocol.md §3): `Retry-After` in whole seconds (≥ 1),
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset` (ISO 8601, 429 only),
 * `RateLimit-Reason`, and for named policies `RateLimit-Policy: "<name>";q=<limit>;w=<window>`
 * and `RateLimit: "<name>";r=0;t=<seconds>`. The body is Jira's error collection.
 */
export function throttledResponse(denial: RateLimitDenial, nowMs: number, betaHeaders: boolean): Response {
  const response = jiraError(429, ['Rate limit exceeded.']);
  const retryAfterSeconds = secondsUntil(nowMs, denial.resetAtMs);
  const headers = response.headers;
  headers.set('Retry-After', String(retryAfterSeconds));
  headers.set('X-RateLimit-Limit', String(denial.limit));
  headers.set('X-RateLimit-Remaining', '0');
  headers.set('X-RateLimit-Reset', formatResetInstant(denial.resetAtMs));
  headers.set('RateLimit-Reason', denial.reason);
  if (denial.policy !== undefined) {
    headers.set('RateLimit-Policy', `"${denial.policy}";q=${denial.limit};w=${denial.windowSeconds}`);
    headers.set('RateLimit', `"${denial.policy}";r=0;t=${retryAfterSeconds}`);
  }
  if (betaHeaders) addBetaHeaders(headers);
  return response;
}
