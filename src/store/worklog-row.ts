/**
 * One stored worklog: exactly the eight fields of the data statement
 * (`../shared/seeds/000_*.txt`), plus two columns derived only from them, which the data
 * statement lists: `startedMs` (reports filter and group by instant) and `updatedMs` (the
 * newest-`updated`-wins rule compares instants, not offset-bearing strings).
 */
export interface WorklogRow {
  /** `client_worklog_id`: the worklog's id in Jira (numeric; `id` is a string on the wire). */
  clientWorklogId: number;
  /** `account_id`: the author's Atlassian account id; null when Jira sends none. */
  accountId: string | null;
  /** `client_issue_id`: the id (never the key) of the worklog's issue. */
  clientIssueId: number;
  /** `comment`: as received — the ADF document's JSON text (v3), or null when there is none. */
  comment: string | null;
  /** `created`, `updated`, `started`: as received, `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm`. */
  created: string;
  updated: string;
  started: string;
  /** `time_spent_seconds`. */
  timeSpentSeconds: number;
  /** Derived: `started` as epoch ms. */
  startedMs: number;
  /** Derived: `updated` as epoch ms. */
  updatedMs: number;
}

/** A worklog Jira reported deleted, with the deletion time from `/worklog/deleted`. */
export interface WorklogDeletion {
  clientWorklogId: number;
  deletedAtMs: number;
}
