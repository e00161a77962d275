import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { storedFingerprints as stored, truthFrom } from '../../test/support/worklog-fingerprints.js';
import type { SimWorklog } from '../../simulator/jira/jira-site.js';
import { createLogger } from '../platform/logger.js';
import { createSqliteStoreProvider } from '../store/sqlite-store-provider.js';
import { createPostgresStoreTestbed } from '../store/postgres-store-test-kit.js';
import type { StoreProvider } from '../store/tenant-store.js';
import { postgresAvailable } from '../../test/support/postgres.js';
import { runFullSync } from './full-sync.js';
import { checkResyncDates, resyncChunks, resyncInstants, resyncRange, type ResyncDates } from './range-resync.js';
import type { SyncContext } from './sync-context.js';

const DAY_MS = 86_400_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A site fully synced into a fresh store of either kind. */
async function syncedSite(kind: 'sqlite' | 'postgres' = 'sqlite') {
  const harness = createJiraClientHarness({ generate: { worklogs: 1500 } });
  let provider: StoreProvider;
  if (kind === 'postgres') {
    const testbed = await createPostgresStoreTestbed();
    cleanups.push(() => testbed.cleanup());
    provider = testbed.provider();
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-range-resync-'));
    provider = createSqliteStoreProvider({ dataDir });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => provider.close());
  }
  const store = await provider.open(harness.tenantId);
  const context: SyncContext = { tenantId: harness.tenantId, store, jira: harness.client(), logger: createLogger({ level: 'silent' }) };
  expect((await runFullSync(context, {})).done).toBe(true);
  expect(await stored(store)).toEqual(truthFrom(harness));
  return { harness, store, context };
}

