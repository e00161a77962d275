import { EndpointCounters, type EndpointCounter } from '../limits/endpoint-counters.js';

/** Bitbucket's rate limit switches; off by default so ordinary tests never meet a 429. */
export interface BitbucketRateLimitOptions {
  enabled: boolean;
  /** Requests per rolling hour on `/2.0/repositories/*` per user (bitbucket-cloud.md §3: 1,000). */
  repositoriesPerHour: number;
}

const HOUR_MS = 3_600_000;

/**
 * A rolling one-hour window per principal (user uuid, Connect installation, or anonymous) for the
 * `/2.0/repositories/*` resource, plus call and 429 counters per `METHOD template`. Refused calls
 * do not use up the window. Counters run whether or not the limit is enabled.
 */
export class BitbucketRateLimiter {
  readonly options: BitbucketRateLimitOptions;
  private readonly counters = new EndpointCounters();
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly nowMs: () => number,
    overrides: Partial<BitbucketRateLimitOptions> = {},
  ) {
    this.options = { enabled: false, repositoriesPerHour: 1000, ...overrides };
    if (!(this.options.repositoriesPerHour > 0)) throw new RangeError('repositoriesPerHour must be positive');
  }

  /** Counts the call and says whether it may proceed; `limited` is false for endpoints outside `/2.0/repositories/*`. */
  admit(endpoint: string, rateKey: string, limited: boolean): boolean {
    this.counters.recordCall(endpoint);
    if (!limited) return true;
    const now = this.nowMs();
    const window = (this.windows.get(rateKey) ?? []).filter((t) => t > now - HOUR_MS);
    this.windows.set(rateKey, window);
    if (this.options.enabled && window.length >= this.options.repositoriesPerHour) {
      this.counters.recordThrottled(endpoint);
      return false;
    }
    window.push(now);
    return true;
  }

  /** Calls and 429s per `METHOD template` (points stay 0: Bitbucket has no points). Copies. */
  snapshot(): Record<string, EndpointCounter> {
    return this.counters.snapshot();
  }

  /** Forgets counters and windows. */
  reset(): void {
    this.counters.reset();
    this.windows.clear();
  }
}
