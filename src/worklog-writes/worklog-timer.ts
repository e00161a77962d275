import { AppError, isAppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import { commentToAdf } from './worklog-comment.js';
import { formatJiraStarted } from './jira-started.js';
import { isIssueRef, MAX_COMMENT_LENGTH } from './worklog-input.js';
import { readOwnWorklog, type OwnWorklog } from './own-worklog.js';
import { refusalOf } from './jira-refusal.js';
import type { WorklogBody, WorklogOps, WorklogWriter } from './worklog-jira-ops.js';
import type { ViewerJira } from './viewer-jira-calls.js';

/** The user property the timer lives in: in Jira, per person, never in Tally's store. */
export const TIMER_PROPERTY_KEY = 'tally.timer';

/** A running timer (`GET /api/timer`). */
export interface RunningTimer {
  issueId: number;
  issueKey: string;
  /** ISO 8601, UTC, whole seconds. */
  startedAt: string;
  comment: string | null;
}

/** What stopping gives: the written worklog, and a notice when the timer could not be cleared after it. */
export interface StoppedTimer {
  worklog: OwnWorklog;
  notice?: string;
}

/** Start, stop and discard one person's timer (docs/api.md). */
export interface WorklogTimer {
  get(writer: WorklogWriter): Promise<RunningTimer | null>;
  /** `TIMER_RUNNING` (409) when one runs. */
  start(writer: WorklogWriter, input: { issue: string; comment?: string | undefined }): Promise<RunningTimer>;
  /** Writes the elapsed whole minutes (at least one), then clears the timer; `TIMER_NOT_RUNNING` (404) when none runs. */
  stop(writer: WorklogWriter, input: { comment?: string | undefined }): Promise<StoppedTimer>;
  /** Clears the timer without writing; `TIMER_NOT_RUNNING` (404) when none runs. */
  discard(writer: WorklogWriter): Promise<void>;
}

const propertyPath = (accountId: string) => `/rest/api/3/user/properties/${TIMER_PROPERTY_KEY}?accountId=${encodeURIComponent(accountId)}`;
const ENDPOINT = '/rest/api/3/user/properties/{propertyKey}';

/** The property's value when it is a timer Tally wrote; anything else counts as no timer (it may be overwritten). */
function readTimer(value: unknown): RunningTimer | null {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof v.issueId !== 'number' || !Number.isSafeInteger(v.issueId) || typeof v.issueKey !== 'string' || typeof v.startedAt !== 'string') return null;
  if (!Number.isFinite(Date.parse(v.startedAt))) return null;
  return { issueId: v.issueId, issueKey: v.issueKey, startedAt: v.startedAt, comment: typeof v.comment === 'string' ? v.comment : null };
}

function notRunning(): AppError {
  return new AppError('TIMER_NOT_RUNNING', 'No timer is running');
}

/**
 * The timer kept in Jira as the user property `tally.timer` (read and written as the person), so
 * it survives reloads and devices and Tally's store holds nothing of it. Stop is: write the
 * worklog, then delete the property. A stop that finds the property still there first looks for
 * the worklog an earlier stop wrote (same person, issue and exact start) and never writes a second
 * one; calls of one person are also serialised in this process (a double click).
 */
