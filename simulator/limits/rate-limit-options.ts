import type { HourlyPointsLedger } from './hourly-points-ledger.js';

/**
 * Configuration of the simulated Jira rate limits (jira-connect-protocol.md §3, the 2026
 * points-based limits). Every number is configurable because Atlassian tunes them per endpoint
 * and per tier; the defaults are the documented ones, and the ones marked "assumed" are not
 * documented and chosen to be plausible.
 */

/** Burst limit: a token bucket per caller × endpoint template × HTTP method. */
export interface BurstOptions {
  enabled: boolean;
  /**
   * Steady-state refill per HTTP method, tokens per second. Documented: GET 100, POST 100,
   * PUT 50, DELETE 50 (§3 item 2). PATCH and anything else fall back to `otherMethods` (assumed 50).
   */
  ratePerSecond: Record<string, number>;
  otherMethodsRatePerSecond: number;
  /** Bucket size per method; a method without an entry gets one second of its rate. */
  capacity: Record<string, number>;
  /**
   * Per-endpoint rules keyed `"METHOD template"`, e.g.
   * `"POST /rest/api/3/worklog/list": { ratePerSecond: 10, capacity: 100 }` (the doc's worked
   * example is a 100-token bucket refilled at 10/s).
   */
  overrides: Record<string, { ratePerSecond: number; capacity?: number }>;
}

/** Hourly points quota for app callers (§3 item 1). */
export interface QuotaOptions {
  enabled: boolean;
  /** `global`: one pool per app across all tenants (Tier 1, default); `tenant`: one per app × site (Tier 2). */
  pool: 'global' | 'tenant';
  /** Points per UTC hour; Tier 1 is 65,000. Tier 2 is 65,000–500,000 depending on edition. */
  pointsPerHour: number;
  /**
   * `RateLimit: …;r=` is sent only once at most this fraction is left: the doc says `r` is
   * "omitted when well within quota" without a number; 20% is assumed to match NearLimit.
   */
  reportRemainingBelowFraction: number;
  /** `X-RateLimit-NearLimit: true` below this fraction ("less than 20% of capacity remains"). */
  nearLimitFraction: number;
  /** Whether user objects embedded in returned objects cost 2 points each (unverified, §3). */
  countEmbeddedUsers: boolean;
  /**
   * Tier 2 (pool `tenant` only): the site's hourly quota from its edition and user count instead
   * of `pointsPerHour` (rate-limits-2026.md, [ATL]: base + per user, capped at 500,000).
   */
  tier2?: { edition: Tier2Edition; users: number } | undefined;
  /**
   * Endpoint templates (matched by suffix, e.g. `/worklog/updated`) charged a flat point whatever
   * they return: vendors measured some list endpoints so, and whether `/worklog/updated`'s ids count
   * as objects is not documented (rate-limits-2026.md, [PARTNER]/[UNVERIFIED]). Default: none.
   */
  flatCostTemplates: readonly string[];
}

/** Jira Cloud editions with a Tier 2 formula. */
export type Tier2Edition = 'standard' | 'premium' | 'enterprise';

/** Tier 2's per-site quota: `base + perUser × users` points an hour ([ATL], rate-limits-2026.md). */
export const TIER2_FORMULAS: Readonly<Record<Tier2Edition, { base: number; perUser: number }>> = Object.freeze({
  standard: { base: 100_000, perUser: 10 },
  premium: { base: 130_000, perUser: 20 },
  enterprise: { base: 150_000, perUser: 30 },
});

/** Tier 2's cap on any site's hourly quota. */
export const TIER2_CAP_POINTS = 500_000;

/** A Tier 2 site's points per hour: its edition's formula over its users, at most the cap. */
export function tier2PointsPerHour(edition: Tier2Edition, users: number): number {
  const formula = TIER2_FORMULAS[edition];
  return Math.min(TIER2_CAP_POINTS, formula.base + formula.perUser * users);
}

