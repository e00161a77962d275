/** The start of the UTC hour containing `nowMs`. Jira's points quota resets at the top of each UTC hour (jira-connect-protocol.md §3). */
export function utcHourStartMs(nowMs: number): number {
  return Math.floor(nowMs / 3_600_000) * 3_600_000;
}

/** The next top of a UTC hour after `nowMs`. */
export function nextUtcHourMs(nowMs: number): number {
  return utcHourStartMs(nowMs) + 3_600_000;
}

/**
 * One hourly points pool as Tally estimates it (the app's global pool, or a tenant's pool on
 * Atlassian's Tier 2): points this process spent this hour, corrected by the `remaining` Jira
 * last reported (`RateLimit: …;r=`), which also counts other processes of the app. Everything is
 * forgotten at the top of the UTC hour, when Jira resets the quota.
 */
export class HourlyPointsPool {
  private hourStartMs: number;
  private spent = 0;
  private reported: { remaining: number; spentAtReport: number } | undefined;

  constructor(
    /** Points per hour; replaced by the policy's `q` when Jira sends one. */
    public limit: number,
    nowMs: number,
  ) {
    this.hourStartMs = utcHourStartMs(nowMs);
  }

  /** Starts a fresh hour when `nowMs` has passed the top of the hour. */
  roll(nowMs: number): void {
    const hour = utcHourStartMs(nowMs);
    if (hour === this.hourStartMs) return;
    this.hourStartMs = hour;
    this.spent = 0;
    this.reported = undefined;
  }

  /** Counts points this process spent. */
  spend(points: number): void {
    this.spent += Math.max(0, points);
  }

  /** Takes Jira's word for what is left (e.g. `r=`, or 0 after a quota 429). */
  report(remaining: number): void {
    this.reported = { remaining, spentAtReport: this.spent };
  }

  /** Estimated points left this hour (never below 0). */
  remaining(): number {
    const estimate = this.reported ? this.reported.remaining - (this.spent - this.reported.spentAtReport) : this.limit - this.spent;
    return Math.max(0, Math.min(this.limit, estimate));
  }
}