export function createWorklogTimer(deps: { ops: WorklogOps; clock: Clock }): WorklogTimer {
  const { ops, clock } = deps;
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `task` after this person's earlier timer calls in this process. */
  function serialised<T>(writer: WorklogWriter, task: () => Promise<T>): Promise<T> {
    const key = `${writer.tenantId}\n${writer.accountId}`;
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    queues.set(key, next);
    void next.finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    }).catch(() => undefined);
    return next;
  }

  async function readProperty(jira: ViewerJira, writer: WorklogWriter): Promise<RunningTimer | null> {
    const answer = await jira<{ value?: unknown }>({ method: 'GET', path: propertyPath(writer.accountId), endpoint: `GET ${ENDPOINT}`, target: 'issue', absentOn: [404] });
    return answer === undefined ? null : readTimer(answer.value);
  }

  async function deleteProperty(jira: ViewerJira, writer: WorklogWriter): Promise<void> {
    await jira({ method: 'DELETE', path: propertyPath(writer.accountId), endpoint: `DELETE ${ENDPOINT}`, target: 'issue', absentOn: [404] });
  }

  return {
    get: (writer) => readProperty(ops.jiraOf(writer), writer),

    start: (writer, input) =>
      serialised(writer, async () => {
        const issueRef = input.issue.trim();
        const problems = [
          ...(isIssueRef(issueRef) ? [] : ['issue: enter an issue key such as ABC-12']),
          ...(input.comment !== undefined && input.comment.length > MAX_COMMENT_LENGTH ? [`comment: at most ${MAX_COMMENT_LENGTH} characters`] : []),
        ];
        if (problems.length > 0) throw new AppError('WORKLOG_INPUT_INVALID', `The timer is not valid: ${problems.join('; ')}`, { details: problems });
        const jira = ops.jiraOf(writer);
        if (await readProperty(jira, writer)) throw new AppError('TIMER_RUNNING', 'A timer is already running; stop or discard it first');
        // Jira's own answer for the issue first (missing, hidden, time tracking off), in its words, before a timer starts that could never be written.
        await jira({ method: 'GET', path: `/rest/api/3/issue/${encodeURIComponent(issueRef)}/worklog?maxResults=0`, endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}/worklog', target: 'issue' });
        const issue = await ops.findIssue(jira, issueRef);
        if (!issue) throw refusalOf('issue_not_found', 'Issue does not exist or you do not have permission to see it.');
        // Whole seconds: Jira's dialog writes `started` at :00.000, and the stop guard compares this exact instant.
        const startedAt = new Date(Math.floor(clock.nowMs() / 1000) * 1000).toISOString();
        const comment = input.comment === undefined || input.comment.trim() === '' ? null : input.comment;
        const timer: RunningTimer = { issueId: issue.id, issueKey: issue.key, startedAt, comment };
        await jira({ method: 'PUT', path: propertyPath(writer.accountId), endpoint: `PUT ${ENDPOINT}`, body: timer, target: 'issue' });
        return timer;
      }),

    stop: (writer, input) =>
      serialised(writer, async () => {
        if (input.comment !== undefined && input.comment.length > MAX_COMMENT_LENGTH) {
          throw new AppError('WORKLOG_INPUT_INVALID', 'The worklog is not valid', { details: [`comment: at most ${MAX_COMMENT_LENGTH} characters`] });
        }
        const jira = ops.jiraOf(writer);
        const timer = await readProperty(jira, writer);
        if (!timer) throw notRunning();
        const startedMs = Date.parse(timer.startedAt);
        // An earlier stop wrote the worklog but could not clear the timer: finish that stop, never write again.
        const earlier = (await ops.findWorklogsStartedAt(jira, writer, timer.issueId, startedMs))[0];
        let worklog: OwnWorklog;
        if (earlier) {
          worklog = readOwnWorklog(earlier, timer.issueKey);
        } else {
          const zone = await ops.viewerZone(jira, writer);
          const minutes = Math.max(1, Math.round((clock.nowMs() - startedMs) / 60_000));
          const body: WorklogBody = { started: formatJiraStarted(startedMs, zone), timeSpentSeconds: minutes * 60 };
          const comment = commentToAdf(input.comment ?? timer.comment ?? '');
          if (comment) body.comment = comment;
          const created = await ops.createWorklog(jira, timer.issueId, body);
          ops.announce(writer, 'worklog_created', created.worklog.id, created.worklog.issueId, created.raw.updated);
          worklog = { ...created.worklog, issueKey: timer.issueKey };
        }
        try {
          await deleteProperty(jira, writer);
        } catch (error) {
          if (!isAppError(error)) throw error;
          return { worklog, notice: `The worklog was written, but Jira did not let Tally clear the timer (${error.message}). Stopping again will not write it twice.` };
        }
        return { worklog };
      }),

    discard: (writer) =>
      serialised(writer, async () => {
        const jira = ops.jiraOf(writer);
        if (!(await readProperty(jira, writer))) throw notRunning();
        await deleteProperty(jira, writer);
      }),
  };
}
