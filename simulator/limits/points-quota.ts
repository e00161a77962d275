import type { SimInstalledApp } from '../jira/jira-site.js';
import type { QuotaOptions } from './rate-limit-options.js';
import { secondsUntil, type RateLimitDenial } from './rate-limit-denial.js';
import { nextUtcHourMs, type HourlyPointsLedger } from './hourly-points-ledger.js';

/** The hourly points quota of app callers; see {@link createPointsQuota}. */
export interface PointsQuota {
  /** The denial while the app's pool is spent (every request, until the top of the hour). */
  check(app: SimInstalledApp, nowMs: number): RateLimitDenial | undefined;
  /** Charges `points` to the app's pool for this hour. */
  charge(app: SimInstalledApp, points: number, nowMs: number): void;
  /** Points left in the app's pool this hour (never below 0). */
  remainingPoints(app: SimInstalledApp, nowMs: number): number;
  /** Sets what is left this hour (for tests); clamped to 0…pointsPerHour. */
  setRemainingPoints(app: SimInstalledApp, points: number, nowMs: number): void;
  /** Adds the success headers (`RateLimit-Policy`, `RateLimit`, maybe `X-RateLimit-NearLimit`). */
  addSuccessHeaders(app: SimInstalledApp, nowMs: number, headers: Headers): void;
}

/**
 * Jira's points quota (jira-connect-protocol.md §3 item 1): `pointsPerHour` per pool, reset at
 * the top of each UTC hour, and once spent "all requests are denied until the next hourly reset.
 * There is no gradual throttling." The global pool is one per app (`global-app-quota`,
 * `jira-quota-global-based`); the tenant pool one per app × site (`tenant-app-quota`,
 * `jira-quota-tenant-based`). A request is admitted while any point is left and may overdraw.
 */
export function createPointsQuota(options: Readonly<QuotaOptions>, ledger: HourlyPointsLedger): PointsQuota {
  const policy = options.pool === 'global' ? 'global-app-quota' : 'tenant-app-quota';
  const reason = options.pool === 'global' ? 'jira-quota-global-based' : 'jira-quota-tenant-based';
  const poolKey = (app: SimInstalledApp) => (options.pool === 'global' ? `global:${app.key}` : `tenant:${app.key}:${app.clientKey}`);
  const remainingPoints = (app: SimInstalledApp, nowMs: number) =>
    Math.max(0, options.pointsPerHour - ledger.usedPoints(poolKey(app), nowMs));

  return {
    check(app, nowMs) {
      if (remainingPoints(app, nowMs) > 0) return undefined;
      return { reason, policy, limit: options.pointsPerHour, windowSeconds: 3600, resetAtMs: nextUtcHourMs(nowMs) };
    },
    charge(app, points, nowMs) {
      ledger.charge(poolKey(app), points, nowMs);
    },
    remainingPoints,
    setRemainingPoints(app, points, nowMs) {
      const clamped = Math.min(options.pointsPerHour, Math.max(0, points));
      ledger.setUsedPoints(poolKey(app), options.pointsPerHour - clamped, nowMs);
    },
    addSuccessHeaders(app, nowMs, headers) {
      const remaining = remainingPoints(app, nowMs);
      const seconds = secondsUntil(nowMs, nextUtcHourMs(nowMs));
      const fraction = remaining / options.pointsPerHour;
      headers.set('RateLimit-Policy', `"${policy}";q=${options.pointsPerHour};w=3600`);
      // `r` "is omitted when well within quota" (§3).
      const r = fraction <= options.reportRemainingBelowFraction ? `;r=${remaining}` : '';
      headers.set('RateLimit', `"${policy}"${r};t=${seconds}`);
      if (fraction < options.nearLimitFraction) headers.set('X-RateLimit-NearLimit', 'true');
    },
  };
}
