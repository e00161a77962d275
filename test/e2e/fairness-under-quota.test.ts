import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HourlyPointsLedger, nextUtcHourMs } from '../../simulator/limits/hourly-points-ledger.js';
import { createJiraClientHarness, type JiraClientHarness } from '../support/jira-client-harness.js';
import type { Sleep } from '../../src/jira/sleep.js';
import type { InteractiveBudgetOptions } from '../../src/jira/interactive-budget.js';
import { createRateLimitCoordinator } from '../../src/jira/rate-limit-coordinator.js';
import { isAppError } from '../../src/platform/app-error.js';
import { createLogger } from '../../src/platform/logger.js';
import { createLiveJiraData } from '../../src/reporting/live/live-jira-data.js';
import { createSqliteStoreProvider } from '../../src/store/sqlite-store-provider.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { TenantId } from '../../src/tenants/tenant.js';

/*
 * Issue 15, "fair under one quota": three tenants run their first sync while a fourth groups a
 * report by issue over its whole history — one live look-up of every issue, 100 per bulk fetch —
 * all on one Tier 1 pool small enough to bind. The truth is the simulator's own points per site.
 * Nothing moves the clock but Tally's waits, and a wait past the first hour ends that task: what
 * each site spent is what it spent in the first hour.
 */

/** The app's points per hour: the syncs alone would need about twice as much. */
const QUOTA = 3_000;
/** Share of the hour backfills leave to incremental syncs (the coordinator's default). */
const BACKFILL_RESERVE = 0.2;
/** One tenant's interactive share (the coordinator's default). */
const TENANT_SHARE = 0.05;
/** What a check before each call cannot see: the report's bulk fetches already in flight (4 at once, 101 points each). */
const REPORT_SLACK = 4 * 101;
const START = Date.UTC(2026, 10, 23, 9, 0, 0);
const HOUR_END = nextUtcHourMs(START);

class HourOver extends Error {}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Points the site's requests cost, as the simulator charged them to the app's pool. */
function pointsCharged(harness: JiraClientHarness): number {
  return Object.values(harness.sim.limits.counters()).reduce((sum, counter) => sum + counter.points, 0);
}

/** Runs the contest once; `interactiveBudget` as the coordinator takes it (shares of 1: no budget). */
async function contest(interactiveBudget: InteractiveBudgetOptions) {
  const ledger = new HourlyPointsLedger();
  const site = (i: number, generate: { worklogs: number; issues: number }) =>
    createJiraClientHarness({
      startMs: START,
      baseUrl: `https://site-${i}.atlassian.net`,
      generate: { ...generate, seed: `fairness-${i}` },
      // Pages of 100: a page is a small part of the hour, as 1,000 are of Tier 1's 65,000 points.
      behaviour: { pageSize: 100 },
      // One pool for the whole app (Tier 1); burst and per-issue limits are not the subject.
      rateLimits: { quota: { pool: 'global', pointsPerHour: QUOTA }, burst: { enabled: false }, perIssue: { enabled: false }, pointsLedger: ledger },
    });
  const syncing = [0, 1, 2].map((i) => site(i, { worklogs: 800, issues: 100 }));
  const reporting = site(3, { worklogs: 300, issues: 2_500 });
  const sites = [...syncing, reporting];

  // Tally's one process: one clock and one coordinator for every tenant. A wait moves every
  // site's clock, except past the first hour: that task ends there.
  const clock = syncing[0]!.clock;
  const sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted();
    if (clock.nowMs() + ms >= HOUR_END) throw new HourOver();
    for (const each of sites) each.sim.clock.advance(ms);
  };
  const coordinator = createRateLimitCoordinator({ clock, sleep, random: () => 0.5, pointsPerHour: QUOTA, interactiveBudget });
  const tenantOf = (i: number) => `t_${String(i).padStart(24, '0')}` as TenantId;
  const clientOf = (harness: JiraClientHarness, i: number) => harness.client({ tenantId: tenantOf(i), coordinator, clock, sleep });

  const dataDir = mkdtempSync(join(tmpdir(), 'tally-fairness-'));
  const provider = createSqliteStoreProvider({ dataDir });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => provider.close());
  const logger = createLogger({ level: 'silent' });
  const syncs = syncing.map(async (harness, i) => {
    const store = await provider.open(tenantOf(i));
    return runFullSync({ tenantId: tenantOf(i), store, jira: clientOf(harness, i), logger });
  });
  const live = createLiveJiraData({ clock, clientFor: async () => clientOf(reporting, 3) });
  const report = live.issues(tenantOf(3), [...reporting.sim.site.issues.keys()]);

  const [reportOutcome, ...syncOutcomes] = await Promise.allSettled([report, ...syncs]);
  expect(clock.nowMs()).toBeLessThan(HOUR_END);
  for (const outcome of syncOutcomes) {
    // A sync either finished or was held back until the next hour; nothing else went wrong.
    if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(HourOver);
  }
  return {
    reportOutcome,
    reportPoints: pointsCharged(reporting),
    syncPoints: syncing.map(pointsCharged),
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('fair under one quota (issue 15)', () => {
  it('keeps the syncing tenants’ share of the hour while another tenant’s huge report runs, which without budgets it takes', async () => {
    const fair = await contest({});
    const unbounded = await contest({ tenantShare: 1, totalShare: 1 });

    // With budgets: the report stops at its 5% and says why. Backfills stop only once less than
    // the reserve is left, so the syncs get at least 80% of the hour less what the report took.
    expect(fair.reportOutcome.status).toBe('rejected');
    expect(isAppError(fair.reportOutcome.status === 'rejected' ? fair.reportOutcome.reason : undefined, 'JIRA_INTERACTIVE_BUDGET_SPENT')).toBe(true);
    expect(fair.reportPoints).toBeLessThanOrEqual(TENANT_SHARE * QUOTA + REPORT_SLACK);
    expect(sum(fair.syncPoints)).toBeGreaterThanOrEqual((1 - BACKFILL_RESERVE - TENANT_SHARE) * QUOTA - REPORT_SLACK);
    for (const points of fair.syncPoints) expect(points).toBeGreaterThan(0.15 * QUOTA);

    // Without budgets, in the same scenario, the report takes most of the hour and the syncs get
    // what is left before the backfill reserve (measured: 2,424 and 915 points; with budgets 404 and 2,127).
    expect(unbounded.reportPoints).toBeGreaterThan(0.4 * QUOTA);
    expect(sum(unbounded.syncPoints)).toBeLessThan(sum(fair.syncPoints) - 0.3 * QUOTA);
  });
});
