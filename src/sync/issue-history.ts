import type { CallPriority } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import { finishFullSync } from './full-sync.js';
import { issueRangeJql, MAX_ISSUE_PAGE, readWorklogsByIssue } from './issue-worklog-read.js';
import { addCounts, emptyCounts, type SyncContext, type SyncCounts } from './sync-context.js';

/**
 * What the feed costs per worklog by the estimate Tally counts every answer with (1 + objects): an
 * id in `/worklog/updated` and a body in `/worklog/list`, plus a call each per thousand. The
 * issue-by-issue path is measured against it.
 */
export const FEED_POINTS_PER_WORKLOG = 2 + 2 / 1000;

/** Worklogs the issue-by-issue history reads before its measured cost decides whether it goes on. */
export const MEASURE_AFTER_WORKLOGS = 1000;

/** Worklogs per issue assumed for the first JQL page, before any was measured. */
const ASSUMED_WORKLOGS_PER_ISSUE = 20;

/** What one turn of the issue-by-issue history did. */
export interface IssueHistoryTurn {
  /** `done`: the full sync finished; `more`: turns to go; `feed`: the feed is cheaper here, read the rest by it. */
  outcome: 'done' | 'more' | 'feed';
  counts: SyncCounts;
}

/**
 * Whether the issue-by-issue history has shown itself dearer than the feed: once it has read
 * {@link MEASURE_AFTER_WORKLOGS} worklogs, by the points it cost per worklog (a JQL id and a call per
 * issue beside the bodies: cheap where issues hold many worklogs, dear where each holds one).
 */
export function feedIsCheaper(state: Pick<SyncState, 'historyIssueWorklogs' | 'historyIssuePoints'>): boolean {
  if (state.historyIssueWorklogs < MEASURE_AFTER_WORKLOGS) return false;
  return state.historyIssuePoints / state.historyIssueWorklogs > FEED_POINTS_PER_WORKLOG;
}

/**
 * One turn of a recent-first sync's history read issue by issue (issue 15, "pick the cheaper per
 * phase"): JQL `worklogDate <` the window (a day wider), then each issue's worklogs with
 * `startedBefore` the window, at most about `maxWorklogs` of them a turn. The window's worklogs are
 * not read again, and nothing is read twice but the few ids of a JQL page cut by a turn's end.
 * Each turn measures what it cost; once the path proves dearer per worklog than the feed (sites
 * whose issues hold a worklog or two each) it stops and the feed reads the rest, fetching no
 * body already stored. When every issue is read the full sync ends: the live incremental sync,
 * which ran from the install on, and its deleted feed have kept everything since exact.
 */
export async function runIssueHistoryTurn(context: SyncContext, options: { maxWorklogs: number; maxPoints?: number; priority: CallPriority }): Promise<IssueHistoryTurn> {
  const counts = emptyCounts();
  let state = await context.store.getSyncState();
  const beforeMs = state.recentFromMs;
  if (beforeMs === undefined) throw new Error('an issue-by-issue history needs the recent window\'s start');
  const callOptions = { priority: options.priority, ...(context.signal ? { signal: context.signal } : {}) };
  const pointsBefore = context.jira.pointsSpent?.() ?? 0;
  if (state.historyLastIssueId === undefined) {
    // The span of issue ids progress is measured over: the first and the last issue, one id each.
    const ends = (order: 'ASC' | 'DESC') => context.jira.searchIssueIds(issueRangeJql({ startedBeforeMs: beforeMs }, undefined, order), undefined, { ...callOptions, pageSize: 1 });
    const [first, last] = [await ends('ASC'), await ends('DESC')];
    if (last.ids[0] === undefined || first.ids[0] === undefined) {
      await finishFullSync(context, state, 0, state.fullSyncWorklogs);
      return { outcome: 'done', counts };
    }
    const span = { historyPath: 'issues' as const, historyFirstIssueId: first.ids[0], historyLastIssueId: last.ids[0] };
    await context.store.applyBatch({ upserts: [], deletions: [], state: span });
    state = { ...state, ...span };
  }
  // A JQL page about as long as the turn: the ids a turn's end cuts off are read again.
  const perIssue = state.historyIssues > 0 ? Math.max(1, state.historyIssueWorklogs / state.historyIssues) : ASSUMED_WORKLOGS_PER_ISSUE;
  const issuePage = Math.min(MAX_ISSUE_PAGE, Math.ceil(options.maxWorklogs / perIssue) + 1);
  const read = await readWorklogsByIssue(context, {
    range: { startedBeforeMs: beforeMs },
    priority: options.priority,
    afterIssueId: state.historyDoneThroughIssueId,
    maxWorklogs: options.maxWorklogs,
    ...(options.maxPoints !== undefined ? { maxPoints: options.maxPoints } : {}),
    issuePage,
    stateOnIssueDone: (issueId) => ({ historyDoneThroughIssueId: issueId }),
  });
  addCounts(counts, { upserted: read.upserted, skippedStale: read.skippedStale });
  const measured = {
    historyIssues: state.historyIssues + read.issues,
    historyIssueWorklogs: state.historyIssueWorklogs + read.read,
    historyIssuePoints: state.historyIssuePoints + (context.jira.pointsSpent?.() ?? 0) - pointsBefore,
  };
  const written = state.fullSyncWorklogs + read.upserted;
  const feed = read.complete ? false : feedIsCheaper(measured);
  await context.store.applyBatch({ upserts: [], deletions: [], state: { ...measured, fullSyncWorklogs: written, historyDoneThroughIssueId: read.doneThroughIssueId, ...(feed ? { historyPath: 'feed' } : {}) } });
  context.logger.info({ tenantId: context.tenantId, issues: read.issues, worklogs: read.read, calls: read.calls, pointsPerWorklog: measured.historyIssueWorklogs > 0 ? measured.historyIssuePoints / measured.historyIssueWorklogs : undefined, unreadIssues: read.unreadIssueIds.length }, feed ? 'history by issue dearer than the feed: the feed reads the rest' : 'history by issue');
  if (!read.complete) return { outcome: feed ? 'feed' : 'more', counts };
  await finishFullSync(context, { ...state, fullSyncWorklogs: written }, 0, written);
  return { outcome: 'done', counts };
}