/**
 * An hourly cost budget per account for API-token traffic. Atlassian says token traffic is
 * "not affected" by the points quota and keeps only burst limits (self-hosted-site.md §3), so it
 * is off by default; one third-party report saw `429` with `RateLimit-Reason: jira-cost-based`,
 * `X-RateLimit-Limit: 300000` and a reset at the top of the hour on token traffic (unverified),
 * which turning it on models. Points are counted as for apps.
 */
export interface ApiTokenQuotaOptions {
  enabled: boolean;
  pointsPerHour: number;
}

/** Per-issue write limit (§3 item 3): every window must have room. */
export interface PerIssueOptions {
  enabled: boolean;
  /** Documented: 20 writes per 2 s and 100 writes per 30 s. */
  windows: { limit: number; windowMs: number }[];
}

/** What callers may pass: every part optional, nested parts merged over the defaults. */
export interface RateLimitOptions {
  /** Master switch; `false` answers no 429 and sends no rate-limit header (counters still count). */
  enabled: boolean;
  /**
   * Also send the pre-enforcement `Beta-` forms (`Beta-RateLimit`, `Beta-Retry-After`,
   * `X-Beta-RateLimit-*`); both forms appeared in one response during the beta (§3).
   */
  betaHeaders: boolean;
  burst: Partial<BurstOptions>;
  quota: Partial<QuotaOptions>;
  apiTokenQuota: Partial<ApiTokenQuotaOptions>;
  perIssue: Partial<PerIssueOptions>;
  /**
   * Where quota usage is kept; hand one ledger to several simulators to model an app's global
   * pool shared across tenants (§3 Tier 1). Default: a ledger of this simulator's own.
   */
  pointsLedger: HourlyPointsLedger;
}

/** The validated, frozen configuration the limiter runs on. */
export interface ResolvedRateLimitOptions {
  readonly enabled: boolean;
  readonly betaHeaders: boolean;
  readonly burst: Readonly<BurstOptions>;
  readonly quota: Readonly<QuotaOptions>;
  readonly apiTokenQuota: Readonly<ApiTokenQuotaOptions>;
  readonly perIssue: Readonly<PerIssueOptions>;
}

/** Jira's documented defaults (jira-connect-protocol.md §3). */
export const defaultRateLimitOptions: ResolvedRateLimitOptions = {
  enabled: true,
  betaHeaders: false,
  burst: {
    enabled: true,
    ratePerSecond: { GET: 100, POST: 100, PUT: 50, DELETE: 50 },
    otherMethodsRatePerSecond: 50,
    capacity: {},
    overrides: {},
  },
  quota: {
    enabled: true,
    pool: 'global',
    pointsPerHour: 65_000,
    reportRemainingBelowFraction: 0.2,
    nearLimitFraction: 0.2,
    countEmbeddedUsers: false,
    flatCostTemplates: [],
  },
  apiTokenQuota: { enabled: false, pointsPerHour: 300_000 },
  perIssue: {
    enabled: true,
    windows: [
      { limit: 20, windowMs: 2_000 },
      { limit: 100, windowMs: 30_000 },
    ],
  },
};

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`rateLimits.${name} must be a positive number, got ${value}`);
}

function requireFraction(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`rateLimits.${name} must be between 0 and 1, got ${value}`);
}

/**
 * Merges `overrides` over the defaults, checks every number, and freezes the result. Throws a
 * `RangeError` naming the bad option at build time, never at request time.
 */
