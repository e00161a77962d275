import type { JiraWorklog } from '../jira/jira-client.js';
import type { WorklogRow } from '../store/worklog-row.js';

/**
 * Reduces a Jira worklog to the row Tally stores: the statement's eight fields plus the two
 * derived instants. Everything else Jira sent (names, avatars, emails, visibility) is dropped here.
 */
export function toWorklogRow(worklog: JiraWorklog): WorklogRow {
  return {
    clientWorklogId: worklog.id,
    accountId: worklog.authorAccountId,
    clientIssueId: worklog.issueId,
    comment: worklog.commentJson,
    created: worklog.created,
    updated: worklog.updated,
    started: worklog.started,
    timeSpentSeconds: worklog.timeSpentSeconds,
    startedMs: worklog.startedMs,
    updatedMs: worklog.updatedMs,
  };
}