/** Changes a worklog in Jira the way nothing tells Tally about: no feed entry, no webhook. */
function changeSilently(worklog: SimWorklog, nowMs: number): void {
  Object.assign(worklog, { timeSpentSeconds: worklog.timeSpentSeconds + 600, updatedMs: nowMs });
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const kinds = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe('range re-sync', () => {
  it.each(kinds)('repairs a worklog changed in Jira without feed or webhook inside the range and leaves one outside it alone (%s)', async (kind) => {
    const { harness, store, context } = await syncedSite(kind);
    const site = harness.sim.site;
    const appUser = site.users.get(harness.app.appUserAccountId)!;
    const readable = [...site.worklogs.values()].filter((worklog) => site.canSeeWorklog(worklog, appUser) && site.canBrowseIssue(site.issues.get(worklog.issueId)!, appUser)).sort((a, b) => a.startedMs - b.startedMs);
    // A week around the middle of the history, and a worklog well outside it (more than the zone margin).
    const inside = readable[Math.floor(readable.length / 2)]!;
    const dates: ResyncDates = { from: dateOf(inside.startedMs - 3 * DAY_MS), to: dateOf(inside.startedMs + 3 * DAY_MS) };
    const { startedFromMs, startedBeforeMs } = resyncInstants(dates);
    const outside = readable.find((worklog) => worklog.startedMs < startedFromMs - 5 * DAY_MS)!;
    expect(outside).toBeDefined();
    const before = await stored(store);

    harness.sim.clock.advance(5 * 60_000);
    changeSilently(inside, harness.sim.clock.now());
    changeSilently(outside, harness.sim.clock.now());
    // Deleted in Jira without the deletion feed saying so: absence alone must not remove it here.
    const vanished = readable.find((worklog) => worklog.id !== inside.id && worklog.startedMs >= startedFromMs && worklog.startedMs < startedBeforeMs)!;
    site.worklogs.delete(vanished.id);
    const sentBefore = harness.sent.length;
    const jqls: string[] = [];
    const jira = context.jira;
    const searching = { ...jira, searchIssueIds: (jql: string, ...rest: Parameters<typeof jira.searchIssueIds> extends [string, ...infer R] ? R : never) => (jqls.push(jql), jira.searchIssueIds(jql, ...rest)) };

    const result = await resyncRange({ ...context, jira: searching }, { dates });

    expect(result.next).toBeUndefined();
    const after = await stored(store);
    expect(after.get(inside.id)).toBe(`${inside.issueId} ${inside.startedMs} ${inside.timeSpentSeconds} ${inside.updatedMs}`);
    expect(after.get(outside.id)).toBe(before.get(outside.id));
    expect(after.get(outside.id)).not.toBe(`${outside.issueId} ${outside.startedMs} ${outside.timeSpentSeconds} ${outside.updatedMs}`);
    expect(after.get(vanished.id)).toBe(before.get(vanished.id));
    // Everything else as it was: only the silently changed worklog in the range was rewritten.
    expect([...after].filter(([id, fingerprint]) => before.get(id) !== fingerprint).map(([id]) => id)).toEqual([inside.id]);
    expect(result.upserted).toBe(1);

    // Jira was asked for the range's days, a day wider each side, and each issue's worklogs with both bounds.
    expect(jqls.length).toBeGreaterThan(0);
    const firstDay = dateOf(startedFromMs - DAY_MS);
    const lastDay = dateOf(startedBeforeMs - 1 + DAY_MS);
    for (const jql of jqls) expect(jql).toMatch(new RegExp(`^\\(worklogDate = "${firstDay}" OR .* OR worklogDate = "${lastDay}"\\)( AND id > \\d+)? ORDER BY id ASC$`));
    const sent = harness.sent.slice(sentBefore).map((request) => new URL(request.url));
    const issueReads = sent.filter((url) => /\/issue\/\d+\/worklog$/.test(url.pathname));
    // Only issues with a worklog on one of those days (in any zone) were read, not every issue spanning the range.
    const readIssues = new Set(issueReads.map((url) => Number(/\/issue\/(\d+)\//.exec(url.pathname)![1])));
    const near = new Set([...site.worklogs.values()].filter((worklog) => worklog.startedMs >= startedFromMs - 2 * DAY_MS && worklog.startedMs < startedBeforeMs + 2 * DAY_MS).map((worklog) => worklog.issueId));
    const inRange = new Set(readable.filter((worklog) => worklog.id !== vanished.id && worklog.startedMs >= startedFromMs && worklog.startedMs < startedBeforeMs).map((worklog) => worklog.issueId));
    expect([...readIssues].filter((issueId) => !near.has(issueId))).toEqual([]);
    expect([...inRange].filter((issueId) => !readIssues.has(issueId))).toEqual([]);
    const spanning = new Set([...site.worklogs.values()].filter((worklog) => worklog.startedMs < startedFromMs).map((worklog) => worklog.issueId));
    expect(readIssues.size).toBeLessThan([...spanning].filter((issueId) => [...site.worklogs.values()].some((worklog) => worklog.issueId === issueId && worklog.startedMs >= startedBeforeMs)).length);
    for (const url of issueReads) {
      expect(url.searchParams.get('startedAfter')).toBe(String(startedFromMs - 1));
      expect(url.searchParams.get('startedBefore')).toBe(String(startedBeforeMs));
    }
    // No feed was read: the repair came from the range read alone.
    expect(sent.filter((url) => url.pathname.endsWith('/worklog/updated') || url.pathname.endsWith('/worklog/deleted'))).toEqual([]);
  });

  it('resumes after the issue a turn stopped at and ends with every worklog of the range read', async () => {
    const { harness, store, context } = await syncedSite();
    const starts = [...harness.sim.site.worklogs.values()].map((worklog) => worklog.startedMs).sort((a, b) => a - b);
    const middle = starts[Math.floor(starts.length * 0.5)]!;
    const dates: ResyncDates = { from: dateOf(middle - 50 * DAY_MS), to: dateOf(middle + 50 * DAY_MS) };
    const { startedFromMs, startedBeforeMs } = resyncInstants(dates);
    harness.sim.clock.advance(5 * 60_000);
    const changed = [...harness.sim.site.worklogs.values()].filter((worklog) => worklog.startedMs >= startedFromMs && worklog.startedMs < startedBeforeMs && !worklog.visibility).slice(0, 40);
    for (const worklog of changed) changeSilently(worklog, harness.sim.clock.now());

    let next: { chunk: number; afterIssueId: number | undefined } | undefined = { chunk: 0, afterIssueId: undefined };
    let turns = 0;
    let upserted = 0;
    while (next !== undefined) {
      const turn = await resyncRange(context, { dates, ...next, maxWorklogs: 100 });
      turns++;
      upserted += turn.upserted;
      next = turn.next;
    }
    expect(turns).toBeGreaterThan(1);
    // Longer than one chunk: read chunk by chunk, each with its own day list.
    expect(resyncChunks(dates).length).toBeGreaterThan(1);
    expect(await stored(store)).toEqual(truthFrom(harness));
    expect(upserted).toBe(changed.length);
  });
});

describe('checkResyncDates', () => {
  it('accepts a range of up to 366 days, both ends inclusive', () => {
    expect(checkResyncDates({ from: '2026-01-01', to: '2026-01-01' })).toBeUndefined();
    expect(checkResyncDates({ from: '2024-01-01', to: '2024-12-31' })).toBeUndefined();
    expect(checkResyncDates({ from: '2024-01-01', to: '2025-01-01' })).toMatchObject({ field: 'to' });
  });

  it('refuses dates that do not exist, a reversed range and other formats', () => {
    expect(checkResyncDates({ from: '2026-02-30', to: '2026-03-01' })).toMatchObject({ field: 'from' });
    expect(checkResyncDates({ from: '2026-03-02', to: '2026-03-01' })).toMatchObject({ field: 'to' });
    expect(checkResyncDates({ from: '2026-3-1', to: '2026-03-01' })).toMatchObject({ field: 'from' });
    expect(checkResyncDates({ from: '1969-12-31', to: '1970-01-01' })).toMatchObject({ field: 'from' });
    expect(checkResyncDates({ from: '2026-03-01', to: '2026-03-01T00:00' })).toMatchObject({ field: 'to' });
  });
});
