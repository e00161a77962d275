import { describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../test/support/jira-client-harness.js';
import { isAppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import { createRateLimitCoordinator } from './rate-limit-coordinator.js';
import type { Sleep } from './sleep.js';

const nextHour = (ms: number) => (Math.floor(ms / 3_600_000) + 1) * 3_600_000;

/**
 * A virtual sleep the test releases by hand: each wait is handed to `nextWait()`; `release()`
 * moves the simulator clock by its length and lets it resolve; an abort rejects it at once.
 */
function gatedSleep(h: JiraClientHarness) {
  const pending: { ms: number; release: () => void }[] = [];
  const waiters: ((wait: { ms: number; release: () => void }) => void)[] = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      const wait = { ms, release: () => (h.sim.clock.advance(ms), resolve()) };
      const waiter = waiters.shift();
      if (waiter) waiter(wait);
      else pending.push(wait);
    });
  const nextWait = () => new Promise<{ ms: number; release: () => void }>((resolve) => {
    const wait = pending.shift();
    if (wait) resolve(wait);
    else waiters.push(resolve);
  });
  return { sleep, nextWait };
}

describe('HttpJiraClient under Jira’s 2026 rate limits', () => {
  it('waits out a spent hourly quota until the top of the hour, then succeeds', async () => {
    const h = createJiraClientHarness();
    h.sim.limits.exhaustQuota();
    const resetMs = nextHour(h.sim.clock.now());
    const page = await h.client().getUpdatedWorklogs({ sinceMs: 0 });
    expect(page.values).toHaveLength(1000);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]!.atMs).toBeGreaterThanOrEqual(resetMs);
    expect(h.sim.limits.counters()['GET /rest/api/3/worklog/updated']).toMatchObject({ calls: 2, throttled: 1 });
  });

  it('pauses every tenant’s calls until the top of the hour once the app’s quota is spent, then succeeds', async () => {
    const h = createJiraClientHarness();
    h.sim.limits.exhaustQuota();
    const resetMs = nextHour(h.sim.clock.now());
    const error = await h.client({ maxRateLimitedAttempts: 1 }).getServerTimeMs().catch((e: unknown) => e);
    expect(isAppError(error, 'JIRA_RATE_LIMITED')).toBe(true);
    // Retry-After is in whole seconds (§3), so the pause ends at the reset or within a second after it.
    const pausedUntilMs = h.coordinator.snapshot().appPausedUntilMs!;
    expect(pausedUntilMs - resetMs).toBeGreaterThanOrEqual(0);
    expect(pausedUntilMs - resetMs).toBeLessThan(1000);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBe(pausedUntilMs - h.sim.clock.now());

    // Another tenant's client, on the same coordinator, sends nothing before the reset.
    const other = h.client({ tenantId: 't_00000000000000000000000b' as TenantId });
    expect(await other.getServerTimeMs()).toBeGreaterThanOrEqual(resetMs);
    expect(h.sent.map((request) => request.atMs >= resetMs)).toEqual([false, true]);
    expect(h.sim.limits.counters()['GET /rest/api/3/serverInfo']).toMatchObject({ calls: 2, throttled: 1 });
  });

  it('is slowed, never failed, by a tiny burst bucket', async () => {
    const h = createJiraClientHarness({ rateLimits: { burst: { capacity: { GET: 2 }, ratePerSecond: { GET: 1 } } } });
    const client = h.client();
    for (let i = 0; i < 6; i++) await client.getServerTimeMs();
    const results = await Promise.all(Array.from({ length: 6 }, () => client.getServerTimeMs()));
    expect(results).toHaveLength(6);
    const counter = h.sim.limits.counters()['GET /rest/api/3/serverInfo']!;
    expect(counter.throttled).toBeGreaterThan(0);
    expect(counter.calls).toBe(12 + counter.throttled);
    // Each 429 costs at least the second Jira asked for, and far fewer calls than a hot loop would.
    expect(counter.throttled).toBeLessThan(40);
    expect(h.sleeps.every((ms) => ms >= 1000)).toBe(true);
  });

  it('holds a backfill call while the hour’s points are below the reserve and lets incremental calls through', async () => {
    const h = createJiraClientHarness();
    const gate = gatedSleep(h);
    const coordinator = createRateLimitCoordinator({ clock: h.clock, sleep: gate.sleep });
    const client = h.client({ coordinator, sleep: gate.sleep });
    h.sim.limits.setRemainingPoints(5_000);
    await client.getServerTimeMs(); // Jira reports `r=` below 20%: the coordinator learns it.
    expect(coordinator.snapshot().remainingPointsEstimate).toBeLessThan(5_000);

    const issueId = [...h.sim.site.worklogsByIssue.keys()][0]!;
    const backfill = client.getIssueWorklogs(issueId, 0, { priority: 'backfill' });
    const wait = await gate.nextWait();
    expect(h.sim.clock.now() + wait.ms).toBe(nextHour(h.sim.clock.now()));
    await client.getServerTimeMs({ priority: 'incremental' });
    await client.getUpdatedWorklogs({ sinceMs: 0 });
    expect(h.sent.map((request) => new URL(request.url).pathname)).not.toContain(`/rest/api/3/issue/${issueId}/worklog`);

    wait.release();
    const page = await backfill;
    expect(page.worklogs.length).toBeGreaterThan(0);
    expect(h.sent.at(-1)!.atMs).toBeGreaterThanOrEqual(nextHour(h.sim.clock.now() - 1));
  });

  it('ends a long rate-limit wait at once when the caller aborts', async () => {
    const h = createJiraClientHarness();
    const gate = gatedSleep(h);
    const coordinator = createRateLimitCoordinator({ clock: h.clock, sleep: gate.sleep });
    h.sim.limits.exhaustQuota();
    const controller = new AbortController();
    const call = h.client({ coordinator, sleep: gate.sleep }).getUpdatedWorklogs({ sinceMs: 0 }, { signal: controller.signal });
    const wait = await gate.nextWait();
    expect(wait.ms).toBeGreaterThan(0);
    const clockBefore = h.sim.clock.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(h.sent).toHaveLength(1);
    expect(h.sim.clock.now()).toBe(clockBefore);
  });

  it('ends a request in flight at once when the caller aborts, without retrying it', async () => {
    const h = createJiraClientHarness();
    h.sim.faults.add({ kind: 'timeout' });
    const controller = new AbortController();
    const call = h.client({ requestTimeoutMs: 3_600_000 }).getServerTimeMs({ signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(h.sent).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });
});
