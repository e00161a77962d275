import { parseHttpDate, parseJiraDateTime } from './jira-date-time.js';

/**
 * Jira's 2026 rate-limit headers, read (jira-connect-protocol.md §3): `RateLimit-Policy:
 * "global-app-quota";q=65000;w=3600` and `RateLimit: "global-app-quota";r=11000;t=600` are
 * structured-field lists (several entries, any order; `r` omitted when well within quota);
 * `Retry-After` (seconds), `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
 * (ISO 8601), `X-RateLimit-NearLimit` and, on 429 only, `RateLimit-Reason`. Before enforcement
 * the same headers came with a `Beta-` prefix, sometimes next to the final ones; the final form
 * wins when both are present.
 */

/** One named policy, merged from `RateLimit-Policy` (q, w) and `RateLimit` (r, t). */
export interface RateLimitPolicy {
  /** `global-app-quota`, `tenant-app-quota`, `jira-burst-based`, or a name Jira adds later. */
  name: string;
  quota: number | undefined;
  windowSeconds: number | undefined;
  remaining: number | undefined;
  resetSeconds: number | undefined;
}

/** What one response says about rate limits; every part may be absent. */
export interface RateLimitHeaders {
  /** `RateLimit-Reason`, e.g. `jira-quota-global-based` or `jira-burst-based`. */
  reason: string | undefined;
  /** `Retry-After` as a delay from now (seconds or an HTTP date); undefined when absent or garbage. */
  retryAfterMs: number | undefined;
  /** `X-RateLimit-Reset` as an instant. */
  resetAtMs: number | undefined;
  /** `X-RateLimit-Remaining` and `X-RateLimit-Limit`. */
  remaining: number | undefined;
  limit: number | undefined;
  nearLimit: boolean;
  policies: RateLimitPolicy[];
}

function header(headers: Headers, name: string): string | null {
  const beta = name.startsWith('x-') ? `x-beta-${name.slice(2)}` : `beta-${name}`;
  return headers.get(name) ?? headers.get(beta);
}

function nonNegativeInteger(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const trimmed = text.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** Splits a structured-field list on commas outside quoted strings. */
function listMembers(text: string): string[] {
  const members: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      members.push(current);
      current = '';
    } else current += char;
  }
  members.push(current);
  return members.map((member) => member.trim()).filter((member) => member !== '');
}

/** `"name";a=1;b=2` (or a bare token name) → name and integer parameters; undefined when unreadable. */
function parseMember(member: string): { name: string; params: Map<string, number> } | undefined {
  const [head = '', ...rest] = member.split(';');
  const name = /^"([^"]*)"$/.exec(head.trim())?.[1] ?? (/^[A-Za-z*][\w.*:/-]*$/.test(head.trim()) ? head.trim() : undefined);
  if (name === undefined || name === '') return undefined;
  const params = new Map<string, number>();
  for (const part of rest) {
    const [key = '', value] = part.split('=', 2).map((piece) => piece.trim());
    const number = nonNegativeInteger(value);
    if (key !== '' && number !== undefined) params.set(key.toLowerCase(), number);
  }
  return { name, params };
}

function parsePolicies(policyHeader: string | null, stateHeader: string | null): RateLimitPolicy[] {
  const byName = new Map<string, RateLimitPolicy>();
  const entry = (name: string): RateLimitPolicy => {
    let policy = byName.get(name);
    if (!policy) {
      policy = { name, quota: undefined, windowSeconds: undefined, remaining: undefined, resetSeconds: undefined };
      byName.set(name, policy);
    }
    return policy;
  };
  for (const member of listMembers(policyHeader ?? '')) {
    const parsed = parseMember(member);
    if (!parsed) continue;
    const policy = entry(parsed.name);
    policy.quota = parsed.params.get('q') ?? policy.quota;
    policy.windowSeconds = parsed.params.get('w') ?? policy.windowSeconds;
  }
  for (const member of listMembers(stateHeader ?? '')) {
    const parsed = parseMember(member);
    if (!parsed) continue;
    const policy = entry(parsed.name);
    policy.remaining = parsed.params.get('r') ?? policy.remaining;
    policy.resetSeconds = parsed.params.get('t') ?? policy.resetSeconds;
  }
  return [...byName.values()];
}

/** `Retry-After` as delay-seconds or an HTTP date, relative to `nowMs`; garbage is undefined. */
function retryAfterMs(text: string | null, nowMs: number): number | undefined {
  if (text === null) return undefined;
  const trimmed = text.trim();
  if (/^\d{1,9}(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = parseHttpDate(trimmed);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/** Reads every rate-limit header of a response (final or `Beta-` form). Pure; never throws. */
export function parseRateLimitHeaders(headers: Headers, nowMs: number): RateLimitHeaders {
  const reset = header(headers, 'x-ratelimit-reset');
  return {
    reason: headers.get('ratelimit-reason')?.trim() || undefined,
    retryAfterMs: retryAfterMs(header(headers, 'retry-after'), nowMs),
    resetAtMs: reset === null ? undefined : parseJiraDateTime(reset.trim()),
    remaining: nonNegativeInteger(header(headers, 'x-ratelimit-remaining')),
    limit: nonNegativeInteger(header(headers, 'x-ratelimit-limit')),
    nearLimit: header(headers, 'x-ratelimit-nearlimit')?.trim().toLowerCase() === 'true',
    policies: parsePolicies(header(headers, 'ratelimit-policy'), header(headers, 'ratelimit')),
  };
}
