/** Behaviour switches for facts the reference marks unverified; see jira-connect-protocol.md. */
export interface SiteBehaviour {
  /** `/worklog/updated?since=` includes items at exactly `since` (undocumented; default true). */
  sinceInclusive: boolean;
  /** Changes younger than this are hidden from the feeds ("the minute preceding the request"). */
  hiddenWindowMs: number;
  /** Page size of the feeds and the cap of `/worklog/list`. */
  pageSize: number;
  /** Whether the last page still carries `nextPage` (the spec example does). */
  nextPageOnLastPage: boolean;
  /** Whether deleting an issue lists its worklogs in `/worklog/deleted` (unverified). */
  issueDeletionFeedsDeletedWorklogs: boolean;
  /** Whether moving worklogs to another issue bumps their `updated` time (unverified). */
  worklogMoveBumpsUpdated: boolean;
  /** Per-issue worklog cap; a create beyond it answers 413. */
  maxWorklogsPerIssue: number;
  /** Working hours per day and days per week, for `timeSpent` strings such as `1d 2h`. */
  hoursPerDay: number;
  daysPerWeek: number;
  /**
   * Which host `self` and `nextPage` of `/worklog/updated` and `/deleted` name when the call came
   * through `api.atlassian.com/ex/jira/{cloudId}` (self-hosted-site.md §6, unverified): `site`
   * (default, the awkward reading: a client that follows it blindly leaves the gateway, and a
   * scoped token is refused there) or `gateway`.
   */
  gatewayNextPageHost: 'site' | 'gateway';
  /**
   * Whether a JQL `id` range (`id > 10234`) is refused, like `id = 10234`, when no issue the viewer
   * can see has that id (unverified). Default true, the awkward reading: a reader that resumes
   * after an issue deleted since gets a 400.
   */
  jqlIdRangeNeedsIssue: boolean;
  /**
   * Status of a worklog write refused for a missing project permission (Work on issues, Edit
   * own/all worklogs, Delete own/all worklogs). Jira Cloud's OpenAPI says 400 ("the user does not
   * have permission to add/update/delete the worklog", jira-worklog-openapi-excerpt.json); Jira
   * Server's REST docs said 403 and some clients report 403 from Cloud (unverified). Default 400.
   */
  worklogPermissionRefusalStatus: 400 | 403;
  /**
   * Whether a Connect or Forge app (as its app user, without Administer Jira) may read and write
   * any user's entity properties. The user-properties excerpt names only "Administer Jira" or the
   * calling user's own record and is silent on apps (unverified); default true, so an app can
   * keep per-user data such as a running timer.
   */
  appsMayAccessUserProperties: boolean;
}

/** The defaults: the reference's facts, or the most awkward reading for a client where it has none. */
export const defaultSiteBehaviour: SiteBehaviour = {
  sinceInclusive: true,
  hiddenWindowMs: 60_000,
  pageSize: 1000,
  nextPageOnLastPage: true,
  issueDeletionFeedsDeletedWorklogs: true,
  worklogMoveBumpsUpdated: true,
  maxWorklogsPerIssue: 10_000,
  hoursPerDay: 8,
  daysPerWeek: 5,
  gatewayNextPageHost: 'site',
  jqlIdRangeNeedsIssue: true,
  worklogPermissionRefusalStatus: 400,
  appsMayAccessUserProperties: true,
};
