const HOUR_MS = 3_600_000;

/** Start of the UTC hour containing `epochMs` (epoch ms count whole UTC hours from 1970). */
export function utcHourStartMs(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}

/** The next top of the UTC hour after `epochMs`: when Jira's points quota resets (§3). */
export function nextUtcHourMs(epochMs: number): number {
  return utcHourStartMs(epochMs) + HOUR_MS;
}

/**
 * Points used per pool in the current UTC hour. A pool's usage is forgotten as soon as the
 * clock passes the top of the hour, whatever the clock (manual or real). One ledger can be
 * handed to several simulators (`rateLimits.quota` of each) to model an app's global pool
 * shared across tenants (jira-connect-protocol.md §3, Tier 1).
 */
export class HourlyPointsLedger {
  private readonly pools = new Map<string, { hourStartMs: number; usedPoints: number }>();

  /** Points used by `poolKey` in the hour containing `nowMs`. */
  usedPoints(poolKey: string, nowMs: number): number {
    const pool = this.pools.get(poolKey);
    return pool && pool.hourStartMs === utcHourStartMs(nowMs) ? pool.usedPoints : 0;
  }

  /** Adds `points` to this hour's usage; returns the new total. */
  charge(poolKey: string, points: number, nowMs: number): number {
    const used = this.usedPoints(poolKey, nowMs) + points;
    this.pools.set(poolKey, { hourStartMs: utcHourStartMs(nowMs), usedPoints: used });
    return used;
  }

  /** Sets this hour's usage (for tests); the next hour starts from zero as usual. */
  setUsedPoints(poolKey: string, usedPoints: number, nowMs: number): void {
    this.pools.set(poolKey, { hourStartMs: utcHourStartMs(nowMs), usedPoints: Math.max(0, usedPoints) });
  }

  /** Forgets every pool. */
  clear(): void {
    this.pools.clear();
  }
}
