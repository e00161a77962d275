import { isAppError } from '../platform/app-error.js';
import type { ErrorCode } from '../platform/error-codes.js';

/** Something an answer lacks, and why; sent beside the answer so the page can say so. */
export interface ReportNotice {
  code: ErrorCode;
  message: string;
  /** When asking again may give the full answer, if known. */
  retryAfterSeconds?: number;
}

/** The notices of one answer, each code once. */
export type ReportNotices = Map<ErrorCode, ReportNotice>;

/**
 * Live names and keys from Jira, or — once the tenant's Jira look-ups spent their share of the
 * hour (`JIRA_INTERACTIVE_BUDGET_SPENT`, src/jira/interactive-budget.ts) — only those already in
 * memory, with a notice: a report whose labels partly show as ids is more use than no report,
 * and the top of the hour brings the budget back. Only labels fall back; filters, permissions
 * and the issue facts a grouping needs still fail, since guessing them would change the numbers
 * or show what the viewer may not see. Any other error propagates.
 */
export async function labelsOrCached<V>(live: () => Promise<V>, cached: () => V, notices: ReportNotices): Promise<V> {
  try {
    return await live();
  } catch (error) {
    if (!isAppError(error, 'JIRA_INTERACTIVE_BUDGET_SPENT')) throw error;
    notices.set(error.code, {
      code: error.code,
      message: "Some names and keys show as ids: this site's Jira look-ups for reports spent their share of this hour's Jira points, which syncs need too.",
      ...(error.retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) }),
    });
    return cached();
  }
}

/** The notices as an answer carries them: absent when there are none, so complete answers stay as they were. */
export function noticesField(notices: ReportNotices): { notices?: ReportNotice[] } {
  return notices.size === 0 ? {} : { notices: [...notices.values()] };
}
