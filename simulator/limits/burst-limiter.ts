import type { BurstOptions } from './rate-limit-options.js';
import type { RateLimitDenial } from './rate-limit-denial.js';
import { TokenBucket } from './token-bucket.js';

/** Burst limiting per caller × endpoint template × method; see {@link createBurstLimiter}. */
export interface BurstLimiter {
  /** Takes a token for the request, or returns the denial (`jira-burst-based`). */
  take(callerKey: string, method: string, template: string, nowMs: number): RateLimitDenial | undefined;
  /** Forgets every bucket (all start full again). */
  reset(): void;
}

/** The rule for one method and template: overrides first, then the method's default. */
function ruleFor(options: Readonly<BurstOptions>, method: string, template: string): { ratePerSecond: number; capacity: number } {
  const override = options.overrides[`${method} ${template}`];
  if (override) return { ratePerSecond: override.ratePerSecond, capacity: override.capacity ?? override.ratePerSecond };
  const ratePerSecond = options.ratePerSecond[method] ?? options.otherMethodsRatePerSecond;
  // Without a configured size the bucket holds one second of its rate.
  return { ratePerSecond, capacity: options.capacity[method] ?? ratePerSecond };
}

/**
 * Jira's burst limit (jira-connect-protocol.md §3 item 2): a token bucket per tenant × endpoint
 * × HTTP method. The simulator is one tenant, so the key is the caller (an app or a user's API
 * token) × template × method. Denials carry the policy `jira-burst-based` with `q` = bucket size
 * and `w` = seconds to refill it. Buckets are created lazily and full.
 */
export function createBurstLimiter(options: Readonly<BurstOptions>): BurstLimiter {
  const buckets = new Map<string, TokenBucket>();
  return {
    take(callerKey, method, template, nowMs) {
      const key = `${callerKey}\u0000${method}\u0000${template}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        const rule = ruleFor(options, method, template);
        bucket = new TokenBucket(rule.capacity, rule.ratePerSecond, nowMs);
        buckets.set(key, bucket);
      }
      const result = bucket.take(nowMs);
      if (result.ok) return undefined;
      return {
        reason: 'jira-burst-based',
        policy: 'jira-burst-based',
        limit: bucket.capacity,
        windowSeconds: Math.max(1, Math.ceil(bucket.capacity / bucket.ratePerSecond)),
        resetAtMs: nowMs + result.retryAfterMs,
      };
    },
    reset() {
      buckets.clear();
    },
  };
}
