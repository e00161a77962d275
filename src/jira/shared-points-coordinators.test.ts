import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock, type ManualClock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import { createControlDbTarget, type ControlDbTarget } from '../tenants/control-db-test-kit.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import type { CallPriority } from './jira-client.js';
import { createRateLimitCoordinator, type OwnedRateLimitCoordinator } from './rate-limit-coordinator.js';
import { createInMemoryPointsLedger, type PointsLedger } from './shared-points-ledger.js';
import { JIRA_POINTS_MIGRATIONS, type JiraPointsTables } from './shared-points-migrations.js';
import { createSqlPointsLedger } from './shared-points-sql-ledger.js';

const START = Date.UTC(2026, 10, 23, 10, 30);
const HOUR = Date.UTC(2026, 10, 23, 10);
const TOP = Date.UTC(2026, 10, 23, 11);
const QUOTA = 50_000;
const INSTANCES = 3;

type LedgerKind = 'memory' | 'sqlite' | 'postgres';

/** Thrown by the test's sleep when a call would wait for the next hour: the hour under test is over for that worker. */
class HourOver extends Error {}

const opened: { controls: ControlDb[]; target: ControlDbTarget }[] = [];
afterEach(async (context) => {
  for (const { controls, target } of opened.splice(0)) {
    for (const control of controls) await control.close();
    if (context.task.result?.state !== 'fail') await target.remove();
  }
});

/** One ledger per "instance", all on one place (one shared map, or one database through separate pools), plus one to look with. */
async function openLedgers(kind: LedgerKind): Promise<{ ledgers: PointsLedger[]; observer: PointsLedger }> {
  if (kind === 'memory') {
    const ledger = createInMemoryPointsLedger();
    return { ledgers: Array.from({ length: INSTANCES }, () => ledger), observer: ledger };
  }
  const target = await createControlDbTarget(kind);
  const controls: ControlDb[] = [];
  opened.push({ controls, target });
  for (let i = 0; i <= INSTANCES; i++) controls.push(await openControlDb({ ...target.options, ownedMigrations: JIRA_POINTS_MIGRATIONS }));
  const ledgers = controls.map((control) => createSqlPointsLedger({ db: control.db.withTables<JiraPointsTables>() }));
  return { ledgers: ledgers.slice(0, INSTANCES), observer: ledgers[INSTANCES]! };
}

/** Three coordinators ("instances") on one manual clock; sleeping moves the clock, except into the next hour. */
function startInstances(clock: ManualClock, ledgers: PointsLedger[], waits: number[][]): OwnedRateLimitCoordinator[] {
  return ledgers.map((ledger, instance) =>
    createRateLimitCoordinator({
      clock,
      pointsPerHour: QUOTA,
      random: () => 0.5,
      sleep: async (ms) => {
        if (clock.nowMs() + ms >= TOP) throw new HourOver();
        waits[instance]!.push(ms);
        clock.advanceMs(ms);
      },
      sharedPoints: { ledger, chunkPoints: 100, unseenEndpointHoldPoints: 300 },
    }),
  );
}

/** What the hour's row says now (a reservation of nothing reads it). */
async function ledgerSpent(ledger: PointsLedger, nowMs: number): Promise<number> {
  return (await ledger.reserve({ hourStartMs: HOUR, points: 0, quota: QUOTA, ceilingPoints: QUOTA }, nowMs)).spentPoints;
}

const tenant = (n: number) => `t_${String(n).padStart(24, '0')}` as TenantId;
/** Endpoints with what a call may cost; the first is never larger than the unseen-endpoint hold, the last says its page size. */
const ENDPOINTS = [
  { endpoint: 'GET /rest/api/3/worklog/updated', largest: 300 },
  { endpoint: 'POST /rest/api/3/worklog/list', largest: 250 },
  { endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}/worklog', largest: 1001, maxPoints: 1001 },
] as const;

