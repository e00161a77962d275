import { AppError } from '../platform/app-error.js';

/** Why Jira refused a worklog write, as `details` names it to the page (docs/api.md). */
export type RefusalReason = 'time_tracking_off' | 'no_permission' | 'issue_not_found' | 'worklog_not_found' | 'bad_input';

/** Jira's error body (`ErrorCollection`: jira-worklog-openapi-excerpt.json). */
export interface JiraErrorBody {
  errorMessages?: unknown;
  errors?: unknown;
}

/** What the refused call was about: an issue (create, timer) or one worklog (read, edit, delete). */
export type RefusalTarget = 'issue' | 'worklog';

const MAX_WORDS = 500;

/** Jira's own words from an error body: `errorMessages`, then each field's message, in order. */
export function jiraWords(body: JiraErrorBody | undefined): string {
  const messages = Array.isArray(body?.errorMessages) ? body.errorMessages.filter((m): m is string => typeof m === 'string') : [];
  const errors = typeof body?.errors === 'object' && body.errors !== null ? Object.values(body.errors as Record<string, unknown>).filter((m): m is string => typeof m === 'string') : [];
  return [...messages, ...errors].map((m) => m.trim()).filter((m) => m !== '').join(' ').slice(0, MAX_WORDS);
}

function reasonOf(status: number, words: string, target: RefusalTarget): RefusalReason {
  // Jira answers a disabled time tracking 400 on writes and 404 on reads ("Time tracking is disabled"), so the words decide first.
  if (/time tracking/i.test(words)) return 'time_tracking_off';
  if (status === 404) return target === 'worklog' && /worklog/i.test(words) ? 'worklog_not_found' : 'issue_not_found';
  // Jira Cloud refuses a missing Work-on-issues / Edit / Delete worklog permission with 403, older paths with 400 and "permission" in the words.
  if (status === 401 || status === 403 || /permission/i.test(words)) return 'no_permission';
  return 'bad_input';
}

const STATUS_OF: Record<RefusalReason, number> = { time_tracking_off: 400, no_permission: 403, issue_not_found: 404, worklog_not_found: 404, bad_input: 400 };

/**
 * The `JIRA_WORKLOG_REFUSED` error for a 4xx answer: Jira's own words as the message (the page
 * shows them verbatim), the reason as the single `details` entry, and the status that reason
 * means (400, 403 or 404). Pure.
 */
export function worklogRefusal(status: number, body: JiraErrorBody | undefined, target: RefusalTarget): AppError {
  const words = jiraWords(body);
  const reason = reasonOf(status, words, target);
  const message = words !== '' ? words : `Jira refused the request (HTTP ${status}).`;
  return new AppError('JIRA_WORKLOG_REFUSED', message, { details: [reason], httpStatus: STATUS_OF[reason], expose: true });
}

/** A refusal Tally words itself because Jira answered without an error (an issue the viewer cannot see is left out of a bulk fetch). */
export function refusalOf(reason: RefusalReason, message: string): AppError {
  return new AppError('JIRA_WORKLOG_REFUSED', message, { details: [reason], httpStatus: STATUS_OF[reason], expose: true });
}
