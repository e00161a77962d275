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
import { fetchRecentWindow } from './recent-window.js';
import type { SyncContext } from './sync-context.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ harness: JiraClientHarness; store: TenantStore; context: SyncContext }> {
  const harness = createJiraClientHarness({ generate: { worklogs: 1500 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-recent-window-'));
  const provider = createSqliteStoreProvider({ dataDir });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => provider.close());
  const store = await provider.open(harness.tenantId);
  const context: SyncContext = { tenantId: harness.tenantId, store, jira: harness.client(), logger: createLogger({ level: 'silent' }) };
  return { harness, store, context };
}

describe('the recent window (recent first)', () => {
  it('stores exactly the worklogs started in the window, asking Jira only for them', async () => {
    const { harness, store, context } = await setup();
    const starts = [...harness.sim.site.worklogs.values()].map((worklog) => worklog.startedMs).sort((a, b) => a - b);
    const fromMs = starts[Math.floor(starts.length * 0.8)]!; // the newest fifth
    const truth = truthFrom(harness, fromMs);
    expect(truth.size).toBeGreaterThan(100);

    const result = await fetchRecentWindow(context, { fromMs, priority: 'backfill' });

    expect(await stored(store)).toEqual(truth);
    expect(result.upserted).toBe(truth.size);
    expect(result.unreadIssueIds).toEqual([]);
    const issueReads = harness.sent.filter((request) => /\/issue\/\d+\/worklog/.test(request.url));
    expect(issueReads.length).toBeGreaterThan(0);
    expect(issueReads.every((request) => new URL(request.url).searchParams.get('startedAfter') === String(fromMs - 1))).toBe(true);
    // Only issues with work in the window were read: far fewer than the site's issues with any worklog.
    const issuesInWindow = new Set([...truth.keys()].map((id) => harness.sim.site.worklogs.get(id)!.issueId));
    const issuesWithWork = new Set([...harness.sim.site.worklogs.values()].map((worklog) => worklog.issueId));
    expect(result.issues).toBeGreaterThanOrEqual(issuesInWindow.size);
    expect(result.issues).toBeLessThan(issuesWithWork.size);

    const again = await fetchRecentWindow(context, { fromMs, priority: 'backfill' });
    expect(again.upserted).toBe(0);
    expect(await stored(store)).toEqual(truth);
  });

  it('lists an issue whose worklogs Jira refuses after the search, and reads the others', async () => {
    const { harness, store, context } = await setup();
    const starts = [...harness.sim.site.worklogs.values()].map((worklog) => worklog.startedMs).sort((a, b) => a - b);
    const fromMs = starts[Math.floor(starts.length * 0.9)]!;
    const newest = [...harness.sim.site.worklogs.values()].find((worklog) => worklog.startedMs >= fromMs)!;
    const refused = harness.sim.site.issues.get(newest.issueId)!;
    refused.timeTrackingEnabled = false; // JQL still names it; its worklog list answers 404
    const result = await fetchRecentWindow(context, { fromMs, priority: 'backfill' });
    expect(result.unreadIssueIds).toEqual([refused.id]);
    const expected = new Map([...truthFrom(harness, fromMs)].filter(([id]) => harness.sim.site.worklogs.get(id)!.issueId !== refused.id));
    expect(await stored(store)).toEqual(expected);
  });

  it('then reads the history without paying again for the window: the bodies fetched are the rest', async () => {
    const { harness, store, context } = await setup();
    const starts = [...harness.sim.site.worklogs.values()].map((worklog) => worklog.startedMs).sort((a, b) => a - b);
    const fromMs = starts[Math.floor(starts.length * 0.7)]!;
    const window = truthFrom(harness, fromMs);
    await fetchRecentWindow(context, { fromMs, priority: 'backfill' });

    const requested: number[] = [];
    const jira = context.jira;
    const counting = { ...jira, getWorklogs: (ids: readonly number[], options?: Parameters<typeof jira.getWorklogs>[1]) => (requested.push(...ids), jira.getWorklogs(ids, options)) };
    const result = await runFullSync({ ...context, jira: counting }, { skipStoredAsNew: true });

    expect(result.done).toBe(true);
    const everything = truthFrom(harness, 0);
    expect(await stored(store)).toEqual(everything);
    expect(new Set(requested).size).toBe(requested.length);
    expect(requested.filter((id) => window.has(id))).toEqual([]);
    expect(requested.length).toBe(everything.size - window.size);
  });
});
