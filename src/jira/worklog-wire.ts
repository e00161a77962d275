import { AppError } from '../platform/app-error.js';
import type { JiraWorklog } from './jira-client.js';
import { parseJiraDateTime } from './jira-date-time.js';

/*
 * Jira's worklog body (jira-connect-protocol.md §1.4), read by hand rather than with zod: a full
 * sync reads every worklog of a site through here, and the zod schema cost 6.2 µs per worklog
 * against about 1 µs for these checks (docs/architecture.md). The rules are the same as the other
 * parsers': unknown fields are ignored, a missing or malformed required field fails the whole
 * answer with `JIRA_RESPONSE_INVALID` (retryable), and a message names the field, never its value.
 */

/** At most this many problems are listed; one is enough to refuse the answer. */
const MAX_DETAILS = 10;

type Problems = string[];

function problem(problems: Problems, path: string, message: string): undefined {
  if (problems.length < MAX_DETAILS) problems.push(`${path}: ${message}`);
  return undefined;
}

/** An id: a number in `/worklog/updated` but a string in worklog bodies (§1.4); both become a safe integer. */
function readId(value: unknown, path: string, problems: Problems): number | undefined {
  const id = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(id) && id >= 0) return id;
  return problem(problems, path, 'expected a non-negative integer id');
}

function readDateTime(value: unknown, path: string, problems: Problems): { text: string; ms: number } | undefined {
  const ms = typeof value === 'string' ? parseJiraDateTime(value) : undefined;
  if (ms !== undefined) return { text: value as string, ms };
  return problem(problems, path, "expected Jira's date-time form yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm");
}

/** `author.accountId`, or null when absent; Jira's `unknown` placeholder is not an account (§1.4). */
function authorAccountId(author: unknown): string | null {
  if (typeof author !== 'object' || author === null) return null;
  const accountId = (author as { accountId?: unknown }).accountId;
  return typeof accountId === 'string' && accountId !== '' && accountId !== 'unknown' ? accountId : null;
}

/** The comment as received: ADF (v3) as JSON text, a v2 plain string as itself, null when absent. */
function commentJson(comment: unknown): string | null {
  if (comment === undefined || comment === null) return null;
  return typeof comment === 'string' ? comment : JSON.stringify(comment);
}

/**
 * One worklog body, or undefined with its problems recorded under `path`. `worklog-list-scanner.ts`
 * reads `/worklog/list` pages by the same rules straight from their bytes: change both together.
 */
function readWorklog(value: unknown, path: string, problems: Problems): JiraWorklog | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem(problems, path, 'expected a worklog object');
  const wire = value as Record<string, unknown>;
  const before = problems.length;
  const id = readId(wire.id, `${path}.id`, problems);
  const issueId = readId(wire.issueId, `${path}.issueId`, problems);
  // `created` is in the schema but missing from Atlassian's own example (§1.4), so it is optional.
  const created = wire.created === undefined ? undefined : readDateTime(wire.created, `${path}.created`, problems);
  const updated = readDateTime(wire.updated, `${path}.updated`, problems);
  const started = readDateTime(wire.started, `${path}.started`, problems);
  const seconds = wire.timeSpentSeconds;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
    problem(problems, `${path}.timeSpentSeconds`, 'expected a non-negative whole number of seconds');
  }
  if (problems.length > before || id === undefined || issueId === undefined || updated === undefined || started === undefined) return undefined;
  return {
    id,
    issueId,
    // Author and comment may be absent (security-and-reliability.md §5.2 E17: deleted or anonymised users, no comment).
    authorAccountId: authorAccountId(wire.author),
    commentJson: commentJson(wire.comment),
    // Without `created`, `updated` stands in: it has the same form and is never earlier.
    created: (created ?? updated).text,
    updated: updated.text,
    started: started.text,
    timeSpentSeconds: seconds as number,
    startedMs: started.ms,
    updatedMs: updated.ms,
  };
}

/**
 * Reads an array of worklog bodies, all or nothing. `path` prefixes the problem paths (`worklogs`
 * for an issue page; empty for the bare array `/worklog/list` answers). `what` names the answer.
 */
export function readWorklogArray(json: unknown, what: string, path = ''): JiraWorklog[] {
  const problems: Problems = [];
  const worklogs: JiraWorklog[] = [];
  if (!Array.isArray(json)) {
    problem(problems, path || '(root)', 'expected an array of worklogs');
  } else {
    for (let index = 0; index < json.length && problems.length < MAX_DETAILS; index++) {
      const worklog = readWorklog(json[index], path ? `${path}.${index}` : String(index), problems);
      if (worklog) worklogs.push(worklog);
    }
  }
  if (problems.length > 0) throw new AppError('JIRA_RESPONSE_INVALID', `Jira's ${what} answer is not in the expected shape`, { details: problems });
  return worklogs;
}
