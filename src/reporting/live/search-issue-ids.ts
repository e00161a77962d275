import { AppError, isAppError } from '../../platform/app-error.js';
import type { CallOptions, JiraClient } from '../../jira/jira-client.js';

/** Longest JQL a report accepts; far beyond any hand-written filter, short of abuse. */
export const MAX_JQL_CHARS = 10_000;

/** Whose JQL it is: the user's own (a rejection is theirs to fix) or one Tally built (a rejection is Jira's or Tally's problem). */
export type JqlOrigin = 'user' | 'tally';

/** Options of {@link searchAllIssueIds}. */
export interface SearchAllOptions {
  origin: JqlOrigin;
  /** More matches than this fail with `REQUEST_INVALID`: each id costs a point of the app's shared hourly quota. */
  maxIssues: number;
  /** Named in the too-many message, e.g. `JQL` or `project`. */
  filterName: string;
  callOptions: CallOptions;
}

/** Stops a search whose pages never end (a token Jira keeps handing out with no issues). */
const MAX_PAGES = 1_000;

/** Checks a user's JQL before it is sent: `REPORT_JQL_INVALID` when blank or too long. Returns it trimmed. */
export function checkUserJql(jql: string): string {
  const text = jql.trim();
  if (text === '') throw new AppError('REPORT_JQL_INVALID', 'The JQL filter is empty.');
  if (text.length > MAX_JQL_CHARS) throw new AppError('REPORT_JQL_INVALID', `The JQL filter is longer than ${MAX_JQL_CHARS} characters.`);
  return text;
}

/**
 * Every issue id `jql` matches, as the app sees them, sorted and de-duplicated: `/search/jql`
 * paged to its last page. When Jira refuses the first page of a user's JQL (400: syntax, unknown
 * field or value, unbounded query) it throws `REPORT_JQL_INVALID` with a fixed message — the
 * query is never echoed (it may carry anything) and Jira's own message is not available here.
 * A refusal of a later page (an expired token) or of Tally's own JQL stays `JIRA_REQUEST_REJECTED`.
 */
export async function searchAllIssueIds(client: JiraClient, jql: string, options: SearchAllOptions): Promise<number[]> {
  const ids = new Set<number>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let answer;
    try {
      answer = await client.searchIssueIds(jql, token, options.callOptions);
    } catch (error) {
      if (page === 0 && options.origin === 'user' && isAppError(error, 'JIRA_REQUEST_REJECTED')) {
        throw new AppError('REPORT_JQL_INVALID', 'Jira rejected the JQL filter: check its syntax, field names and values, and that it restricts the search.', { cause: error });
      }
      throw error;
    }
    for (const id of answer.ids) ids.add(id);
    if (ids.size > options.maxIssues) {
      throw new AppError('REQUEST_INVALID', `The ${options.filterName} filter matches more than ${options.maxIssues} issues; narrow it.`);
    }
    token = answer.nextPageToken;
    if (token === undefined) return [...ids].sort((a, b) => a - b);
  }
  throw new AppError('JIRA_RESPONSE_INVALID', `Jira's issue search did not end within ${MAX_PAGES} pages`, { retryable: false });
}
