/**
 * The report model every part of reporting shares: the engine (columns in memory), the API, the
 * exports and the page. Pure types and constants; no I/O.
 *
 * Work dates (DESIGN.md "Work date and time zones"): a worklog's work date is the calendar date of
 * its `started` instant in the report's time zone. Day keys are `YYYY-MM-DD`, weeks are ISO 8601
 * weeks (`YYYY-Www`, Monday first, the ISO week-numbering year), months `YYYY-MM`, years `YYYY`.
 */

/** What a report can be grouped by, in any order and combination (at most four levels). */
export const GROUP_DIMENSIONS = ['user', 'issue', 'project', 'parent', 'day', 'week', 'month', 'year'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

/** How each dimension is named to people: the page's chooser and headings, export column headers. */
export const DIMENSION_NAMES: Readonly<Record<GroupDimension, string>> = {
  user: 'User',
  issue: 'Issue',
  project: 'Project',
  parent: 'Parent',
  day: 'Day',
  week: 'Week',
  month: 'Month',
  year: 'Year',
};

/** The most grouping levels a report may ask for. */
export const MAX_GROUP_LEVELS = 4;

/** Group key of a worklog whose author Jira does not name (deleted or anonymised user). */
export const NO_ACCOUNT_KEY = '';
/** Group key of an issue without a parent, or whose project/parent Jira did not tell. */
export const NO_PARENT_KEY = '';

/** Sorting of groups at every level: by key (dates chronological, ids as text) or by time spent. */
export interface ReportSort {
  by: 'key' | 'seconds';
  direction: 'asc' | 'desc';
}

/**
 * A report question after validation and live resolution: issue keys, projects and JQL have
 * already become a set of issue ids, and the viewer's permissions have narrowed it.
 */
export interface ResolvedReportQuery {
  /** First work date, inclusive, `YYYY-MM-DD`. */
  fromDate: string;
  /** Last work date, inclusive, `YYYY-MM-DD`. */
  toDate: string;
  /** IANA zone (or `UTC`) that decides each worklog's work date. */
  timeZone: string;
  /** Only these authors (`NO_ACCOUNT_KEY` matches worklogs without one); undefined: everyone. */
  accountIds?: readonly string[];
  /** Only worklogs on these issues; undefined: every issue. An empty list matches nothing. */
  issueIds?: readonly number[];
  groupBy: readonly GroupDimension[];
  sort: ReportSort;
}

/** Project and parent of an issue, fetched live from Jira (never stored). */
export interface IssueInfo {
  projectId: string;
  /** The parent issue's id (epic or parent of a sub-task), or null when it has none. */
  parentId: number | null;
}

/** Time and count. `seconds` is the exact sum of `time_spent_seconds`. */
export interface Totals {
  seconds: number;
  worklogs: number;
}

/**
 * One group of a summary; `children` follow the next grouping level (absent on the last). A group's
 * dimension is its level's: `groupBy[depth]`. Groups carry no labels: wide answers (all history by
 * user × month is tens of thousands of groups) stay small, and each label is sent once per key.
 */
export interface GroupNode extends Totals {
  /** accountId; issue id as text; project id; parent issue id as text; or a date key. */
  key: string;
  children?: GroupNode[];
}

/** A grouped report: the groups (sorted as asked) and the grand total. */
export interface ReportSummary {
  total: Totals;
  groups: GroupNode[];
}

/** Position in the details list: after this worklog, in (started desc, id desc) order. */
export interface DetailsCursor {
  startedMs: number;
  clientWorklogId: number;
}

/** One line of the details list, from the engine (the comment is read from the store by id). */
export interface DetailRef {
  clientWorklogId: number;
  clientIssueId: number;
  accountId: string | null;
  startedMs: number;
  /** Work date in the query's time zone. */
  workDate: string;
  timeSpentSeconds: number;
}
