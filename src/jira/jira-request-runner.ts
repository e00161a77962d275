import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type { CallOptions } from './jira-client.js';
import type { RateLimitCoordinator } from './rate-limit-coordinator.js';
import type { Sleep } from './sleep.js';
import { attemptJiraRequest, type AttemptDeps, type AttemptOutcome, type JiraRequestSpec } from './jira-attempt.js';
import { backoffDelayMs, clampDelayMs } from './backoff.js';
import { parseRateLimitHeaders } from './rate-limit-headers.js';

/** The narrow logger the runner needs (pino's `Logger` fits). Only endpoints, statuses and codes are logged. */
export interface JiraCallLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Everything the runner depends on; see {@link createJiraRequestRunner}. */
export interface JiraRequestRunnerDeps extends AttemptDeps {
  tenantId: TenantId;
  clock: Clock;
  sleep: Sleep;
  coordinator: RateLimitCoordinator;
  /** Attempts per call for 5xx, timeouts, network errors and unusable bodies. */
  maxAttempts: number;
  /** 429 answers one call may meet before it gives up; each waits as long as Jira asks (≥ 1 s). */
  maxRateLimitedAttempts: number;
  random: () => number;
  logger?: JiraCallLogger | undefined;
  /** Told the points each answered attempt cost, by the estimate the coordinator records (1 + objects returned). */
  onPointsSpent?: ((points: number) => void) | undefined;
}

/** Sends one request with Tally's retry policy; resolves with the parsed answer or throws an AppError. */
export type JiraRequestRunner = <T>(spec: JiraRequestSpec<T>, options?: CallOptions) => Promise<T>;

/** Longest a 5xx's `Retry-After` is honoured; larger values are clamped (security-and-reliability.md §5.2 E2). */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

function giveUp(outcome: Extract<AttemptOutcome<unknown>, { ok: false }>, endpoint: string, attempts: number, resumeAtMs: number | undefined, nowMs: number): AppError {
  if (outcome.retry === 'never') return outcome.error;
  const retryAfterMs = resumeAtMs === undefined ? undefined : Math.max(0, resumeAtMs - nowMs);
  const code = outcome.retry === 'rate-limited' ? 'JIRA_RATE_LIMITED' : 'JIRA_UNAVAILABLE';
  return new AppError(code, `${endpoint} gave no usable answer after ${attempts} attempts: ${outcome.error.message}`, {
    cause: outcome.error,
    details: outcome.error.details,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * Builds the retry loop around {@link attemptJiraRequest} (jira-connect-protocol.md §3 advice;
 * security-and-reliability.md §5.2 table E). Each attempt first passes the shared
 * {@link RateLimitCoordinator} and reports its response to it. Retried, bounded: 429 (the wait
 * is the coordinator's: quota until reset, burst per `Retry-After`, gateway 429 with backoff), up
 * to `maxRateLimitedAttempts`; 408/5xx (`Retry-After` honoured, else 2 s doubling to 30 s with
 * jitter), timeouts, network errors, cut or non-JSON bodies and parse failures, up to
 * `maxAttempts`. Never retried: 3xx, 400, 401/403 (`JIRA_AUTH_FAILED`), 404 (`JIRA_NOT_FOUND`),
 * other 4xx and oversized bodies. Exhausted retries throw `JIRA_RATE_LIMITED` (last failure a
 * 429) or `JIRA_UNAVAILABLE`, retryable, with the last failure as `cause`. The caller's signal
 * ends every wait and request at once, rejecting with its reason.
 */
export function createJiraRequestRunner(deps: JiraRequestRunnerDeps): JiraRequestRunner {
  const { tenantId, clock, sleep, coordinator, random } = deps;
  return async function run<T>(spec: JiraRequestSpec<T>, options: CallOptions = {}): Promise<T> {
    const { signal } = options;
    const priority = options.priority ?? 'incremental';
    let failures = 0;
    let throttled = 0;
    for (let attempt = 1; ; attempt++) {
      await coordinator.acquire({ tenantId, endpoint: spec.endpoint, priority, ...(signal ? { signal } : {}), ...(spec.maxObjects !== undefined ? { maxPoints: 1 + spec.maxObjects } : {}) });
      const outcome = await attemptJiraRequest(deps, spec, signal);
      const pointsEstimate = outcome.ok ? 1 + spec.countObjects(outcome.value) : 1;
      const { resumeAtMs } = outcome.response
        ? coordinator.record({
            tenantId,
            endpoint: spec.endpoint,
            status: outcome.response.status,
            headers: outcome.response.headers,
            pointsEstimate,
            priority,
          })
        : { resumeAtMs: undefined };
      if (outcome.response) deps.onPointsSpent?.(pointsEstimate);
      if (outcome.ok) return outcome.value;
      if (outcome.retry === 'rate-limited') throttled++;
      else if (outcome.retry === 'backoff') failures++;
      const exhausted = throttled >= deps.maxRateLimitedAttempts || failures >= deps.maxAttempts;
      if (outcome.retry === 'never' || exhausted) throw giveUp(outcome, spec.endpoint, attempt, resumeAtMs, clock.nowMs());
      let waitMs = 0;
      if (outcome.retry === 'backoff') {
        const retryAfterMs = outcome.response ? parseRateLimitHeaders(outcome.response.headers, clock.nowMs()).retryAfterMs : undefined;
        // "Some transient 5xx responses (such as 503) may also include a Retry-After header" (§3): its value is the minimum wait.
        waitMs = retryAfterMs === undefined ? backoffDelayMs(failures - 1, random) : clampDelayMs(retryAfterMs, 1000, MAX_RETRY_AFTER_MS);
      }
      deps.logger?.warn(
        { tenantId, endpoint: spec.endpoint, status: outcome.response?.status, code: outcome.error.code, attempt, waitMs },
        'Jira call failed; retrying',
      );
      // A 429's wait happens in the next acquire(), where every caller of that endpoint waits alike.
      if (waitMs > 0) await sleep(waitMs, signal);
      signal?.throwIfAborted();
    }
  };
}
