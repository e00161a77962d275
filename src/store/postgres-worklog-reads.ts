import type pg from 'pg';
import { integerArrayLiteral } from './pg-array-literal.js';
import type { IssueWorklogTime, ReportColumnRow } from './tenant-store.js';
import { worklogColumns, worklogFromValues } from './worklog-columns.js';
import type { WorklogRow } from './worklog-row.js';

/*
 * The reads of a tenant PostgreSQL database, each ONE statement (one snapshot): rows by id,
 * the time columns of given issues, and keyset pages of the table. Ids travel as one array
 * parameter, so any number of them is one round trip and one consistent read — no chunking;
 * the parameter is written as its literal (`{1,2,3}`), which pg's own array serialisation
 * (a regular expression per element) would otherwise build.
 */

const COLUMNS = worklogColumns.join(', ');
const BY_IDS_SQL = `SELECT ${COLUMNS} FROM worklogs WHERE client_worklog_id = ANY($1::bigint[])`;
// `worklogs_issue_started_idx (client_issue_id, started_ms, time_spent_seconds)` finds the rows.
const OF_ISSUES_SQL = 'SELECT client_issue_id, account_id, started_ms, time_spent_seconds FROM worklogs WHERE client_issue_id = ANY($1::bigint[])';
// Keyset pages on the primary key: each page is an index range, however far into the table.
const PAGE_SQL = `SELECT ${COLUMNS} FROM worklogs WHERE client_worklog_id > $1 ORDER BY client_worklog_id LIMIT $2`;
// The five report columns only: the comment is never sent over the wire.
const REPORT_COLUMNS_SQL = `SELECT client_worklog_id, account_id, client_issue_id, started_ms, time_spent_seconds
  FROM worklogs WHERE client_worklog_id > $1 ORDER BY client_worklog_id LIMIT $2`;

/** Distinct storable ids (safe integers): a repeated id is read once, an impossible one skipped. */
const distinctIds = (ids: readonly number[]) => [...new Set(ids)].filter((id) => Number.isSafeInteger(id));

/**
 * `client.query(config)` as a promise, with the callback handed to pg when it builds its query
 * rather than through pg's promise API (which attaches its callback to the query afterwards).
 * Measured on Node 20.20 / pg 8.23, a loop of 100-row reads by id: through the promise API V8
 * pretenured one or two allocation sites of the read (`--trace-pretenuring-statistics`: every
 * object from them survived, so they were allocated in the old generation from then on), and
 * what those dead old objects pointed to survived each young-generation collection: 3.2–3.5 MB
 * promoted per scavenge (`--trace-gc-nvp`), an old generation growing into mark-compacts whose
 * pauses land on report calls — the tail of the PostgreSQL details page. With the callback given
 * up front no site was pretenured, a few KB survived, and a read took about a quarter less CPU.
 * The result and the errors are pg's own, unchanged.
 */
export function queryArrays<Row extends unknown[]>(client: pg.ClientBase, config: pg.QueryArrayConfig): Promise<pg.QueryArrayResult<Row>> {
  return new Promise((resolve, reject) => {
    client.query<Row>(config, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** The stored rows among `ids`, each once, in no particular order. */
export async function readWorklogsByIds(client: pg.ClientBase, ids: readonly number[]): Promise<WorklogRow[]> {
  const unique = distinctIds(ids);
  if (unique.length === 0) return [];
  const result = await queryArrays(client, { name: 'tally_by_ids', text: BY_IDS_SQL, values: [integerArrayLiteral(unique)], rowMode: 'array' });
  return result.rows.map(worklogFromValues);
}

/** The time columns of every stored worklog of `issueIds`, each once, in no particular order. */
export async function readWorklogsOfIssues(client: pg.ClientBase, issueIds: readonly number[]): Promise<IssueWorklogTime[]> {
  const unique = distinctIds(issueIds);
  if (unique.length === 0) return [];
  const result = await queryArrays<[number, string | null, number, number]>(client, { name: 'tally_of_issues', text: OF_ISSUES_SQL, values: [integerArrayLiteral(unique)], rowMode: 'array' });
  return result.rows.map(([clientIssueId, accountId, startedMs, timeSpentSeconds]) => ({ clientIssueId, accountId, startedMs, timeSpentSeconds }));
}

/** Up to `limit` whole rows with ids above `afterId`, ascending. */
export async function readWorklogPage(client: pg.ClientBase, afterId: number, limit: number): Promise<WorklogRow[]> {
  const result = await queryArrays(client, { name: 'tally_page', text: PAGE_SQL, values: [afterId, limit], rowMode: 'array' });
  return result.rows.map(worklogFromValues);
}

/** Up to `limit` rows' report columns with ids above `afterId`, ascending. */
export async function readReportColumnPage(client: pg.ClientBase, afterId: number, limit: number): Promise<ReportColumnRow[]> {
  const result = await queryArrays(client, { name: 'tally_report_columns', text: REPORT_COLUMNS_SQL, values: [afterId, limit], rowMode: 'array' });
  return result.rows as unknown as ReportColumnRow[];
}

/**
 * Keyset pagination over any page reader: pages of at most `batchSize`, each its own statement.
 * The next page is asked for before the current one is handed over, so the server reads it while
 * the consumer works (a column load took 3.7 s per million rows waiting page by page, with 2.0 s
 * of this process's CPU and 0.7 s of the server's). One read is in flight at a time and holds a
 * connection only while it runs, never across a consumer's pause; a consumer that stops early
 * waits for that read to end, so nothing runs on after the iteration.
 */
export async function* pagesOf<Row>(batchSize: number, idOf: (row: Row) => number, read: (afterId: number, limit: number) => Promise<Row[]>): AsyncGenerator<Row[]> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let next: Promise<Row[]> | undefined = read(Number.MIN_SAFE_INTEGER, batchSize);
  try {
    while (next !== undefined) {
      const rows: Row[] = await next;
      next = undefined;
      if (rows.length === 0) return;
      // A short page is the last: no read after it.
      if (rows.length === batchSize) next = read(idOf(rows[rows.length - 1] as Row), batchSize);
      yield rows;
    }
  } finally {
    // Stopped early (or failed): the read ahead finishes, its rows and any error unwanted.
    await next?.catch(() => undefined);
  }
}
