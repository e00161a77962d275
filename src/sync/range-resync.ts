import { MAX_JQL_DAYS, readWorklogsByIssue } from './issue-worklog-read.js';
import type { SyncContext } from './sync-context.js';

/** Calendar dates an admin asked to re-read, both inclusive (`YYYY-MM-DD`). */
export interface ResyncDates {
  from: string;
  to: string;
}

/**
 * The longest range one re-sync takes, in days (both ends counted): a whole year, leap day
 * included — the longest question an admin means by a range. A range re-sync costs a JQL id and a
 * call per issue and chunk plus the range's worklogs, so a longer one costs about what the full
 * re-sync does (`/worklog/updated` from 0, which also reads deletions); and a mistyped year
 * (`0206-…`) cannot spend a site's points for hours.
 */
export const MAX_RESYNC_DAYS = 366;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of `YYYY-MM-DD` at 00:00 UTC, or undefined when it is not a real calendar date from 1970 on. */
export function utcMidnightOf(date: string): number | undefined {
  const match = DATE.exec(date);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-02-30 over to March: a date that does not round-trip does not exist.
  if (ms < 0 || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms;
}

/** Why dates are not a range to re-sync (a field and a message), or undefined when they are. */
export function checkResyncDates(dates: ResyncDates): { field: 'from' | 'to'; message: string } | undefined {
  const fromMs = utcMidnightOf(dates.from);
  if (fromMs === undefined) return { field: 'from', message: 'must be a calendar date YYYY-MM-DD from 1970 on' };
  const toMs = utcMidnightOf(dates.to);
  if (toMs === undefined) return { field: 'to', message: 'must be a calendar date YYYY-MM-DD from 1970 on' };
  if (toMs < fromMs) return { field: 'to', message: 'must not be before from' };
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_RESYNC_DAYS) return { field: 'to', message: `the range may span at most ${MAX_RESYNC_DAYS} days; re-sync everything instead` };
  return undefined;
}

/**
 * The start instants a date range covers in every time zone: the dates are the admin's, whose
 * zone Tally does not know, and zones run from UTC−12 to UTC+14 — so a day wider each side of
 * the UTC dates. Reading a little more is harmless (newest-wins upserts).
 */
export function resyncInstants(dates: ResyncDates): { startedFromMs: number; startedBeforeMs: number } {
  const fromMs = utcMidnightOf(dates.from);
  const toMs = utcMidnightOf(dates.to);
  if (fromMs === undefined || toMs === undefined || toMs < fromMs) throw new RangeError(`not a date range: ${dates.from}..${dates.to}`);
  return { startedFromMs: Math.max(0, fromMs - DAY_MS), startedBeforeMs: toMs + 2 * DAY_MS };
}

/**
 * Instants per chunk of a range re-sync: with the JQL's day margin each side a chunk names at most
 * {@link MAX_JQL_DAYS} days (`worklogDate = …` clauses, the cheap issue search).
 */
const CHUNK_MS = (MAX_JQL_DAYS - 3) * DAY_MS;

/** The range's instants ({@link resyncInstants}) cut into consecutive chunks of at most {@link CHUNK_MS}. */
export function resyncChunks(dates: ResyncDates): { startedFromMs: number; startedBeforeMs: number }[] {
  const { startedFromMs, startedBeforeMs } = resyncInstants(dates);
  const chunks: { startedFromMs: number; startedBeforeMs: number }[] = [];
  for (let fromMs = startedFromMs; fromMs < startedBeforeMs; fromMs += CHUNK_MS) chunks.push({ startedFromMs: fromMs, startedBeforeMs: Math.min(fromMs + CHUNK_MS, startedBeforeMs) });
  return chunks;
}

/** Where a range re-sync is (a chunk, and an issue in it) and how far one turn goes. */
export interface RangeResyncTurn {
  dates: ResyncDates;
  /** The chunk to start in ({@link resyncChunks}); default the first. */
  chunk?: number | undefined;
  /** Resume in that chunk after this issue (the previous turn's last issue read). */
  afterIssueId?: number | undefined;
  /** Stop after the issue by which this many worklogs were read; the result then says where to go on. */
  maxWorklogs?: number;
}

/** What one turn of a range re-sync read and wrote, and where the next turn starts. */
export interface RangeResyncResult {
  issues: number;
  read: number;
  upserted: number;
  /** Issues JQL named whose worklogs Jira then refused (gone, hidden, time tracking off). */
  unreadIssues: number;
  /** Undefined once the whole range was read. */
  next: { chunk: number; afterIssueId: number | undefined } | undefined;
}

/**
 * Re-reads from Jira every worklog started in the range, issue by issue, a chunk of about five
 * weeks at a time: the issues by JQL `worklogDate = …` for each day of the chunk (a day wider
 * each side for the app user's zone), then each issue's worklogs with
 * `startedAfter`/`startedBefore` — and upserts them. A change no feed or webhook brought is
 * repaired, newest `updated` wins, and a tombstoned id never comes back. Absence proves nothing
 * here (a worklog may be hidden from the app, or moved out of the range): nothing is deleted; the
 * deletion feed and the reconciliation do that. Resumable by chunk and issue id; keeps no state
 * of its own (the job's payload carries where it is), so it never moves a sync cursor. Calls are
 * `backfill`: they stop at the hour's reserve, so other sites' incremental syncs go on.
 */
export async function resyncRange(context: SyncContext, turn: RangeResyncTurn): Promise<RangeResyncResult> {
  const chunks = resyncChunks(turn.dates);
  const result: RangeResyncResult = { issues: 0, read: 0, upserted: 0, unreadIssues: 0, next: undefined };
  let afterIssueId = turn.afterIssueId;
  for (let chunk = Math.max(0, turn.chunk ?? 0); chunk < chunks.length; chunk++) {
    const left = turn.maxWorklogs === undefined ? undefined : turn.maxWorklogs - result.read;
    if (left !== undefined && left <= 0) return { ...result, next: { chunk, afterIssueId } };
    const read = await readWorklogsByIssue(context, { range: chunks[chunk]!, priority: 'backfill', afterIssueId, ...(left !== undefined ? { maxWorklogs: left } : {}) });
    result.issues += read.issues;
    result.read += read.read;
    result.upserted += read.upserted;
    result.unreadIssues += read.unreadIssueIds.length;
    if (!read.complete) return { ...result, next: { chunk, afterIssueId: read.doneThroughIssueId } };
    afterIssueId = undefined;
  }
  return result;
}
