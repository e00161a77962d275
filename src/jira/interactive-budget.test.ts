import { describe, expect, it } from 'vitest';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { AppError, isAppError } from '../platform/app-error.js';
import { createManualClock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type { CallPriority } from './jira-client.js';
import { createRateLimitCoordinator, type RateLimitCoordinatorOptions } from './rate-limit-coordinator.js';

const [A, B, C, D, E] = ['a', 'b', 'c', 'd', 'e'].map((letter) => `t_${letter.repeat(24)}` as TenantId) as [TenantId, TenantId, TenantId, TenantId, TenantId];
const BULK = 'POST /rest/api/3/issue/bulkfetch';
const LIST = 'POST /rest/api/3/worklog/list';
const START = Date.UTC(2026, 10, 23, 10, 30);
const TOP = Date.UTC(2026, 10, 23, 11);
/** 5% and 20% of Tier 1's 65,000 points (the defaults). */
const TENANT_BUDGET = 3_250;
const TOTAL_BUDGET = 13_000;

/** A coordinator on a manual clock whose sleep moves the clock and records each wait. */
function setup(options: Partial<RateLimitCoordinatorOptions> = {}) {
  const clock = createManualClock(START);
  const sleeps: number[] = [];
  const coordinator = createRateLimitCoordinator({
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advanceMs(ms);
    },
    ...options,
  });
  /** One answered call of `priority` that cost `points`. */
  const spend = (tenantId: TenantId, points: number, priority: CallPriority = 'interactive', headers: Record<string, string> = {}) =>
    coordinator.record({ tenantId, endpoint: priority === 'interactive' ? BULK : LIST, status: 200, headers: new Headers(headers), pointsEstimate: points, priority });
  /** Whether a call may go now: resolves with the virtual ms it waited, or rejects. */
  const go = async (tenantId: TenantId, priority: CallPriority = 'interactive') => {
    const before = clock.nowMs();
    await coordinator.acquire({ tenantId, endpoint: priority === 'interactive' ? BULK : LIST, priority });
    return clock.nowMs() - before;
  };
  return { clock, sleeps, coordinator, spend, go };
}

async function refusal(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  if (!isAppError(error, 'JIRA_INTERACTIVE_BUDGET_SPENT')) throw new Error(`expected JIRA_INTERACTIVE_BUDGET_SPENT, got ${String(error)}`);
  return error;
}

describe('interactive budgets of the rate-limit coordinator', () => {
  it('refuses a tenant’s interactive call once it spent 5% of the hour, with 429 and Retry-After at the top of the hour', async () => {
    const { spend, go } = setup();
    spend(A, TENANT_BUDGET - 1);
    expect(await go(A)).toBe(0);
    spend(A, 101);
    const error = await refusal(go(A));
    expect(error.httpStatus).toBe(429);
    expect(error.retryAfterMs).toBe(TOP - START);
    // Another tenant's look-ups and this tenant's syncs are not held back.
    expect(await go(B)).toBe(0);
    expect(await go(A, 'incremental')).toBe(0);
    expect(await go(A, 'backfill')).toBe(0);
  });

  it('refuses every tenant’s interactive calls once all of them spent 20% of the hour, never sync calls', async () => {
    const { spend, go } = setup();
    for (const tenant of [A, B, C]) spend(tenant, TENANT_BUDGET - 1);
    expect(await go(D)).toBe(0);
    spend(D, TOTAL_BUDGET - 3 * (TENANT_BUDGET - 1));
    await refusal(go(E));
    await refusal(go(A));
    expect(await go(E, 'incremental')).toBe(0);
    expect(await go(E, 'backfill')).toBe(0);
  });

  it('counts only interactive calls against the budgets', async () => {
    const { spend, go, coordinator } = setup();
    spend(A, 40_000, 'backfill');
    spend(A, 10_000, 'incremental');
    spend(A, 300);
    expect(await go(A)).toBe(0);
    expect(coordinator.snapshot()).toMatchObject({ interactivePointsSpent: 300, interactivePointsSpentByTenant: { [A]: 300 }, pointsSpentByTenant: { [A]: 50_300 } });
  });

  it('starts fresh budgets at the top of the UTC hour', async () => {
    const { spend, go, clock, coordinator } = setup();
    spend(A, TOTAL_BUDGET);
    await refusal(go(B));
    clock.advanceMs(TOP - START - 1);
    await refusal(go(A));
    clock.advanceMs(1);
    expect(coordinator.snapshot()).toMatchObject({ interactivePointsSpent: 0, interactivePointsSpentByTenant: {} });
    expect(await go(A)).toBe(0);
    expect(await go(B)).toBe(0);
  });

  it('fails at once even while a quota pause holds every call', async () => {
    const { spend, go, coordinator, sleeps } = setup();
    spend(A, TENANT_BUDGET);
    coordinator.record({ tenantId: B, endpoint: LIST, status: 429, headers: new Headers({ 'RateLimit-Reason': 'jira-quota-global-based' }), pointsEstimate: 1 });
    await refusal(go(A));
    expect(sleeps).toEqual([]);
  });

  it('bounds a Tier 2 tenant by 20% of its own pool, outside the global total', async () => {
    const { spend, go, coordinator } = setup();
    const tier2 = { 'RateLimit-Policy': '"tenant-app-quota";q=200000;w=3600' };
    spend(A, 39_999, 'interactive', tier2);
    expect(await go(A)).toBe(0);
    // 39,999 points would have spent the global total three times over; other tenants do not notice.
    expect(await go(B)).toBe(0);
    expect(coordinator.snapshot().interactivePointsSpent).toBe(0);
    spend(A, 1, 'interactive', tier2);
    await refusal(go(A));
  });

  it('takes other shares as options and refuses impossible ones when built', async () => {
    const { spend, go } = setup({ pointsPerHour: 10_000, interactiveBudget: { tenantShare: 0.5, totalShare: 0.6 } });
    spend(A, 4_999);
    expect(await go(A)).toBe(0);
    spend(B, 1_001);
    await refusal(go(C));
    const clock = createManualClock(START);
    const sleep = async () => undefined;
    expect(() => createRateLimitCoordinator({ clock, sleep, interactiveBudget: { tenantShare: 0 } })).toThrow(RangeError);
    expect(() => createRateLimitCoordinator({ clock, sleep, interactiveBudget: { totalShare: 1.5 } })).toThrow(/totalShare/);
  });

  it('sends no request to Jira once the budget is spent: the client throws before calling', async () => {
    // 1,000 points an hour (Jira says so in every answer): a tenant's 5% is 50 points, less than one bulk fetch of 100 issues.
    const harness = createJiraClientHarness({ startMs: START, generate: { worklogs: 200, issues: 150 }, rateLimits: { quota: { pointsPerHour: 1_000 } } });
    const coordinator = createRateLimitCoordinator({ clock: harness.clock, sleep: harness.sleep, pointsPerHour: 1_000 });
    const client = harness.client({ coordinator });
    const ids = [...harness.sim.site.issues.keys()].slice(0, 100);
    expect((await client.getIssues(ids, { priority: 'interactive' })).issues).toHaveLength(100);
    const sent = harness.sent.length;
    const error = await refusal(client.getIssues(ids, { priority: 'interactive' }));
    expect(error.retryAfterMs).toBe(TOP - START);
    expect(harness.sent).toHaveLength(sent);
    expect((await client.getIssues(ids)).issues).toHaveLength(100);
  });
});
