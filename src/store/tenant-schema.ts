/**
 * Row of `worklogs`: exactly the data statement's eight fields plus two columns derived only from
 * them (`started_ms`, `updated_ms`), which the data statement lists. Nothing about issues or
 * people beyond the account id. Integers are epoch ms or Jira ids, all below 2^53.
 */
export interface WorklogsTable {
  client_worklog_id: number;
  account_id: string | null;
  client_issue_id: number;
  comment: string | null;
  created: string;
  updated: string;
  started: string;
  time_spent_seconds: number;
  started_ms: number;
  updated_ms: number;
}

/** Row of `worklog_tombstones`: a worklog Jira reported deleted, and the latest deletion time seen. */
export interface WorklogTombstonesTable {
  client_worklog_id: number;
  deleted_at_ms: number;
}

/** Row of `sync_state`: a small JSON document per key (see sync-state-json.ts for the keys). */
export interface SyncStateTable {
  key: string;
  value: string;
}

/** One tenant's database as Kysely sees it. tenant-migrations.ts creates it. */
export interface TenantSchema {
  worklogs: WorklogsTable;
  worklog_tombstones: WorklogTombstonesTable;
  sync_state: SyncStateTable;
}
