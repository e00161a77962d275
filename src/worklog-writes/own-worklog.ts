import { AppError } from '../platform/app-error.js';
import { commentText } from '../reporting/adf-text.js';

/** A worklog as the log-work form shows it (docs/api.md, `OwnWorklog`). */
export interface OwnWorklog {
  id: number;
  issueId: number;
  issueKey: string;
  /** Jira's own `started`, with its offset. */
  started: string;
  timeSpentSeconds: number;
  /** Jira's rendering of the duration, e.g. `1h 30m`. */
  timeSpent: string;
  /** The comment as plain text; null when there is none. */
  comment: string | null;
  authorAccountId: string;
}

const numericId = (value: unknown): number | undefined => {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^\d{1,16}$/.test(text) ? Number(text) : undefined;
};

/**
 * Reads Jira's v3 worklog body (create, read and update answers) into an {@link OwnWorklog};
 * `JIRA_RESPONSE_INVALID` when a field the form needs is missing. The key is the caller's: a
 * worklog body names only the issue's id.
 */
export function readOwnWorklog(body: unknown, issueKey: string): OwnWorklog {
  const w = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const id = numericId(w.id);
  const issueId = numericId(w.issueId);
  const author = (typeof w.author === 'object' && w.author !== null ? w.author : {}) as Record<string, unknown>;
  if (id === undefined || issueId === undefined || typeof w.started !== 'string' || typeof w.timeSpentSeconds !== 'number' || typeof author.accountId !== 'string') {
    throw new AppError('JIRA_RESPONSE_INVALID', "Jira's worklog answer is not in the expected shape");
  }
  const comment = w.comment === undefined || w.comment === null ? '' : commentText(typeof w.comment === 'string' ? w.comment : JSON.stringify(w.comment));
  return {
    id,
    issueId,
    issueKey,
    started: w.started,
    timeSpentSeconds: w.timeSpentSeconds,
    timeSpent: typeof w.timeSpent === 'string' ? w.timeSpent : `${Math.round(w.timeSpentSeconds / 60)}m`,
    comment: comment === '' ? null : comment,
    authorAccountId: author.accountId,
  };
}