describe.each<LedgerKind>(['memory', 'sqlite', 'postgres'])('Coordinators sharing one points ledger (%s)', (kind) => {
  it('never spend more than the hour’s quota between them, and account for every point', async () => {
    const { ledgers, observer } = await openLedgers(kind);
    const clock = createManualClock(START);
    const coordinators = startInstances(clock, ledgers, [[], [], []]);
    // The independent truth: what each instance's calls cost, counted here as Jira would.
    const spent = [0, 0, 0];
    let seed = 7;
    const nextCost = (largest: number) => 1 + ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % largest);

    async function worker(instance: number, workerIndex: number): Promise<void> {
      const coordinator = coordinators[instance]!;
      for (let call = 0; ; call++) {
        const { endpoint, largest, ...known } = ENDPOINTS[(workerIndex + call) % ENDPOINTS.length]!;
        const priority: CallPriority = workerIndex % 3 === 0 ? 'backfill' : 'incremental';
        const tenantId = tenant(instance * 10 + workerIndex);
        try {
          await coordinator.acquire({ tenantId, endpoint, priority, ...known });
        } catch (error) {
          if (error instanceof HourOver) return;
          throw error;
        }
        // An answer arrives a little later, as over a network, so the instances' calls interleave.
        await new Promise((resolve) => setImmediate(resolve));
        const points = nextCost(largest);
        spent[instance]! += points;
        coordinator.record({ tenantId, endpoint, status: 200, headers: new Headers(), pointsEstimate: points });
      }
    }

    await Promise.all(coordinators.flatMap((_, instance) => Array.from({ length: 8 }, (__, w) => worker(instance, w))));
    const total = spent.reduce((sum, points) => sum + points, 0);
    expect(total).toBeLessThanOrEqual(QUOTA);
    // Every instance took part (first come, first served: shares are not promised to be even), and
    // the quota was used, not left idle (holds of up to 1,001 points stay out near the end).
    for (const points of spent) expect(points).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(0.9 * QUOTA);
    console.info(`${kind}: ${INSTANCES} instances spent ${total} of ${QUOTA} points (${spent.join(' + ')})`);

    // Closed instances give back what they reserved and did not use: the ledger holds exactly what was spent.
    await Promise.all(coordinators.map((coordinator) => coordinator.close()));
    expect(await ledgerSpent(observer, clock.nowMs())).toBe(total);
  });

  it('pauses every instance when one meets the app’s quota 429, until its Retry-After', async () => {
    const { ledgers, observer } = await openLedgers(kind);
    const clock = createManualClock(START);
    const waits: number[][] = [[], [], []];
    const [a, b, c] = startInstances(clock, ledgers, waits);
    const call = { endpoint: ENDPOINTS[0].endpoint, priority: 'incremental' as const };
    // B already holds points of its own; C has never called.
    await b!.acquire({ tenantId: tenant(2), ...call });
    b!.record({ tenantId: tenant(2), endpoint: call.endpoint, status: 200, headers: new Headers(), pointsEstimate: 1 });
    clock.advanceMs(1000);
    await a!.acquire({ tenantId: tenant(1), ...call });
    a!.record({ tenantId: tenant(1), endpoint: call.endpoint, status: 429, headers: new Headers({ 'Retry-After': '600', 'RateLimit-Reason': 'jira-quota-global-based' }), pointsEstimate: 1 });
    const pausedUntil = clock.nowMs() + 600_000;
    await vi.waitFor(async () => expect(await observer.findAppPausedUntilMs(clock.nowMs())).toBe(pausedUntil));

    // B looks at the shared pause at most a second after its last look (pauseCheckIntervalMs), C before its first reservation.
    clock.advanceMs(1000);
    const pausedAt = clock.nowMs();
    await b!.acquire({ tenantId: tenant(2), ...call });
    expect(waits[1]).toEqual([pausedUntil - pausedAt]);
    expect(b!.snapshot().appPausedUntilMs).toBeUndefined();
    clock.setMs(pausedAt);
    await c!.acquire({ tenantId: tenant(3), ...call });
    expect(waits[2]).toEqual([pausedUntil - pausedAt]);
    clock.setMs(pausedAt);
    expect(c!.snapshot().appPausedUntilMs).toBe(pausedUntil);
  });

  it('shares what Jira reports left of the app’s hour', async () => {
    const { ledgers } = await openLedgers(kind);
    const clock = createManualClock(START);
    const [a, b] = startInstances(clock, ledgers, [[], [], []]);
    const endpoint = ENDPOINTS[1].endpoint;
    await a!.acquire({ tenantId: tenant(1), endpoint, priority: 'incremental', maxPoints: 10 });
    // Jira counts more than Tally estimated (the cost model is not published, rate-limits-2026.md): 400 points left.
    a!.record({ tenantId: tenant(1), endpoint, status: 200, pointsEstimate: 10, headers: new Headers({ 'RateLimit-Policy': `"global-app-quota";q=${QUOTA};w=3600`, RateLimit: '"global-app-quota";r=400;t=1800' }) });
    await a!.close();
    // B may take what is left and no more: its next call of 300 points waits for the next hour.
    const bSpent: number[] = [];
    for (;;) {
      try {
        await b!.acquire({ tenantId: tenant(2), endpoint, priority: 'incremental', maxPoints: 300 });
      } catch (error) {
        if (error instanceof HourOver) break;
        throw error;
      }
      bSpent.push(300);
      b!.record({ tenantId: tenant(2), endpoint, status: 200, headers: new Headers(), pointsEstimate: 300 });
    }
    expect(bSpent).toEqual([300]);
  });

  it('gives back the hour’s unused points when the next hour starts', async () => {
    const { ledgers, observer } = await openLedgers(kind);
    const clock = createManualClock(START);
    const [a] = startInstances(clock, ledgers, [[], [], []]);
    const endpoint = ENDPOINTS[1].endpoint;
    await a!.acquire({ tenantId: tenant(1), endpoint, priority: 'incremental', maxPoints: 40 });
    a!.record({ tenantId: tenant(1), endpoint, status: 200, headers: new Headers(), pointsEstimate: 7 });
    expect(await ledgerSpent(observer, clock.nowMs())).toBe(100);
    clock.setMs(TOP + 1000);
    await a!.acquire({ tenantId: tenant(1), endpoint, priority: 'incremental', maxPoints: 40 });
    await vi.waitFor(async () => expect(await ledgerSpent(observer, clock.nowMs())).toBe(7));
    await a!.close();
  });

  it('charges a call that cost more than it held, so the others see the overrun', async () => {
    const { ledgers, observer } = await openLedgers(kind);
    const clock = createManualClock(START);
    const [a] = startInstances(clock, ledgers, [[], [], []]);
    const endpoint = ENDPOINTS[0].endpoint;
    await a!.acquire({ tenantId: tenant(1), endpoint, priority: 'incremental', maxPoints: 50 });
    a!.record({ tenantId: tenant(1), endpoint, status: 200, headers: new Headers(), pointsEstimate: 180 });
    await a!.close();
    expect(await ledgerSpent(observer, clock.nowMs())).toBe(180);
  });
});
