/** The outcome of asking a {@link TokenBucket} for one token. */
export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * A token bucket on a caller-supplied clock: starts full, refills continuously at
 * `ratePerSecond` up to `capacity`, and each admitted request takes one token. Time is passed
 * in (epoch ms from the simulator clock), so tests move time instead of waiting; time running
 * backwards refills nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    readonly capacity: number,
    readonly ratePerSecond: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.updatedMs = Math.max(this.updatedMs, nowMs);
  }

  /** Takes a token if one is there; otherwise says how long until one is. */
  take(nowMs: number): TakeResult {
    this.refill(nowMs);
    // The epsilon absorbs float drift from many small refills (0.1 + 0.2 …).
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return { ok: true, remaining: Math.floor(this.tokens + 1e-9) };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond) };
  }
}
