import type { CallOptions, CallPriority } from '../jira/jira-client.js';
import type { SyncState } from '../store/tenant-store.js';
import type { WorklogRow } from '../store/worklog-row.js';
import { isAppError } from '../platform/app-error.js';
import { applyPage, type SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** Rows of several issues committed together (one transaction, the resume point with them). */
const COMMIT_ROWS = 1000;

/** Issue worklog reads in flight at once: latency overlaps, and a fault on one call is not every call's. */
const ISSUES_IN_FLIGHT = 3;

/** A day either side of any site time zone: JQL's `worklogDate` compares dates in the viewer's zone. */
const ZONE_MARGIN_MS = 86_400_000;

/**
 * Most issue ids per JQL page. A read resumes with `id > <last issue read>`, so the ids of a page
 * after a stop are read again: a reader with a budget asks for about as many as it will read.
 */
export const MAX_ISSUE_PAGE = 1000;

/**
 * Which worklogs: those started at or after `startedFromMs`, those started before
 * `startedBeforeMs`, or (both given) those started in between — an admin's re-sync of a date range.
 */
export type StartedRange =
  | { startedFromMs: number; startedBeforeMs?: undefined }
  | { startedBeforeMs: number; startedFromMs?: undefined }
  | { startedFromMs: number; startedBeforeMs: number };

/** Where and how far to read. */
export interface IssueWorklogRead {
  range: StartedRange;
  priority: CallPriority;
  /** Resume after this issue (where a stopped read had got to). */
  afterIssueId?: number | undefined;
  /**
   * Stop after the first issue by which this many worklogs were read (a fair turn); the result then
   * says `complete: false` and where to resume. Unset: read to the end.
   */
  maxWorklogs?: number;
  /**
   * Stop likewise once the read's calls cost this many points (the client's estimate): a first
   * sync's turn ends where it becomes a long tail (LONG_TAIL_POINTS), not a whole turn past it.
   */
  maxPoints?: number;
  /** Issue ids per JQL page (at most {@link MAX_ISSUE_PAGE}, the default). */
  issuePage?: number;
  /**
   * State to commit with the rows of the issues read completely, in the same transaction (so the
   * progress a crash leaves never runs ahead of the rows): typically the resume point, the last
   * issue of the commit. Rows are committed a thousand or so at a time, not per issue: a range
   * spread over many issues with a worklog or two each would otherwise pay a transaction per issue.
   */
  stateOnIssueDone?: (issueId: number, unreadIssues: number) => Partial<SyncState>;
}

/** What {@link readWorklogsByIssue} read and wrote. */
export interface IssueWorklogReadResult {
  /** Issues JQL named after `afterIssueId` (some may have had no worklog in the range, or gone since). */
  issues: number;
  /** Worklogs of the range that were written (new or newer than stored). */
  upserted: number;
  skippedStale: number;
  /** Worklogs of the range Jira returned (written or not). */
  read: number;
  /** Jira calls made: JQL pages and issue worklog pages. */
  calls: number;
  /**
   * Issues JQL named whose worklogs Jira then refused (404: gone, hidden, or time tracking off).
   * Their worklogs are not the app's to see now, whichever way they are read.
   */
  unreadIssueIds: number[];
  /** The last issue read completely (JQL orders by id). */
  doneThroughIssueId: number | undefined;
  /** False when `maxWorklogs` or `maxPoints` stopped the read before the last issue. */
  complete: boolean;
}

/** `yyyy-MM-dd` of an instant in UTC. */
function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** JQL for the issues that may hold worklogs of `range` after `afterIssueId`, in id order; a day wider each side for time zones. */
export function issueRangeJql(range: StartedRange, afterIssueId: number | undefined, order: 'ASC' | 'DESC' = 'ASC'): string {
  const bounds: string[] = [];
  const days = range.startedFromMs !== undefined && range.startedBeforeMs !== undefined ? daysOf(range.startedFromMs, range.startedBeforeMs) : undefined;
  if (days !== undefined) {
    bounds.push(`(${days.map((day) => `worklogDate = "${day}"`).join(' OR ')})`);
  } else {
    if (range.startedFromMs !== undefined) bounds.push(`worklogDate >= "${utcDate(Math.max(0, range.startedFromMs - ZONE_MARGIN_MS))}"`);
    if (range.startedBeforeMs !== undefined) bounds.push(`worklogDate < "${utcDate(range.startedBeforeMs + ZONE_MARGIN_MS)}"`);
  }
  if (afterIssueId !== undefined) bounds.push(`id > ${afterIssueId}`);
  return `${bounds.join(' AND ')} ORDER BY id ${order}`;
}

/**
 * Most `worklogDate = …` clauses one JQL names: a two-sided range of at most this many days
 * (margins included) is asked day by day. Each `worklogDate` clause matches an issue on any of
 * its worklogs, so `worklogDate >= A AND worklogDate < B` also names every issue with a worklog
 * before B and another after A — on a mature site nearly every long-lived issue, each then
 * paid a call. Equality clauses name only issues with a worklog on one of the days. 40 clauses
 * are about a kilobyte of JQL; longer ranges are read in chunks (range-resync.ts).
 */
export const MAX_JQL_DAYS = 40;

/** The UTC dates of a range a day wider each side, when they are few enough to name one by one. */
function daysOf(fromMs: number, beforeMs: number): string[] | undefined {
  const first = Date.parse(`${utcDate(Math.max(0, fromMs - ZONE_MARGIN_MS))}T00:00:00Z`);
  const last = Date.parse(`${utcDate(Math.max(fromMs, beforeMs - 1) + ZONE_MARGIN_MS)}T00:00:00Z`);
  if ((last - first) / 86_400_000 + 1 > MAX_JQL_DAYS) return undefined;
  const days: string[] = [];
  for (let day = first; day <= last; day += 86_400_000) days.push(utcDate(day));
  return days;
}

/**
 * Reads every worklog of a range of start times issue by issue (issue 15): the issues that may
 * hold such worklogs by JQL (`worklogDate`, a day wider for site time zones), then each issue's
 * worklogs with Jira's `startedAfter` or `startedBefore`, keeping those whose start is in the
 * range. What it costs is the range's worklogs plus a call and a JQL id per issue — against a JQL
 * id and a `/worklog/updated` id per worklog for the feed: cheaper where issues hold many worklogs
 * each. Upserts are newest-wins, so running beside the feed or an incremental sync is safe. An
 * issue whose worklogs Jira refuses between the search and its read is listed in `unreadIssueIds`
 * and skipped. Deletions are not this step's business: the incremental sync's deleted feed
 * applies them. Resumable: JQL pages resume with `id > <last issue read>`.
 */
export async function readWorklogsByIssue(context: SyncContext, read: IssueWorklogRead): Promise<IssueWorklogReadResult> {
  for (const bound of [read.range.startedFromMs, read.range.startedBeforeMs]) {
    if (bound !== undefined && (!Number.isSafeInteger(bound) || bound < 0)) throw new RangeError(`the range's bounds must be epoch milliseconds, got ${bound}`);
  }
  if (read.range.startedFromMs === undefined && read.range.startedBeforeMs === undefined) throw new RangeError('the range needs a bound');
  const callOptions = { priority: read.priority, ...(context.signal ? { signal: context.signal } : {}) };
  const result: IssueWorklogReadResult = { issues: 0, upserted: 0, skippedStale: 0, read: 0, calls: 0, unreadIssueIds: [], doneThroughIssueId: read.afterIssueId, complete: true };
  let pending: WorklogRow[] = [];
  const commit = async () => {
    if (pending.length === 0) return;
    const issueId = result.doneThroughIssueId!;
    const written = await applyPage(context, { upserts: pending, deletions: [], ...(read.stateOnIssueDone ? { state: read.stateOnIssueDone(issueId, result.unreadIssueIds.length) } : {}) });
    result.upserted += written.inserted + written.updated;
    result.skippedStale += written.skippedStale;
    pending = [];
  };
  const pointsBefore = context.jira.pointsSpent?.() ?? 0;
  /** What this read's calls cost so far (0 with a client that does not count). */
  const pointsSpent = () => (context.jira.pointsSpent?.() ?? 0) - pointsBefore;
  let jql = issueRangeJql(read.range, read.afterIssueId);
  const pageSize = Math.max(1, Math.min(MAX_ISSUE_PAGE, Math.floor(read.issuePage ?? MAX_ISSUE_PAGE)));
  let token: string | undefined;
  pages: do {
    context.signal?.throwIfAborted();
    // With a budget, a page after the first asks for about the issues the rest of the budget needs
    // at the worklogs per issue read so far: the ids a stop leaves unread are paid again next turn.
    const perIssue = result.issues > 0 ? Math.max(1, result.read / result.issues) : undefined;
    let wanted = read.maxWorklogs !== undefined && perIssue !== undefined ? Math.min(pageSize, Math.ceil((read.maxWorklogs - result.read) / perIssue) + 1) : pageSize;
    // An issue costs its worklogs, its call and its JQL id.
    if (read.maxPoints !== undefined && perIssue !== undefined) wanted = Math.min(wanted, Math.ceil((read.maxPoints - pointsSpent()) / (perIssue + 2)) + 1);
    let page;
    try {
      page = await context.jira.searchIssueIds(jql, token, { ...callOptions, pageSize: Math.max(1, wanted) });
    } catch (error) {
      // Jira may refuse `id > N` once issue N is gone (unverified): page from the start, skipping what was read.
      const unbounded = issueRangeJql(read.range, undefined);
      if (token !== undefined || jql === unbounded || !isAppError(error, 'JIRA_REQUEST_REJECTED')) throw error;
      context.logger.warn({ tenantId: context.tenantId, afterIssueId: read.afterIssueId }, 'JQL refused the id bound (its issue gone?): reading the ids again from the first');
      result.calls++;
      jql = unbounded;
      page = await context.jira.searchIssueIds(jql, undefined, { ...callOptions, pageSize });
    }
    result.calls++;
    const ids = page.ids.filter((issueId) => read.afterIssueId === undefined || issueId > read.afterIssueId);
    // Issues are read a few at a time and taken in id order, so the resume point never passes an unread issue.
    const inFlight: { issueId: number; rows: Promise<WorklogRow[] | undefined> }[] = [];
    let next = 0;
    const launch = () => {
      // The first issue alone: until an issue's worklogs were answered once, a call holds a whole
      // page's worth of points in the shared ledger (1 + 5,000), three at once per job too many.
      const limit = result.issues === 0 ? 1 : ISSUES_IN_FLIGHT;
      while (inFlight.length < limit && next < ids.length) {
        const issueId = ids[next++]!;
        const rows = readIssue(context, issueId, read.range, callOptions, result);
        rows.catch(() => {}); // awaited in order below; a failure is thrown from there
        inFlight.push({ issueId, rows });
      }
    };
    launch();
    try {
      while (inFlight.length > 0) {
        const { issueId, rows } = inFlight.shift()!;
        const answer = await rows;
        result.issues++;
        if (answer === undefined) result.unreadIssueIds.push(issueId);
        result.doneThroughIssueId = issueId;
        for (const row of answer ?? []) pending.push(row);
        result.read += answer?.length ?? 0;
        if (pending.length >= COMMIT_ROWS) await commit();
        // Over budget: take what is already in flight (it is paid for), start nothing more.
        const overBudget = (read.maxWorklogs !== undefined && result.read >= read.maxWorklogs) || (read.maxPoints !== undefined && pointsSpent() >= read.maxPoints);
        if (!overBudget) launch();
        else if (inFlight.length === 0 && (next < ids.length || page.nextPageToken !== undefined)) {
          result.complete = false;
          break pages;
        }
      }
    } catch (error) {
      // Rows read in order before the failure are kept with their resume point; the rest is read again.
      await Promise.allSettled(inFlight.map((flight) => flight.rows));
      await commit();
      throw error;
    }
    token = page.nextPageToken;
  } while (token !== undefined);
  await commit();
  return result;
}

/** One issue's worklogs in the range, all pages of them; undefined when Jira refuses the issue (404). */
async function readIssue(context: SyncContext, issueId: number, range: StartedRange, callOptions: CallOptions, result: IssueWorklogReadResult): Promise<WorklogRow[] | undefined> {
  // `startedAfter` one before the window: whether Jira's bound includes itself is not documented.
  const bounds = {
    ...(range.startedFromMs !== undefined ? { startedAfterMs: Math.max(0, range.startedFromMs - 1) } : {}),
    ...(range.startedBeforeMs !== undefined ? { startedBeforeMs: range.startedBeforeMs } : {}),
  };
  const fromMs = range.startedFromMs ?? -Infinity;
  const beforeMs = range.startedBeforeMs ?? Infinity;
  const inRange = (startedMs: number) => startedMs >= fromMs && startedMs < beforeMs;
  const rows: WorklogRow[] = [];
  let startAt = 0;
  for (;;) {
    let batch;
    try {
      batch = await context.jira.getIssueWorklogs(issueId, startAt, { ...callOptions, ...bounds });
    } catch (error) {
      if (isAppError(error, 'JIRA_NOT_FOUND')) return undefined;
      throw error;
    } finally {
      result.calls++;
    }
    for (const worklog of batch.worklogs) if (inRange(worklog.startedMs)) rows.push(toWorklogRow(worklog));
    startAt += batch.worklogs.length;
    if (batch.worklogs.length === 0 || startAt >= batch.total) return rows;
  }
}
