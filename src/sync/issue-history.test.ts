import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../test/support/jira-client-harness.js';
import { storedFingerprints as stored, truthFrom } from '../../test/support/worklog-fingerprints.js';
import { createLogger } from '../platform/logger.js';
import { createSqliteStoreProvider } from '../store/sqlite-store-provider.js';
import type { TenantStore } from '../store/tenant-store.js';
import { runFullSync } from './full-sync.js';
import { FEED_POINTS_PER_WORKLOG, feedIsCheaper, MEASURE_AFTER_WORKLOGS } from './issue-history.js';
import { readWorklogsByIssue } from './issue-worklog-read.js';
import { runRecentFirstFullSync } from './recent-first-sync.js';
import { syncTenant } from './sync-tenant.js';
import { completeFromMs } from './sync-status.js';
import type { SyncContext } from './sync-context.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(generate: { worklogs: number; issues: number; seed: number }): Promise<{ harness: JiraClientHarness; store: TenantStore; context: SyncContext }> {
  const harness = createJiraClientHarness({ generate: { ...generate, years: 2 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-issue-history-'));
  const provider = createSqliteStoreProvider({ dataDir });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => provider.close());
  const store = await provider.open(harness.tenantId);
  const context: SyncContext = { tenantId: harness.tenantId, store, jira: harness.client(), logger: createLogger({ level: 'silent' }) };
  return { harness, store, context };
}

/** The simulator's own charge for everything the app called. */
const simulatorPoints = (harness: JiraClientHarness) => Object.values(harness.sim.limits.counters()).reduce((sum, counter) => sum + counter.points, 0);

/** A recent-first full sync in short turns (2 pages' worth each), to the end. */
async function recentFirstInTurns(context: SyncContext): Promise<number> {
  for (let turn = 1; turn <= 500; turn++) {
    const result = await runRecentFirstFullSync(context, { policy: { strategy: 'recent-first' }, maxPages: 2, restart: false, priority: 'backfill', longTailPoints: Infinity });
    if (result.done) return turn;
  }
  throw new Error('the full sync did not finish in 500 turns');
}

describe('the history, issue by issue or by the feed, whichever costs less', () => {
  it('reads a site whose issues hold many worklogs issue by issue, exactly, for fewer points than the feed', async () => {
    const byIssue = await setup({ worklogs: 6000, issues: 150, seed: 21 });
    const turns = await recentFirstInTurns(byIssue.context);
    const state = await byIssue.store.getSyncState();
    expect(state.phase).toBe('incremental');
    expect(state.historyPath).toBe('issues');
    expect(turns).toBeGreaterThan(2); // turns of about 2,000 worklogs each
    expect(state.historyIssueWorklogs).toBeGreaterThan(0);
    // The issue ids kept as resume points are gone; the counts stay for the record.
    expect([state.historyFirstIssueId, state.historyLastIssueId, state.historyDoneThroughIssueId]).toEqual([undefined, undefined, undefined]);
    expect(await stored(byIssue.store)).toEqual(truthFrom(byIssue.harness));

    // The same site read by the feed alone, as the simulator charges both.
    const byFeed = await setup({ worklogs: 6000, issues: 150, seed: 21 });
    expect((await runFullSync(byFeed.context, {})).done).toBe(true);
    expect(await stored(byFeed.store)).toEqual(truthFrom(byFeed.harness));
    expect(simulatorPoints(byIssue.harness)).toBeLessThan(0.7 * simulatorPoints(byFeed.harness));
  });

  it('goes over to the feed on a site whose issues hold a worklog or so each, and still holds exactly the site', async () => {
    const { harness, store, context } = await setup({ worklogs: 4000, issues: 4000, seed: 22 });
    await recentFirstInTurns(context);
    const state = await store.getSyncState();
    expect(state.phase).toBe('incremental');
    expect(state.historyPath).toBe('feed');
    // It measured before it chose: at least the measuring sample, and dearer than the feed.
    expect(state.historyIssueWorklogs).toBeGreaterThanOrEqual(MEASURE_AFTER_WORKLOGS);
    expect(state.historyIssuePoints / state.historyIssueWorklogs).toBeGreaterThan(FEED_POINTS_PER_WORKLOG);
    expect(await stored(store)).toEqual(truthFrom(harness));
  });

  it('resumes after an issue deleted since its read, though Jira refuses an `id >` bound naming it', async () => {
    const { harness, store, context } = await setup({ worklogs: 3000, issues: 100, seed: 23 });
    const range = { startedBeforeMs: harness.sim.clock.now() + 86_400_000 };
    const first = await readWorklogsByIssue(context, { range, priority: 'backfill', maxWorklogs: 500, issuePage: 40 });
    expect(first.complete).toBe(false);
    const gone = first.doneThroughIssueId!;
    const goneWorklogs = [...harness.sim.site.worklogs.values()].filter((worklog) => worklog.issueId === gone).map((worklog) => worklog.id);
    expect(harness.sim.site.deleteIssue(gone)).toBe(true);
    expect(harness.sim.site.behaviour.jqlIdRangeNeedsIssue).toBe(true);

    const rest = await readWorklogsByIssue(context, { range, priority: 'backfill', afterIssueId: gone });
    expect(rest.complete).toBe(true);
    expect(rest.doneThroughIssueId).toBeGreaterThan(gone);
    // Everything Jira holds now, and the gone issue's rows read before (the deleted feed removes those).
    const expected = truthFrom(harness);
    const rows = await stored(store);
    expect([...rows.keys()].filter((id) => !expected.has(id)).sort()).toEqual(goneWorklogs.filter((id) => rows.has(id)).sort());
    expect([...expected.keys()].filter((id) => !rows.has(id))).toEqual([]);
  });

  it('reads a site whose calls are not charged points (an API token) by the feed alone, the fewest requests', async () => {
    const harness = createJiraClientHarness({ generate: { worklogs: 3000, issues: 60, seed: 24, years: 2 } });
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-issue-history-'));
    const stores = createSqliteStoreProvider({ dataDir });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => stores.close());
    const deps = { stores, credentials: { forTenant: async () => ({ ...harness.access, chargesPoints: false }) }, jiraClientFor: () => harness.client(), logger: createLogger({ level: 'silent' }) };
    expect((await syncTenant(deps, harness.tenantId, { mode: 'auto' })).status).toBe('synced');
    const store = await stores.open(harness.tenantId);
    const state = await store.getSyncState();
    expect([state.recentFromMs, state.historyPath]).toEqual([undefined, undefined]);
    expect(await stored(store)).toEqual(truthFrom(harness));
    // The same site charged points reads recent first, then issue by issue (20 worklogs an issue: cheaper here).
    const charged = await setup({ worklogs: 3000, issues: 60, seed: 24 });
    const chargedDeps = { ...deps, credentials: { forTenant: async () => charged.harness.access }, jiraClientFor: () => charged.context.jira };
    expect((await syncTenant({ ...chargedDeps, stores: { ...stores, open: async () => charged.store } as typeof stores }, charged.harness.tenantId, { mode: 'auto' })).status).toBe('synced');
    expect((await charged.store.getSyncState()).historyPath).toBe('issues');
  });

  it('reads a window bigger than a turn in several turns, and calls it complete only once it is', async () => {
    const { harness, store, context } = await setup({ worklogs: 24_000, issues: 1200, seed: 25 });
    const turn = () => runRecentFirstFullSync(context, { policy: { strategy: 'recent-first' }, maxPages: 1, restart: false, priority: 'backfill', longTailPoints: Infinity });
    expect((await turn()).done).toBe(false);
    const first = await store.getSyncState();
    expect(first.recentDoneThroughIssueId).toBeDefined();
    expect([first.recentReadAtMs, completeFromMs(first)]).toEqual([undefined, undefined]);
    const inWindow = [...truthFrom(harness).keys()].filter((id) => harness.sim.site.worklogs.get(id)!.startedMs >= first.recentFromMs!);
    expect(inWindow.length).toBeGreaterThan(1000); // more than a turn of 1 page (1,000 worklogs)
    let turns = 1;
    while ((await store.getSyncState()).recentReadAtMs === undefined) {
      expect((await turn()).done).toBe(false);
      turns++;
    }
    expect(turns).toBeGreaterThan(1);
    const read = await store.getSyncState();
    expect(completeFromMs(read)).toBe(read.recentFromMs);
    const rows = await stored(store);
    expect(inWindow.filter((id) => !rows.has(id))).toEqual([]);
  });

  it('ends a first sync\'s turn where it becomes a long tail, not a whole turn past it', async () => {
    const { context } = await setup({ worklogs: 12_000, issues: 400, seed: 26 });
    const spent = () => context.jira.pointsSpent!();
    const result = await runRecentFirstFullSync(context, { policy: { strategy: 'recent-first' }, maxPages: 100, restart: false, priority: 'backfill', longTailPoints: 3000 });
    expect(result.done).toBe(false);
    // The turn's last issues in flight may pass the mark by a few issues' worklogs (30 each here).
    expect(spent()).toBeGreaterThanOrEqual(3000);
    expect(spent()).toBeLessThan(3000 + 400);
  });

  it('decides only after measuring, by points per worklog against the feed’s', () => {
    expect(feedIsCheaper({ historyIssueWorklogs: MEASURE_AFTER_WORKLOGS - 1, historyIssuePoints: 10_000 })).toBe(false);
    expect(feedIsCheaper({ historyIssueWorklogs: 1000, historyIssuePoints: 2100 })).toBe(true);
    expect(feedIsCheaper({ historyIssueWorklogs: 1000, historyIssuePoints: 1500 })).toBe(false);
  });
});