export function resolveRateLimitOptions(overrides: Partial<RateLimitOptions> = {}): ResolvedRateLimitOptions {
  const base = defaultRateLimitOptions;
  const burst: BurstOptions = {
    ...base.burst,
    ...overrides.burst,
    ratePerSecond: { ...base.burst.ratePerSecond, ...overrides.burst?.ratePerSecond },
    capacity: { ...base.burst.capacity, ...overrides.burst?.capacity },
    overrides: { ...overrides.burst?.overrides },
  };
  const quota: QuotaOptions = { ...base.quota, ...overrides.quota, flatCostTemplates: [...(overrides.quota?.flatCostTemplates ?? base.quota.flatCostTemplates)] };
  const tier2 = overrides.quota?.tier2;
  if (tier2 !== undefined) {
    if (quota.pool !== 'tenant') throw new RangeError('rateLimits.quota.tier2 needs pool "tenant" (Tier 2 is a quota per site)');
    if (overrides.quota?.pointsPerHour !== undefined) throw new RangeError('rateLimits.quota: give tier2 or pointsPerHour, not both');
    if (!Object.hasOwn(TIER2_FORMULAS, tier2.edition)) throw new RangeError(`rateLimits.quota.tier2.edition must be one of ${Object.keys(TIER2_FORMULAS).join(', ')}, got "${tier2.edition}"`);
    if (!Number.isInteger(tier2.users) || tier2.users < 0) throw new RangeError(`rateLimits.quota.tier2.users must be a whole number of users, got ${tier2.users}`);
    quota.tier2 = Object.freeze({ ...tier2 });
    quota.pointsPerHour = tier2PointsPerHour(tier2.edition, tier2.users);
  }
  for (const template of quota.flatCostTemplates) {
    if (!template.startsWith('/')) throw new RangeError(`rateLimits.quota.flatCostTemplates entries are paths like "/worklog/updated", got "${template}"`);
  }
  const perIssue: PerIssueOptions = { ...base.perIssue, ...overrides.perIssue };
  const apiTokenQuota: ApiTokenQuotaOptions = { ...base.apiTokenQuota, ...overrides.apiTokenQuota };

  for (const [method, rate] of Object.entries(burst.ratePerSecond)) requirePositive(`burst.ratePerSecond.${method}`, rate);
  requirePositive('burst.otherMethodsRatePerSecond', burst.otherMethodsRatePerSecond);
  for (const [method, size] of Object.entries(burst.capacity)) requirePositive(`burst.capacity.${method}`, size);
  for (const [key, rule] of Object.entries(burst.overrides)) {
    if (!/^[A-Z]+ \/\S*$/.test(key)) throw new RangeError(`rateLimits.burst.overrides key must be "METHOD /template", got "${key}"`);
    requirePositive(`burst.overrides["${key}"].ratePerSecond`, rule.ratePerSecond);
    if (rule.capacity !== undefined) requirePositive(`burst.overrides["${key}"].capacity`, rule.capacity);
  }
  if (quota.pool !== 'global' && quota.pool !== 'tenant') throw new RangeError(`rateLimits.quota.pool must be global or tenant`);
  requirePositive('quota.pointsPerHour', quota.pointsPerHour);
  requireFraction('quota.reportRemainingBelowFraction', quota.reportRemainingBelowFraction);
  requireFraction('quota.nearLimitFraction', quota.nearLimitFraction);
  requirePositive('apiTokenQuota.pointsPerHour', apiTokenQuota.pointsPerHour);
  for (const [i, window] of perIssue.windows.entries()) {
    requirePositive(`perIssue.windows[${i}].limit`, window.limit);
    requirePositive(`perIssue.windows[${i}].windowMs`, window.windowMs);
  }

  return Object.freeze({
    enabled: overrides.enabled ?? base.enabled,
    betaHeaders: overrides.betaHeaders ?? base.betaHeaders,
    burst: Object.freeze(burst),
    quota: Object.freeze({ ...quota, flatCostTemplates: Object.freeze(quota.flatCostTemplates) }),
    apiTokenQuota: Object.freeze(apiTokenQuota),
    perIssue: Object.freeze({ ...perIssue, windows: perIssue.windows.map((w) => Object.freeze({ ...w })) }),
  });
}
