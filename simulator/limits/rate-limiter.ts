import type { MiddlewareHandler } from 'hono';
import type { JiraSite, SimInstalledApp } from '../jira/jira-site.js';
import type { Caller, SimEnv } from '../http/sim-env.js';
import { endpointTemplate, findIssueSegment } from './endpoint-template.js';
import { isWriteRequest, requestCost } from './request-cost.js';
import { createBurstLimiter } from './burst-limiter.js';
import { createPerIssueWriteLimiter } from './per-issue-write-limiter.js';
import { createPointsQuota } from './points-quota.js';
import { HourlyPointsLedger, nextUtcHourMs } from './hourly-points-ledger.js';
import { EndpointCounters, type EndpointCounter } from './endpoint-counters.js';
import { addBetaHeaders, throttledResponse, type RateLimitDenial } from './rate-limit-denial.js';
import { resolveRateLimitOptions, type RateLimitOptions, type ResolvedRateLimitOptions } from './rate-limit-options.js';

export type { EndpointCounter } from './endpoint-counters.js';
export type { RateLimitOptions, ResolvedRateLimitOptions } from './rate-limit-options.js';

/** The simulated site's rate limits; built by {@link createRateLimiter}. */
export interface RateLimiter {
  /** Hono middleware for `/rest/*`, mounted after authentication (it needs the caller). */
  middleware: MiddlewareHandler<SimEnv>;
  /** Calls, points charged and 429s per `METHOD template`, for benches (copies). */
  counters(): Record<string, EndpointCounter>;
  resetCounters(): void;
  /** The validated configuration in force. */
  readonly options: ResolvedRateLimitOptions;
  /** Turns every limit (429s and headers) on or off at run time; counters keep counting. */
  setEnabled(enabled: boolean): void;
  /** Spends the app's pool for the rest of this UTC hour (every installed app when no key is given). */
  exhaustQuota(appKey?: string): void;
  /** Sets the points left this UTC hour (every installed app when no key is given). */
  setRemainingPoints(points: number, appKey?: string): void;
  /** Points the app has left this UTC hour. Throws for an app that is not installed. */
  remainingPoints(appKey: string): number;
  /** Forgets burst buckets, per-issue windows and quota usage (counters are separate). */
  reset(): void;
}

async function readJson(response: Response): Promise<unknown> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(await response.clone().text()) as unknown;
  } catch {
    return undefined;
  }
}

/** The account an API-token caller's budget is kept under; undefined for apps and Forge tokens. */
function apiTokenAccount(caller: Caller): string | undefined {
  return caller.kind === 'user' && caller.apiToken ? `api-token:${caller.user.accountId}` : undefined;
}

function callerKey(caller: Caller): string {
  return caller.kind === 'app' ? `app:${caller.app.key}` : `user:${caller.user.accountId}`;
}

/**
 * Jira Cloud's 2026 rate limits on the simulator clock (`site.clock.now()`), so in-process tests
 * move time instead of waiting (jira-connect-protocol.md §3). In order: the hourly points quota
 * (app callers only: "API token-based traffic is not affected", self-hosted-site.md §3; an
 * API-token account budget only with `apiTokenQuota`), the burst token bucket
 * (every caller, per endpoint template and method), and the per-issue write windows. A refused
 * request gets Jira's 429 and reaches no route; an admitted app request is charged its cost and
 * answered with the quota headers. Options are validated when built (RangeError).
 */
