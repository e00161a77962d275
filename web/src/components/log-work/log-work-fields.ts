/**
 * The log-work form's values and their checks, as plain functions (unit-tested beside): what the
 * form starts with, what it may send, and what it says about a field before Tally or Jira is
 * asked. Tally and Jira check again: these checks only spare the user a round trip.
 */
import type { OwnWorklog, WorklogChange, WorklogInput } from '../../api/api-types.js';
import type { WorklogField } from '../../api/worklog-error.js';

/** What the form holds: all text, as typed. */
export interface LogWorkValues {
  issue: string;
  date: string;
  startTime: string;
  duration: string;
  comment: string;
}

/** A message per field that is wrong; empty when the form may be sent. */
export type FieldProblems = Partial<Record<WorklogField, string>>;

/** The order of the fields on screen: the first invalid one takes the focus. */
export const FIELD_ORDER: readonly WorklogField[] = ['issue', 'date', 'startTime', 'duration', 'comment'];

const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;
const ISSUE_ID = /^\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
// Jira's duration words: numbers (decimals allowed) with w, d, h or m, e.g. "1h 30m", "1.5h", "1d";
// a bare number is minutes, as in Jira's own "Time spent" field.
const DURATION_PART = /(\d+(?:\.\d+)?)\s*([wdhm])/gi;
const DURATION = /^\s*(?:\d+(?:\.\d+)?\s*[wdhm]\s*)+$/i;
const BARE_MINUTES = /^\s*\d+\s*$/;

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Whether a duration is written as Jira writes it and is more than nothing. Only the shape is
 * checked: how long a day or week is depends on the site's time-tracking settings, which Jira applies.
 */
export function isJiraDuration(text: string): boolean {
  if (BARE_MINUTES.test(text)) return Number(text) > 0;
  if (!DURATION.test(text)) return false;
  return [...text.matchAll(DURATION_PART)].some((part) => Number(part[1]) > 0);
}

/** The problems the form can see by itself, one message per field, in words a user can act on. */
export function checkValues(values: LogWorkValues): FieldProblems {
  const problems: FieldProblems = {};
  const issue = values.issue.trim();
  if (issue === '') problems.issue = 'Enter the issue to log work on, e.g. TT-12.';
  else if (!ISSUE_KEY.test(issue) && !ISSUE_ID.test(issue)) problems.issue = 'Enter an issue key like TT-12.';
  if (values.date.trim() === '') problems.date = 'Enter the date the work was done.';
  else if (!isCalendarDate(values.date.trim())) problems.date = 'Enter a date as YYYY-MM-DD, e.g. 2026-03-05.';
  if (values.startTime.trim() === '') problems.startTime = 'Enter the time the work started.';
  else if (!TIME.test(values.startTime.trim())) problems.startTime = 'Enter a time as HH:MM on a 24-hour clock, e.g. 09:30.';
  if (values.duration.trim() === '') problems.duration = 'Enter how long you worked, e.g. 1h 30m.';
  else if (!isJiraDuration(values.duration)) problems.duration = 'Write the time as Jira does: numbers with w, d, h or m, e.g. 1h 30m, 45m or 1.5h.';
  return problems;
}

/** The first field with a problem, in screen order (the one that takes the focus). */
export function firstProblemField(problems: FieldProblems): WorklogField | undefined {
  return FIELD_ORDER.find((field) => problems[field] !== undefined);
}

/** Two digits. */
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The wall-clock date and minute of `nowMs` in `timeZone` (the viewer's Jira zone, which Jira
 * reads the form's date and time in); the browser's own zone when the runtime does not know it.
 */
export function wallClockIn(nowMs: number, timeZone: string): { date: string; time: string } {
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
        .formatToParts(new Date(nowMs))
        .map((part) => [part.type, part.value]),
    ) as Record<string, string>;
    return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
  } catch {
    const now = new Date(nowMs);
    return { date: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`, time: `${pad(now.getHours())}:${pad(now.getMinutes())}` };
  }
}

/** A new worklog's values: `issue` (may be empty), today and the current minute in the viewer's Jira zone, no duration yet. */
export function newValues(issue: string, nowMs: number, timeZone: string): LogWorkValues {
  const { date, time } = wallClockIn(nowMs, timeZone);
  return { issue, date, startTime: time, duration: '', comment: '' };
}

/**
 * The edit form's values for a worklog as Jira holds it: the date and time as written in
 * `started` (the wall clock of the offset Jira wrote it with), Jira's own duration words.
 */
export function valuesOf(worklog: OwnWorklog): LogWorkValues {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(worklog.started);
  return { issue: worklog.issueKey, date: match?.[1] ?? '', startTime: match?.[2] ?? '', duration: worklog.timeSpent, comment: worklog.comment ?? '' };
}

/** The body of `POST /api/worklogs`: trimmed; no comment when it is blank. */
export function toInput(values: LogWorkValues): WorklogInput {
  const comment = values.comment.trim();
  return {
    issue: values.issue.trim(),
    date: values.date.trim(),
    startTime: values.startTime.trim(),
    duration: values.duration.trim().replace(/\s+/g, ' '),
    ...(comment === '' ? {} : { comment }),
  };
}

/** The body of `PUT /api/worklogs/…`: only what changed (a cleared comment is sent as ""). */
export function toChange(before: LogWorkValues, after: LogWorkValues): WorklogChange {
  const next = toInput(after);
  const previous = toInput(before);
  const change: WorklogChange = {};
  if (next.date !== previous.date) change.date = next.date;
  if (next.startTime !== previous.startTime) change.startTime = next.startTime;
  if (next.duration !== previous.duration) change.duration = next.duration;
  if ((next.comment ?? '') !== (previous.comment ?? '')) change.comment = next.comment ?? '';
  return change;
}
