import type { WorklogRow } from './worklog-row.js';

/**
 * The `worklogs` columns in the order {@link worklogParams} binds them. One place maps the
 * camelCase {@link WorklogRow} to snake_case columns, so a field cannot be dropped on one path only.
 */
export const worklogColumns = [
  'client_worklog_id',
  'account_id',
  'client_issue_id',
  'comment',
  'created',
  'updated',
  'started',
  'time_spent_seconds',
  'started_ms',
  'updated_ms',
] as const;

/** A row's values as positional parameters, in {@link worklogColumns} order. */
export function worklogParams(row: WorklogRow): unknown[] {
  return [
    row.clientWorklogId,
    row.accountId,
    row.clientIssueId,
    row.comment,
    row.created,
    row.updated,
    row.started,
    row.timeSpentSeconds,
    row.startedMs,
    row.updatedMs,
  ];
}

/** A row read back positionally (`worklogColumns` order, e.g. better-sqlite3's `.raw()`) as a {@link WorklogRow}. */
export function worklogFromValues(values: readonly unknown[]): WorklogRow {
  return {
    clientWorklogId: values[0] as number,
    accountId: values[1] as string | null,
    clientIssueId: values[2] as number,
    comment: values[3] as string | null,
    created: values[4] as string,
    updated: values[5] as string,
    started: values[6] as string,
    timeSpentSeconds: values[7] as number,
    startedMs: values[8] as number,
    updatedMs: values[9] as number,
  };
}