export function createRateLimiter(site: JiraSite, overrides: Partial<RateLimitOptions> = {}): RateLimiter {
  const options = resolveRateLimitOptions(overrides);
  const ledger = overrides.pointsLedger ?? new HourlyPointsLedger();
  const quota = createPointsQuota(options.quota, ledger);
  const burst = createBurstLimiter(options.burst);
  const perIssue = createPerIssueWriteLimiter(options.perIssue);
  const counters = new EndpointCounters();
  let enabled = options.enabled;

  function admit(caller: Caller, method: string, pathname: string, template: string, nowMs: number): RateLimitDenial | undefined {
    if (caller.kind === 'app' && options.quota.enabled) {
      const denial = quota.check(caller.app, nowMs);
      if (denial) return denial;
    }
    const tokenAccount = options.apiTokenQuota.enabled ? apiTokenAccount(caller) : undefined;
    if (tokenAccount !== undefined && ledger.usedPoints(tokenAccount, nowMs) >= options.apiTokenQuota.pointsPerHour) {
      const limit = options.apiTokenQuota.pointsPerHour;
      return { reason: 'jira-cost-based', policy: undefined, limit, windowSeconds: 3600, resetAtMs: nextUtcHourMs(nowMs) };
    }
    if (options.burst.enabled) {
      const denial = burst.take(callerKey(caller), method, template, nowMs);
      if (denial) return denial;
    }
    const issueSegment = options.perIssue.enabled && isWriteRequest(method, template) ? findIssueSegment(pathname) : undefined;
    if (issueSegment !== undefined) {
      // Key and id of one issue share its windows.
      const issueKey = String(site.findIssue(issueSegment)?.id ?? issueSegment.toUpperCase());
      return perIssue.admit(issueKey, nowMs);
    }
    return undefined;
  }

  function appsFor(appKey: string | undefined): SimInstalledApp[] {
    if (appKey === undefined) return [...site.apps.values()];
    const app = site.findApp(appKey);
    if (!app) throw new Error(`No app "${appKey}" is installed on the simulated site`);
    return [app];
  }

  const middleware: MiddlewareHandler<SimEnv> = async (c, next) => {
    const caller = c.get('caller') as Caller | undefined;
    if (!caller) {
      await next();
      return;
    }
    const method = c.req.method;
    const pathname = new URL(c.req.url).pathname;
    const template = endpointTemplate(pathname);
    const key = `${method} ${template}`;
    const nowMs = site.clock.now();
    counters.recordCall(key);
    if (enabled) {
      const denial = admit(caller, method, pathname, template, nowMs);
      if (denial) {
        counters.recordThrottled(key);
        return throttledResponse(denial, nowMs, options.betaHeaders);
      }
    }
    await next();
    const tokenAccount = apiTokenAccount(caller);
    if (caller.kind !== 'app' && !(tokenAccount !== undefined && options.apiTokenQuota.enabled)) return;
    const status = c.res.status;
    const returned = c.get('returnedObjects');
    const needsBody = returned === undefined && !isWriteRequest(method, template) && status >= 200 && status < 300;
    const body = needsBody ? await readJson(c.res) : undefined;
    const flat = options.quota.flatCostTemplates.some((suffix) => template.endsWith(suffix));
    const cost = requestCost({ method, template, status, body, returned, countEmbeddedUsers: options.quota.countEmbeddedUsers, flat });
    counters.recordPoints(key, cost.points);
    if (caller.kind === 'app') c.set('appPoints', cost.points);
    if (caller.kind !== 'app') {
      if (enabled && tokenAccount !== undefined) ledger.charge(tokenAccount, cost.points, site.clock.now());
      return;
    }
    if (!enabled || !options.quota.enabled) return;
    const afterMs = site.clock.now();
    quota.charge(caller.app, cost.points, afterMs);
    quota.addSuccessHeaders(caller.app, afterMs, c.res.headers);
    if (options.betaHeaders) addBetaHeaders(c.res.headers);
  };

  return {
    middleware,
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    options,
    setEnabled(value) {
      enabled = value;
    },
    exhaustQuota(appKey) {
      for (const app of appsFor(appKey)) quota.setRemainingPoints(app, 0, site.clock.now());
    },
    setRemainingPoints(points, appKey) {
      for (const app of appsFor(appKey)) quota.setRemainingPoints(app, points, site.clock.now());
    },
    remainingPoints(appKey) {
      return quota.remainingPoints(appsFor(appKey)[0] as SimInstalledApp, site.clock.now());
    },
    reset() {
      burst.reset();
      perIssue.reset();
      ledger.clear();
    },
  };
}
