import type Database from 'better-sqlite3';
import type { IssueWorklogTime, ReportColumnRow } from './tenant-store.js';
import { worklogColumns, worklogFromValues } from './worklog-columns.js';
import type { WorklogRow } from './worklog-row.js';

/*
 * The reads of a tenant SQLite file beside the sync's: rows by id (detail pages and following
 * writes), a lean scan of the report columns (loading the in-memory columns), and the time
 * columns of given issues (the Bitbucket panels).
 */

/** Ids per lookup statement. One prepared statement of fixed arity; a short last chunk repeats its last id. */
export const IDS_PER_LOOKUP = 100;

const BY_IDS_SQL = `SELECT ${worklogColumns.join(', ')} FROM worklogs
  WHERE client_worklog_id IN (${Array.from({ length: IDS_PER_LOOKUP }, () => '?').join(', ')})`;

// Keyset pagination on the rowid: each batch is a range of the table's own B-tree. The five
// columns are read from the row, so SQLite skips over the comment's bytes without decoding them
// and JS never sees them.
const REPORT_COLUMNS_SQL = `SELECT client_worklog_id, account_id, client_issue_id, started_ms, time_spent_seconds
  FROM worklogs WHERE client_worklog_id > ? ORDER BY client_worklog_id LIMIT ?`;

// `worklogs_issue_started_idx (client_issue_id, started_ms, time_spent_seconds)` finds the rows;
// only `account_id` is read from the table itself.
const OF_ISSUES_SQL = `SELECT client_issue_id, account_id, started_ms, time_spent_seconds FROM worklogs
  WHERE client_issue_id IN (${Array.from({ length: IDS_PER_LOOKUP }, () => '?').join(', ')})`;

const DEFAULT_SCAN_ROWS = 8192;

/** Distinct storable ids (safe integers), so a repeated id — or the last chunk's padding — is read once. */
const distinctIds = (ids: readonly number[]) => [...new Set(ids)].filter((id) => Number.isSafeInteger(id));

/** What {@link createSqliteWorklogReads} returns: the two report reads over one open handle. */
export interface SqliteWorklogReads {
  getWorklogsByIds(ids: readonly number[]): WorklogRow[];
  getWorklogsOfIssues(issueIds: readonly number[]): IssueWorklogTime[];
  scanReportColumns(batchSize: number | undefined, ensureOpen: () => void): Generator<ReportColumnRow[]>;
}

/**
 * Prepares the report reads for one open tenant database. `getWorklogsByIds` reads every chunk in
 * one read transaction (one snapshot, even while another process writes); ids that cannot be
 * stored (not safe integers) are skipped like absent ones.
 */
export function createSqliteWorklogReads(database: Database.Database): SqliteWorklogReads {
  const byIds = database.prepare(BY_IDS_SQL).raw();
  const reportColumns = database.prepare(REPORT_COLUMNS_SQL).raw();

  const ofIssues = database.prepare(OF_ISSUES_SQL).raw();

  /** Runs a fixed-arity IN statement over every chunk of `ids`, all inside the caller's one read transaction. */
  const eachChunk = (ids: number[], read: (chunk: number[]) => void) => {
    const chunk: number[] = new Array(IDS_PER_LOOKUP);
    for (let start = 0; start < ids.length; start += IDS_PER_LOOKUP) {
      for (let k = 0; k < IDS_PER_LOOKUP; k++) chunk[k] = ids[Math.min(start + k, ids.length - 1)] as number;
      read(chunk);
    }
  };
  const readChunks = database.transaction((ids: number[]): WorklogRow[] => {
    const rows: WorklogRow[] = [];
    eachChunk(ids, (chunk) => {
      for (const values of byIds.all(chunk) as unknown[][]) rows.push(worklogFromValues(values));
    });
    return rows;
  });
  const readOfIssues = database.transaction((issueIds: number[]): IssueWorklogTime[] => {
    const rows: IssueWorklogTime[] = [];
    eachChunk(issueIds, (chunk) => {
      for (const [clientIssueId, accountId, startedMs, timeSpentSeconds] of ofIssues.all(chunk) as [number, string | null, number, number][]) {
        rows.push({ clientIssueId, accountId, startedMs, timeSpentSeconds });
      }
    });
    return rows;
  });

  return {
    getWorklogsByIds(ids) {
      const unique = distinctIds(ids);
      return unique.length === 0 ? [] : readChunks.deferred(unique);
    },
    getWorklogsOfIssues(issueIds) {
      const unique = distinctIds(issueIds);
      return unique.length === 0 ? [] : readOfIssues.deferred(unique);
    },
    *scanReportColumns(batchSize = DEFAULT_SCAN_ROWS, ensureOpen) {
      if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
      let afterId = Number.MIN_SAFE_INTEGER;
      for (;;) {
        ensureOpen();
        const rows = reportColumns.all(afterId, batchSize) as unknown as ReportColumnRow[];
        if (rows.length === 0) return;
        afterId = (rows[rows.length - 1] as ReportColumnRow)[0];
        yield rows;
        if (rows.length < batchSize) return;
      }
    },
  };
}
