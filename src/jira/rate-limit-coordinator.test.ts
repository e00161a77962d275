import { describe, expect, it } from 'vitest';
import { createManualClock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import { createRateLimitCoordinator, type RecordedResponse } from './rate-limit-coordinator.js';

const A = 't_aaaaaaaaaaaaaaaaaaaaaaaa' as TenantId;
const B = 't_bbbbbbbbbbbbbbbbbbbbbbbb' as TenantId;
const FEED = 'GET /rest/api/3/worklog/updated';
const LIST = 'POST /rest/api/3/worklog/list';
const START = Date.UTC(2026, 10, 23, 10, 30);
const TOP = Date.UTC(2026, 10, 23, 11);

/** A coordinator on a manual clock whose sleep moves the clock and records each wait. */
function setup(random = () => 0.5) {
  const clock = createManualClock(START);
  const sleeps: number[] = [];
  const coordinator = createRateLimitCoordinator({
    clock,
    random,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      clock.advanceMs(ms);
    },
  });
  const record = (response: Partial<Omit<RecordedResponse, 'headers'>> & { headers?: Record<string, string> }) =>
    coordinator.record({ tenantId: A, endpoint: FEED, status: 200, pointsEstimate: 1, ...response, headers: new Headers(response.headers) });
  /** How long `acquire` waits (virtual ms), restoring nothing. */
  const waited = async (tenantId: TenantId, endpoint: string, priority: 'incremental' | 'backfill' = 'incremental') => {
    const before = clock.nowMs();
    await coordinator.acquire({ tenantId, endpoint, priority });
    return clock.nowMs() - before;
  };
  return { clock, sleeps, coordinator, record, waited };
}

describe('RateLimitCoordinator', () => {
  it('lets calls go at once while nothing is limited', async () => {
    const { waited, sleeps } = setup();
    expect(await waited(A, FEED)).toBe(0);
    expect(await waited(B, LIST, 'backfill')).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it('pauses every tenant and endpoint after a global quota 429, until Retry-After', async () => {
    const { record, waited, coordinator } = setup();
    const { resumeAtMs } = record({ status: 429, headers: { 'Retry-After': '1800', 'RateLimit-Reason': 'jira-quota-global-based' } });
    expect(resumeAtMs).toBe(TOP);
    expect(coordinator.snapshot().appPausedUntilMs).toBe(TOP);
    expect(await waited(B, LIST)).toBe(TOP - START);
    expect(await waited(A, FEED)).toBe(0);
  });

  it('bounds an absurd or unreadable quota reset by the next top of the hour', async () => {
    const cases: Record<string, string>[] = [{ 'Retry-After': '86400' }, { 'Retry-After': 'soon', 'X-RateLimit-Reset': '1999-01-01T00:00:00Z' }, {}];
    for (const headers of cases) {
      const { record, coordinator } = setup();
      record({ status: 429, headers: { ...headers, 'RateLimit-Reason': 'jira-quota-global-based' } });
      expect(coordinator.snapshot().appPausedUntilMs, JSON.stringify(headers)).toBe(TOP);
    }
    const { record, coordinator } = setup();
    record({ status: 429, headers: { 'X-RateLimit-Reset': '2026-11-23T10:45:00Z', 'RateLimit-Reason': 'jira-quota-global-based' } });
    expect(coordinator.snapshot().appPausedUntilMs).toBe(Date.UTC(2026, 10, 23, 10, 45));
  });

  it('pauses only that tenant on a tenant quota 429', async () => {
    const { record, waited } = setup();
    record({ status: 429, headers: { 'Retry-After': '600', 'RateLimit-Reason': 'jira-quota-tenant-based' } });
    expect(await waited(B, FEED)).toBe(0);
    expect(await waited(A, LIST)).toBe(600_000);
  });

  it('slows only that tenant × endpoint on a burst 429, for at least a second', async () => {
    const { record, waited, coordinator } = setup();
    record({ status: 429, headers: { 'Retry-After': '0', 'RateLimit-Reason': 'jira-burst-based' } });
    expect(coordinator.snapshot().endpointPausedUntilMs).toEqual({ [`${A} ${FEED}`]: START + 1000 });
    expect(await waited(A, LIST)).toBe(0);
    expect(await waited(B, FEED)).toBe(0);
    expect(await waited(A, FEED)).toBe(1000);
    record({ status: 429, headers: { 'Retry-After': '3', 'RateLimit-Reason': 'jira-burst-based' } });
    expect(await waited(A, FEED)).toBe(3000);
  });

  it('backs off a bare gateway 429 from 2 s, doubling to 30 s, and forgets after a success', async () => {
    const { record, waited } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      record({ status: 429 });
      waits.push(await waited(A, FEED));
    }
    expect(waits).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
    record({ status: 200 });
    record({ status: 429 });
    expect(await waited(A, FEED)).toBe(2000);
  });

  it('jitters gateway backoff within ×0.7–1.3 and the 30 s cap', async () => {
    for (const [random, first] of [[0, 1400], [1, 2600]] as const) {
      const { record, waited } = setup(() => random);
      record({ status: 429 });
      expect(await waited(A, FEED)).toBe(first);
    }
  });

  it('holds backfill calls below the reserve until the top of the hour, never incremental ones', async () => {
    const { record, waited, coordinator } = setup();
    record({ headers: { 'RateLimit-Policy': '"global-app-quota";q=65000;w=3600', RateLimit: '"global-app-quota";r=12000;t=1800' } });
    expect(coordinator.snapshot().remainingPointsEstimate).toBe(12_000);
    expect(await waited(B, FEED)).toBe(0);
    expect(await waited(B, LIST, 'backfill')).toBe(TOP - START);
    // A new hour, a full quota.
    expect(coordinator.snapshot().remainingPointsEstimate).toBe(65_000);
  });

  it('estimates the hour’s points itself when Jira does not say, per tenant', async () => {
    const { record, waited, coordinator } = setup();
    record({ tenantId: A, pointsEstimate: 40_000 });
    record({ tenantId: B, pointsEstimate: 13_001 });
    expect(coordinator.snapshot()).toMatchObject({ remainingPointsEstimate: 11_999, pointsSpentByTenant: { [A]: 40_000, [B]: 13_001 } });
    expect(await waited(A, LIST, 'backfill')).toBe(TOP - START);
    expect(coordinator.snapshot().pointsSpentByTenant).toEqual({});
  });

  it('rejects a waiting acquire with the abort reason', async () => {
    const clock = createManualClock(START);
    const coordinator = createRateLimitCoordinator({
      clock,
      sleep: (_ms, signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    });
    coordinator.record({ tenantId: A, endpoint: FEED, status: 429, headers: new Headers({ 'RateLimit-Reason': 'jira-quota-global-based' }), pointsEstimate: 1 });
    const controller = new AbortController();
    const waiting = coordinator.acquire({ tenantId: A, endpoint: FEED, priority: 'incremental', signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
