import { AppError } from '../platform/app-error.js';
import { normaliseDurationText } from './duration-text.js';
import { isCalendarDate, isWallClockTime } from './jira-started.js';

/** `POST /api/worklogs` (docs/api.md). */
export interface LogWorkInput {
  /** An issue key (`ABC-12`) or id. */
  issue: string;
  /** `YYYY-MM-DD`, in the viewer's own Jira time zone. */
  date: string;
  /** `HH:mm`, in the viewer's own Jira time zone. */
  startTime: string;
  /** Jira's duration text: `1h 30m`, `1.5h`, `45m`, `1d`, or bare minutes. */
  duration: string;
  comment?: string | undefined;
}

/** `PUT /api/worklogs/:issueId/:worklogId`: any of the fields; an empty comment removes it. */
export type WorklogChanges = Partial<Omit<LogWorkInput, 'issue'>>;

/** Jira's limit on a text field (32,767 characters), which a worklog comment is. */
export const MAX_COMMENT_LENGTH = 32_767;
const ISSUE_REF = /^(\d{1,16}|[A-Za-z][A-Za-z0-9_]{0,254}-\d{1,16})$/;

/** Whether `value` names an issue as Jira does: its numeric id or its key. */
export function isIssueRef(value: string): boolean {
  return ISSUE_REF.test(value);
}

/** The checks each field gets; `undefined` fields are not checked (edits). Returns `field: message` problems. */
function problemsOf(fields: Partial<LogWorkInput>): string[] {
  const problems: string[] = [];
  if (fields.issue !== undefined && !isIssueRef(fields.issue.trim())) problems.push('issue: enter an issue key such as ABC-12');
  if (fields.date !== undefined && !isCalendarDate(fields.date)) problems.push('date: enter a date as YYYY-MM-DD');
  if (fields.startTime !== undefined && !isWallClockTime(fields.startTime)) problems.push('startTime: enter a time as HH:mm (00:00–23:59)');
  if (fields.duration !== undefined) {
    const duration = normaliseDurationText(fields.duration);
    if (!duration.ok) problems.push(`duration: ${duration.message}`);
  }
  if (fields.comment !== undefined && fields.comment.length > MAX_COMMENT_LENGTH) problems.push(`comment: at most ${MAX_COMMENT_LENGTH} characters`);
  return problems;
}

function refuse(problems: string[]): never {
  throw new AppError('WORKLOG_INPUT_INVALID', `The worklog is not valid: ${problems.join('; ')}`, { details: problems });
}

/** Checks a new worklog before anything is sent to Jira; `WORKLOG_INPUT_INVALID` naming every bad field at once. */
export function checkLogWorkInput(input: LogWorkInput): LogWorkInput {
  const problems = problemsOf(input);
  if (problems.length > 0) refuse(problems);
  const duration = normaliseDurationText(input.duration);
  return { ...input, issue: input.issue.trim(), duration: duration.ok ? duration.text : input.duration };
}

/** Checks an edit likewise; an edit that changes nothing is refused too. */
export function checkWorklogChanges(changes: WorklogChanges): WorklogChanges {
  const problems = problemsOf(changes);
  if (Object.values(changes).every((value) => value === undefined)) problems.push('(body): change at least one of date, startTime, duration, comment');
  if (problems.length > 0) refuse(problems);
  const duration = changes.duration === undefined ? undefined : normaliseDurationText(changes.duration);
  return duration?.ok ? { ...changes, duration: duration.text } : changes;
}
