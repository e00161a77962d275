import { z } from 'zod';
import { AppError } from '../platform/app-error.js';
import type { ChangedWorklogsPage, IssueWorklogsPage, JiraWorklog } from './jira-client.js';
import { parseHttpDate, parseJiraDateTime } from './jira-date-time.js';
import { readWorklogArray } from './worklog-wire.js';

/**
 * Tally's parsers for Jira's wire shapes (jira-connect-protocol.md §1, OpenAPI excerpt). Unknown
 * fields are ignored; a missing or malformed required field fails the whole answer with
 * `JIRA_RESPONSE_INVALID` (retryable): a page is taken whole or not at all, never with a row
 * silently skipped. Every function here is pure. Worklog bodies are read by hand (worklog-wire.ts).
 */

/** An id: a number in `/worklog/updated` but a string in worklog bodies (§1.4); both become a safe integer. */
const jiraId = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const id = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(id) && id >= 0) return id;
  ctx.addIssue({ code: 'custom', message: 'expected a non-negative integer id' });
  return z.NEVER;
});

const epochMs = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const changedWorklogsWire = z.object({
  values: z.array(z.object({ worklogId: jiraId, updatedTime: epochMs })),
  since: epochMs,
  until: epochMs,
  lastPage: z.boolean(),
  nextPage: z.string().nullish(),
  self: z.string().nullish(),
});

const issueWorklogsWire = z.object({
  startAt: z.number().int().nonnegative(),
  maxResults: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  worklogs: z.array(z.unknown()),
});

const searchIdsWire = z.object({
  issues: z.array(z.object({ id: jiraId })),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
});

const serverInfoWire = z.object({ serverTime: z.string().optional() });

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  // Paths and zod's messages only: they name fields and types, never values (comments stay out of logs).
  const details = result.error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new AppError('JIRA_RESPONSE_INVALID', `Jira's ${what} answer is not in the expected shape`, { details });
}

/** The `since` query parameter of a feed URL, when it has one. */
function sinceParam(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('since') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `/worklog/updated` or `/worklog/deleted` page (`ChangedWorklogs`, §1.1). With `requestedUrl`,
 * a page whose `self` names another `since` is refused (`JIRA_RESPONSE_INVALID`, retried): a
 * gateway or cache replayed an earlier answer of the feed. Its `since` field cannot tell — it is
 * "the datetime of the first worklog item", not the request's — and a replayed empty last page
 * would end a full sync at its first request. Without a `self` the page is taken as it is.
 */
export function parseChangedWorklogsPage(json: unknown, requestedUrl?: string): ChangedWorklogsPage {
  const wire = parseOrThrow(changedWorklogsWire, json, 'worklog change feed');
  const answeredFor = sinceParam(wire.self);
  const askedFor = sinceParam(requestedUrl);
  if (answeredFor !== undefined && askedFor !== undefined && answeredFor !== askedFor) {
    throw new AppError('JIRA_RESPONSE_INVALID', 'Jira\'s worklog change feed answered for another since (a replayed page)', { details: [`self since: ${answeredFor}`, `asked since: ${askedFor}`] });
  }
  return {
    values: wire.values.map((value) => ({ worklogId: value.worklogId, updatedTimeMs: value.updatedTime })),
    sinceMs: wire.since,
    untilMs: wire.until,
    lastPage: wire.lastPage,
    nextPage: wire.nextPage ?? undefined,
  };
}

/** The bare array `POST /worklog/list` answers (§1.2). */
export function parseWorklogList(json: unknown): JiraWorklog[] {
  return readWorklogArray(json, 'worklog list');
}

/** A `PageOfWorklogs` from `GET /issue/{id}/worklog` (§1.3). */
export function parseIssueWorklogsPage(json: unknown): IssueWorklogsPage {
  const wire = parseOrThrow(issueWorklogsWire, json, 'issue worklogs');
  return { startAt: wire.startAt, maxResults: wire.maxResults, total: wire.total, worklogs: readWorklogArray(wire.worklogs, 'issue worklogs', 'worklogs') };
}

/** Issue ids of a `/search/jql` page; no token once Jira says `isLast`. */
export function parseSearchIdsPage(json: unknown): { ids: number[]; nextPageToken: string | undefined } {
  const wire = parseOrThrow(searchIdsWire, json, 'issue search');
  const nextPageToken = wire.isLast === true ? undefined : (wire.nextPageToken ?? undefined) || undefined;
  return { ids: wire.issues.map((issue) => issue.id), nextPageToken };
}

/**
 * Jira's clock from `serverInfo.serverTime`; when that is missing or unreadable, from the HTTP
 * `Date` header (whole seconds). `JIRA_RESPONSE_INVALID` when neither gives an instant.
 */
export function parseServerTimeMs(json: unknown, dateHeader: string | null): number {
  const wire = parseOrThrow(serverInfoWire, json, 'server info');
  const fromBody = wire.serverTime === undefined ? undefined : parseJiraDateTime(wire.serverTime);
  const fromHeader = dateHeader === null ? undefined : parseHttpDate(dateHeader);
  const ms = fromBody ?? fromHeader;
  if (ms === undefined) throw new AppError('JIRA_RESPONSE_INVALID', "Jira's server info carries no readable serverTime or Date header");
  return ms;
}

const failedWebhooksWire = z.object({
  maxResults: z.number().int().nonnegative(),
  next: z.string().optional(),
  values: z.array(z.object({ id: z.string().min(1), body: z.string().optional(), url: z.string(), failureTime: z.number().int().nonnegative() }).loose()),
}).loose();

/** Parses `GET /webhook/failed` (`FailedWebhooks` in the platform OpenAPI excerpt). */
export function parseFailedWebhooks(json: unknown): { values: { id: string; body: string | undefined; failureTimeMs: number }[]; hasMore: boolean } {
  const wire = parseOrThrow(failedWebhooksWire, json, 'failed webhooks');
  return {
    values: wire.values.map((v) => ({ id: v.id, body: v.body, failureTimeMs: v.failureTime })),
    // "If the list of values is shorter than maxResults, then there are no more pages."
    hasMore: wire.values.length >= wire.maxResults && wire.values.length > 0,
  };
}
