import type { Clock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type { CallPriority } from './jira-client.js';
import type { Sleep } from './sleep.js';
import { backoffDelayMs, clampDelayMs } from './backoff.js';
import { HourlyPointsPool, nextUtcHourMs, utcHourStartMs } from './hourly-points-pool.js';
import { createInteractiveBudget, type ApplicablePool, type InteractiveBudgetOptions } from './interactive-budget.js';
import { parseRateLimitHeaders, type RateLimitHeaders } from './rate-limit-headers.js';
import { createSharedPointsAccount, type SharedPointsOptions } from './shared-points-account.js';

/** What a call waits for before it goes. */
export interface AcquireRequest {
  tenantId: TenantId;
  /** `METHOD template`, e.g. `GET /rest/api/3/worklog/updated`: Jira's burst limit is per tenant × endpoint × method. */
  endpoint: string;
  priority: CallPriority;
  signal?: AbortSignal;
  /**
   * The most this call can cost (1 + the page size it asks for), when the caller knows. Only a
   * shared ledger uses it: the call holds that much of the app's hour until it is answered.
   */
  maxPoints?: number;
}

/** What one response said, for {@link RateLimitCoordinator.record}. */
export interface RecordedResponse {
  tenantId: TenantId;
  endpoint: string;
  status: number;
  headers: Headers;
  /** Tally's own cost estimate: 1 + objects returned for reads, 1 otherwise (§3). */
  pointsEstimate: number;
  /** The call's priority; `interactive` calls count against their budget. Default `incremental`. */
  priority?: CallPriority;
}

/** Rate-limit state for status pages; instants in epoch ms. */
export interface RateLimitSnapshot {
  hourStartMs: number;
  /** Every call of the app waits until then (hourly quota spent); undefined when not paused. */
  appPausedUntilMs: number | undefined;
  /** Per tenant (Tier 2 tenant quota spent). */
  tenantPausedUntilMs: Record<string, number>;
  /** Per `tenantId endpoint` (burst, per-issue writes, gateway 429s). */
  endpointPausedUntilMs: Record<string, number>;
  pointsPerHour: number;
  remainingPointsEstimate: number;
  /** Points each tenant's calls cost this hour, as estimated. */
  pointsSpentByTenant: Record<string, number>;
  /** Points `interactive` calls of tenants on the global pool cost this hour (their total budget's spend). */
  interactivePointsSpent: number;
  /** Points each tenant's `interactive` calls cost this hour (its own budget's spend). */
  interactivePointsSpentByTenant: Record<string, number>;
}

/** The app-wide gate in front of every Jira call; see {@link createRateLimitCoordinator}. */
export interface RateLimitCoordinator {
  /** Resolves when the call may go; rejects with `signal.reason` when the signal aborts first. */
  acquire(request: AcquireRequest): Promise<void>;
  /** Learns from a response; returns when this tenant × endpoint may call again, if it must wait. */
  record(response: RecordedResponse): { resumeAtMs: number | undefined };
  snapshot(): RateLimitSnapshot;
}

/**
 * The coordinator as its factory returns it: with `close`, for the composition root only (wrappers
 * such as the metrics decorator pass calls through and need not know about it).
 */
export interface OwnedRateLimitCoordinator extends RateLimitCoordinator {
  /** Gives the shared ledger back the points this instance reserved and did not use, and waits for its writes (nothing to do without one). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createRateLimitCoordinator}. */
export interface RateLimitCoordinatorOptions {
  clock: Clock;
  sleep: Sleep;
  /** The app's hourly points (Tier 1 global pool: 65,000 shared by every tenant, §3). */
  pointsPerHour?: number;
  /** Share of the hour's points `backfill` calls leave to incremental syncs. */
  backfillReserveShare?: number;
  random?: () => number;
  /**
   * The points ledger several instances share (issue 14; docs/shared-points.md). With one, every
   * call first holds points from it, so the instances together never spend more than the hour's
   * quota, and a quota 429 any of them meets pauses them all. Without one (a single instance),
   * Tally's estimate never stops an incremental call: Jira's 429s do.
   */
  sharedPoints?: SharedPointsOptions;
  /**
   * How much of the hour `interactive` calls may spend, per tenant and in total (defaults 5% and
   * 20%); an interactive call over budget fails at once with `JIRA_INTERACTIVE_BUDGET_SPENT`.
   * Kept per process, also with `sharedPoints` (see {@link createInteractiveBudget}).
   */
  interactiveBudget?: InteractiveBudgetOptions;
}

/** Longest pause a `Retry-After` may impose on one endpoint; larger values are clamped (security-and-reliability.md §5.2 E2). */
const MAX_ENDPOINT_PAUSE_MS = 5 * 60_000;
/** A quota reset more than this past the next top of the hour is absurd: the quota resets hourly (§3). */
const QUOTA_RESET_SLACK_MS = 60_000;

interface EndpointState {
  pausedUntilMs: number;
  /** Consecutive 429s without reason or Retry-After (a gateway 429, §3 "seen April 2026"). */
  gatewayStreak: number;
}

/**
 * The one rate-limit gate of the process, shared by every tenant's client: Jira's 2026 points
 * quota is one pool for every tenant of the app (jira-connect-protocol.md §3). It keeps the
 * pauses Jira's 429s ask for — quota: all calls (`jira-quota-tenant-based`: that tenant's) until
 * `Retry-After`, `X-RateLimit-Reset` or the top of the hour; burst: that tenant × endpoint for
 * `Retry-After` (≥ 1 s); per-issue writes: that endpoint briefly; a bare gateway 429: that endpoint
 * with exponential backoff — and an estimate of the hour's points, so `backfill` calls stop while
 * less than `backfillReserveShare` is left and incremental syncs keep working. `interactive`
 * calls (a person is waiting) have budgets instead, per tenant and in total: past them a call
 * fails at once with `JIRA_INTERACTIVE_BUDGET_SPENT` rather than spend the syncs' hour. Waiting is
 * bounded by the pauses; it never spins.
 */
export function createRateLimitCoordinator(options: RateLimitCoordinatorOptions): OwnedRateLimitCoordinator {
  const { clock, sleep, random = Math.random } = options;
  const reserveShare = options.backfillReserveShare ?? 0.2;
  const globalPool = new HourlyPointsPool(options.pointsPerHour ?? 65_000, clock.nowMs());
  const tenantPools = new Map<string, HourlyPointsPool>();
  const spentByTenant = new Map<string, number>();
  let spentHourMs = utcHourStartMs(clock.nowMs());
  let appPausedUntilMs = 0;
  const tenantPausedUntilMs = new Map<string, number>();
  const endpoints = new Map<string, EndpointState>();
  const endpointKey = (tenantId: string, endpoint: string) => `${tenantId} ${endpoint}`;
  const interactive = createInteractiveBudget(options.interactiveBudget ?? {}, clock.nowMs());
  const shared = options.sharedPoints && createSharedPointsAccount({ ...options.sharedPoints, clock, pointsPerHour: globalPool.limit, backfillReserveShare: reserveShare });

  function roll(nowMs: number): void {
    globalPool.roll(nowMs);
    for (const pool of tenantPools.values()) pool.roll(nowMs);
    if (utcHourStartMs(nowMs) !== spentHourMs) {
      spentHourMs = utcHourStartMs(nowMs);
      spentByTenant.clear();
    }
  }

  function applicablePool(tenantId: string): ApplicablePool {
    const own = tenantPools.get(tenantId);
    return own ? { limit: own.limit, ownPool: true } : { limit: globalPool.limit, ownPool: false };
  }

  function belowReserve(tenantId: string): boolean {
    // A tenant Jira reports a pool of its own for is on Tier 2: its pool, not the global one, applies (§3).
    const pool = tenantPools.get(tenantId) ?? globalPool;
    return pool.remaining() < reserveShare * pool.limit;
  }

  function resumeAtMs(tenantId: string, endpoint: string, priority: CallPriority, nowMs: number): number {
    let until = Math.max(appPausedUntilMs, shared?.appPausedUntilMs() ?? 0, tenantPausedUntilMs.get(tenantId) ?? 0, endpoints.get(endpointKey(tenantId, endpoint))?.pausedUntilMs ?? 0);
    if (priority === 'backfill' && belowReserve(tenantId)) until = Math.max(until, nextUtcHourMs(nowMs));
    return until;
  }

  function tenantPool(tenantId: string, nowMs: number, limit: number): HourlyPointsPool {
    let pool = tenantPools.get(tenantId);
    if (!pool) tenantPools.set(tenantId, (pool = new HourlyPointsPool(limit, nowMs)));
    return pool;
  }

  /** Until when a spent quota pauses: Retry-After, else X-RateLimit-Reset, else the top of the hour. */
  function quotaResumeAtMs(info: RateLimitHeaders, nowMs: number): number {
    const latest = nextUtcHourMs(nowMs) + QUOTA_RESET_SLACK_MS;
    const candidates = [info.retryAfterMs === undefined ? undefined : nowMs + info.retryAfterMs, info.resetAtMs];
    const sane = candidates.find((at) => at !== undefined && at > nowMs && at <= latest);
    return sane ?? nextUtcHourMs(nowMs);
  }

  /** Takes Jira's word for a pool's points left; the app's pool also raises the shared ledger to match. */
  function report(pool: HourlyPointsPool, remaining: number): void {
    pool.report(remaining);
    if (pool === globalPool) shared?.noteRemaining(remaining);
  }

  function learnQuota(tenantId: string, info: RateLimitHeaders, status: number, nowMs: number): void {
    for (const policy of info.policies) {
      const pool = policy.name === 'global-app-quota' ? globalPool : policy.name === 'tenant-app-quota' ? tenantPool(tenantId, nowMs, policy.quota ?? globalPool.limit) : undefined;
      if (!pool) continue;
      if (policy.quota !== undefined && policy.quota > 0) pool.limit = policy.quota;
      if (policy.remaining !== undefined) report(pool, policy.remaining);
    }
    const namesBurst = info.policies.some((policy) => policy.name === 'jira-burst-based');
    const gaveR = info.policies.some((policy) => policy.remaining !== undefined);
    if (status !== 429 && !namesBurst && !gaveR && info.remaining !== undefined) report(globalPool, info.remaining);
    // "X-RateLimit-NearLimit: true when less than 20% of capacity remains" (§3).
    if (info.nearLimit && !gaveR) report(globalPool, Math.min(globalPool.remaining(), Math.floor(0.2 * globalPool.limit)));
  }

  function pauseEndpoint(key: string, untilMs: number, gatewayStreak: number): number {
    const state = endpoints.get(key);
    const pausedUntilMs = Math.max(state?.pausedUntilMs ?? 0, untilMs);
    endpoints.set(key, { pausedUntilMs, gatewayStreak });
    return pausedUntilMs;
  }

  function learnThrottle(tenantId: string, endpoint: string, info: RateLimitHeaders, nowMs: number): void {
    const key = endpointKey(tenantId, endpoint);
    const streak = endpoints.get(key)?.gatewayStreak ?? 0;
    const retryAfter = info.retryAfterMs;
    switch (info.reason) {
      case 'jira-quota-global-based':
        // "All requests are denied until the next hourly reset" (§3): pause every call of the app.
        // Not shared as "nothing left": the shared pause already ends where Jira said (Retry-After may
        // come before the top of the hour), and incremental calls go on after it, as without a ledger.
        globalPool.report(0);
        appPausedUntilMs = Math.max(appPausedUntilMs, quotaResumeAtMs(info, nowMs));
        shared?.pauseApp(appPausedUntilMs);
        return;
      case 'jira-quota-tenant-based':
        tenantPool(tenantId, nowMs, globalPool.limit).report(0);
        tenantPausedUntilMs.set(tenantId, Math.max(tenantPausedUntilMs.get(tenantId) ?? 0, quotaResumeAtMs(info, nowMs)));
        return;
      case 'jira-burst-based':
        // "Burst slows only that endpoint" (§3).
        pauseEndpoint(key, nowMs + clampDelayMs(retryAfter ?? 1000, 1000, MAX_ENDPOINT_PAUSE_MS), 0);
        return;
      case 'jira-per-issue-on-write':
        // 20 writes per 2 s per issue (§3): a short pause spaces the writes.
        pauseEndpoint(key, nowMs + clampDelayMs(retryAfter ?? 2000, 1000, MAX_ENDPOINT_PAUSE_MS), 0);
        return;
      default:
        if (retryAfter !== undefined) pauseEndpoint(key, nowMs + clampDelayMs(retryAfter, 1000, MAX_ENDPOINT_PAUSE_MS), 0);
        else pauseEndpoint(key, nowMs + backoffDelayMs(streak, random), streak + 1);
    }
  }

  return {
    async acquire({ tenantId, endpoint, priority, signal, maxPoints }) {
      for (;;) {
        signal?.throwIfAborted();
        const nowMs = clock.nowMs();
        roll(nowMs);
        // Before any wait: a person is waiting, and an over-budget call would wait for the next hour.
        if (priority === 'interactive') interactive.check(tenantId, applicablePool(tenantId), globalPool.limit, nowMs);
        const until = resumeAtMs(tenantId, endpoint, priority, nowMs);
        if (until > nowMs) {
          await sleep(until - nowMs, signal);
          continue;
        }
        if (!shared) return;
        // Pauses first, then the shared budget: a paused call holds no points.
        const admission = await shared.admit({ tenantId, endpoint, priority, maxPoints });
        if (admission.admitted) return;
        await sleep(Math.max(0, admission.retryAtMs - clock.nowMs()), signal);
      }
    },

    record({ tenantId, endpoint, status, headers, pointsEstimate, priority }) {
      const nowMs = clock.nowMs();
      roll(nowMs);
      const info = parseRateLimitHeaders(headers, nowMs);
      globalPool.spend(pointsEstimate);
      shared?.settle({ tenantId, endpoint, points: pointsEstimate });
      tenantPools.get(tenantId)?.spend(pointsEstimate);
      spentByTenant.set(tenantId, (spentByTenant.get(tenantId) ?? 0) + Math.max(0, pointsEstimate));
      learnQuota(tenantId, info, status, nowMs);
      // After learnQuota: the first answer of a Tier 2 tenant already names its own pool.
      if (priority === 'interactive') interactive.spend(tenantId, pointsEstimate, applicablePool(tenantId), nowMs);
      if (status === 429) learnThrottle(tenantId, endpoint, info, nowMs);
      else if (status >= 200 && status < 300) {
        const state = endpoints.get(endpointKey(tenantId, endpoint));
        if (state) state.gatewayStreak = 0;
      }
      // The wait any priority faces; a backfill may additionally wait for the reserve.
      const until = resumeAtMs(tenantId, endpoint, 'incremental', nowMs);
      return { resumeAtMs: until > nowMs ? until : undefined };
    },

    snapshot() {
      const nowMs = clock.nowMs();
      roll(nowMs);
      const interactiveSpent = interactive.spent(nowMs);
      const active = (entries: Iterable<[string, number]>) => Object.fromEntries([...entries].filter(([, until]) => until > nowMs));
      return {
        hourStartMs: utcHourStartMs(nowMs),
        appPausedUntilMs: Math.max(appPausedUntilMs, shared?.appPausedUntilMs() ?? 0) > nowMs ? Math.max(appPausedUntilMs, shared?.appPausedUntilMs() ?? 0) : undefined,
        tenantPausedUntilMs: active(tenantPausedUntilMs),
        endpointPausedUntilMs: active([...endpoints].map(([key, state]) => [key, state.pausedUntilMs] as [string, number])),
        pointsPerHour: globalPool.limit,
        remainingPointsEstimate: Math.min(globalPool.remaining(), shared?.remainingEstimate() ?? Number.POSITIVE_INFINITY),
        pointsSpentByTenant: Object.fromEntries(spentByTenant),
        interactivePointsSpent: interactiveSpent.total,
        interactivePointsSpentByTenant: interactiveSpent.byTenant,
      };
    },

    close: async () => shared?.close(),
  };
}
