/**
 * What the log-work form and the timer say about a failure and a success, as plain functions of
 * the data (unit-tested beside). A failure's own message is always shown verbatim — Jira's words
 * when Jira refused; the hint only adds what the user can do about it.
 */
import { ApiError } from '../../api/api-error.js';
import type { OwnWorklog } from '../../api/api-types.js';
import { WorklogRefusedError, type WorklogRefusalReason } from '../../api/worklog-error.js';

const HINTS: Readonly<Record<WorklogRefusalReason, string>> = {
  time_tracking_off: 'Time tracking is switched off on this Jira site or project. A Jira admin can switch it on.',
  no_permission: 'Jira does not let you log work on this issue. A Jira admin can give you the “Work on issues” permission in its project.',
  issue_not_found: 'Check the issue key: Jira has no such issue, or you may not see it.',
  worklog_not_found: 'The worklog is gone from Jira: it may have been deleted elsewhere.',
  bad_input: 'Check the date, start time and duration.',
};

/** What the user can do about a refusal, or undefined when there is nothing to add. */
export function refusalHint(error: Error): string | undefined {
  return error instanceof WorklogRefusedError && error.reason ? HINTS[error.reason] : undefined;
}

/** The heading of the error region: who said no. */
export function failureTitle(error: Error): string {
  if (error instanceof WorklogRefusedError) return 'Jira refused the worklog';
  if (error instanceof ApiError && error.code === 'WORKLOG_INPUT_INVALID') return 'The worklog needs changes';
  if (error instanceof ApiError && error.code === 'LOG_WORK_UNAVAILABLE') return 'Log work is not available here';
  if (error instanceof ApiError && (error.code === 'TIMER_RUNNING' || error.code === 'TIMER_NOT_RUNNING')) return 'The timer changed elsewhere';
  return 'Tally could not save the worklog';
}

/** A duration in words for a screen reader and a human: "1 hour 30 minutes", "45 minutes". */
export function durationWords(seconds: number): string {
  const minutes = Math.max(0, Math.round(seconds / 60));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} ${hours === 1 ? 'hour' : 'hours'}`);
  if (rest > 0 || hours === 0) parts.push(`${rest} ${rest === 1 ? 'minute' : 'minutes'}`);
  return parts.join(' ');
}

/** The announcement after a write: what was logged, on which issue. */
export function loggedText(worklog: OwnWorklog): string {
  return `Logged ${worklog.timeSpent} on ${worklog.issueKey}.`;
}

/** The announcement after an edit. */
export function updatedText(worklog: OwnWorklog): string {
  return `Worklog on ${worklog.issueKey} updated: ${worklog.timeSpent}.`;
}

/** The announcement after a delete. */
export function deletedText(issueKey: string): string {
  return `Worklog on ${issueKey} deleted.`;
}
