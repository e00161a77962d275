import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal.js';
import { mergeSyncStateJson, syncStateKeys } from './sync-state-json.js';
import type { ApplyResult, SyncBatch } from './tenant-store.js';
import type { WorklogRow } from './worklog-row.js';

/*
 * The sync's hot path on PostgreSQL. A round trip costs more than PostgreSQL's work for a row, so
 * a batch is a fixed handful of statements whatever its size: one read of the stored `updated_ms`
 * and tombstones of every id, the newest-wins decisions made here, then one multi-row write per
 * kind from arrays (`unnest`). Each id appears once in a write (PostgreSQL refuses an
 * `ON CONFLICT DO UPDATE` that touches a row twice), so the in-order rules run in JS first.
 *
 * Rows the read found absent are written with a plain INSERT, the others with the upsert: under
 * the writer lock nobody can add them in between, and skipping ON CONFLICT's speculative
 * insertion is what makes a first load fast. Measured (200k rows in batches of 1000, one
 * connection, loaded 2-core machine, 3 runs): upsert 23–29k rows/s, plain INSERT from unnest
 * 29–53k, COPY into the table 29–37k, COPY into a staging table then upsert 29–34k.
 * Measured again as CPU per row (300k rows, 3 runs; docs/benchmarks.md, bench:sync on
 * PostgreSQL): this INSERT 4.6–6.9 µs in Node + 7.5–9.6 µs in the server, COPY into the table
 * 3.9–5.0 + 5.9–6.3 µs — about 3 µs a row less, some 3% of a full sync's CPU (75–110 µs per
 * worklog). COPY would need a dependency (pg-copy-streams; pg sends no COPY data itself), so
 * there is no COPY path.
 */

// The WHERE repeats newest-wins in SQL, so even a wrong decision above cannot let an older
// `updated` overwrite a newer one.
const UPSERT_SQL = `INSERT INTO worklogs (client_worklog_id, account_id, client_issue_id, comment, created, updated, started, time_spent_seconds, started_ms, updated_ms)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::bigint[], $10::bigint[])
  ON CONFLICT (client_worklog_id) DO UPDATE SET account_id = excluded.account_id, client_issue_id = excluded.client_issue_id,
    comment = excluded.comment, created = excluded.created, updated = excluded.updated, started = excluded.started,
    time_spent_seconds = excluded.time_spent_seconds, started_ms = excluded.started_ms, updated_ms = excluded.updated_ms
  WHERE excluded.updated_ms > worklogs.updated_ms`;

// The same rows known to be new: no conflict handling to pay for.
const INSERT_SQL = UPSERT_SQL.slice(0, UPSERT_SQL.indexOf('ON CONFLICT'));

const STORED_SQL = `SELECT client_worklog_id, updated_ms, false FROM worklogs WHERE client_worklog_id = ANY($1::bigint[])
  UNION ALL SELECT client_worklog_id, deleted_at_ms, true FROM worklog_tombstones WHERE client_worklog_id = ANY($1::bigint[])`;

const DELETE_SQL = 'DELETE FROM worklogs WHERE client_worklog_id = ANY($1::bigint[]) RETURNING client_issue_id';
const TOMBSTONE_SQL = `INSERT INTO worklog_tombstones (client_worklog_id, deleted_at_ms) SELECT * FROM unnest($1::bigint[], $2::bigint[])
  ON CONFLICT (client_worklog_id) DO UPDATE SET deleted_at_ms = excluded.deleted_at_ms
  WHERE excluded.deleted_at_ms > worklog_tombstones.deleted_at_ms`;

const READ_STATE_SQL = 'SELECT value FROM sync_state WHERE key = $1 FOR UPDATE';
const WRITE_STATE_SQL = 'INSERT INTO sync_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';


function checkId(id: unknown): void {
  if (!Number.isSafeInteger(id)) throw new AppError('STORE_WRITE_FAILED', `A worklog id is not an integer (${String(id)})`);
}

/** The newest-wins decisions for a batch's upserts, in order, against what is stored. */
function decideUpserts(upserts: readonly WorklogRow[], stored: Map<number, number>, tombstones: Map<number, number>, result: ApplyResult): WorklogRow[] {
  const winners = new Map<number, WorklogRow>();
  for (const row of upserts) {
    const id = row.clientWorklogId;
    const tombstoneMs = tombstones.get(id);
    const storedMs = stored.get(id);
    if ((tombstoneMs !== undefined && tombstoneMs >= row.updatedMs) || (storedMs !== undefined && storedMs >= row.updatedMs)) {
      result.skippedStale++;
      continue;
    }
    if (storedMs === undefined) result.inserted++;
    else result.updated++;
    // A later duplicate in the batch now compares with this version, as a row-by-row writer would.
    stored.set(id, row.updatedMs);
    winners.set(id, row);
  }
  return [...winners.values()];
}

/**
 * UPSERT_SQL's ten parameters as array literals. Integer columns are checked here (the ids were
 * checked before): a literal would otherwise carry `NaN` or `2.5` to the server as text.
 */
function columnsOf(rows: readonly WorklogRow[]): string[] {
  const integers = (pick: (row: WorklogRow) => number) =>
    integerArrayLiteral(
      rows.map((row) => {
        const value = pick(row);
        if (!Number.isSafeInteger(value)) throw new AppError('STORE_WRITE_FAILED', `Worklog ${row.clientWorklogId} has a value that is not an integer`);
        return value;
      }),
    );
  const texts = (pick: (row: WorklogRow) => string | null) => textArrayLiteral(rows.map(pick));
  return [
    integers((row) => row.clientWorklogId),
    texts((row) => row.accountId),
    integers((row) => row.clientIssueId),
    texts((row) => row.comment),
    texts((row) => row.created),
    texts((row) => row.updated),
    texts((row) => row.started),
    integers((row) => row.timeSpentSeconds),
    integers((row) => row.startedMs),
    integers((row) => row.updatedMs),
  ];
}

/**
 * Applies one batch on `client`, which the caller has inside a transaction holding the tenant's
 * writer lock (postgres-tenant-store.ts: BEGIN, the advisory lock … COMMIT, ROLLBACK on any throw). Same rules as the SQLite writer (sqlite-batch-writer.ts):
 * 1. upserts in order: written when no tombstone has `deleted_at_ms >= updatedMs` and no stored
 *    row (or earlier duplicate in the batch) has `updated_ms >= updatedMs`; counted exactly;
 * 2. deletions: rows removed (counted once each) and tombstones keep the latest time;
 * 3. the state patch merged last.
 * Every id is checked before the first statement, so a bad one fails the batch without work.
 */
export async function applyPostgresBatch(client: pg.ClientBase, batch: SyncBatch): Promise<ApplyResult> {
  for (const row of batch.upserts) checkId(row.clientWorklogId);
  for (const deletion of batch.deletions) checkId(deletion.clientWorklogId);
  const result: ApplyResult = { inserted: 0, updated: 0, skippedStale: 0, deleted: 0, deletedIssueIds: [] };

  if (batch.upserts.length > 0) {
    const ids = [...new Set(batch.upserts.map((row) => row.clientWorklogId))];
    const found = await client.query<[number, number, boolean]>({ name: 'tally_stored', text: STORED_SQL, values: [integerArrayLiteral(ids)], rowMode: 'array' });
    const stored = new Map<number, number>();
    const tombstones = new Map<number, number>();
    for (const [id, ms, isTombstone] of found.rows) (isTombstone ? tombstones : stored).set(id, ms);
    const presentBefore = new Set(stored.keys());
    const winners = decideUpserts(batch.upserts, stored, tombstones, result);
    const fresh = winners.filter((row) => !presentBefore.has(row.clientWorklogId));
    const newer = winners.filter((row) => presentBefore.has(row.clientWorklogId));
    if (fresh.length > 0) await client.query({ name: 'tally_insert', text: INSERT_SQL, values: columnsOf(fresh) });
    if (newer.length > 0) await client.query({ name: 'tally_upsert', text: UPSERT_SQL, values: columnsOf(newer) });
  }

  if (batch.deletions.length > 0) {
    const latest = new Map<number, number>();
    for (const { clientWorklogId, deletedAtMs } of batch.deletions) latest.set(clientWorklogId, Math.max(deletedAtMs, latest.get(clientWorklogId) ?? -Infinity));
    const gone = await client.query<[number]>({ name: 'tally_delete', text: DELETE_SQL, values: [[...latest.keys()]], rowMode: 'array' });
    for (const [issueId] of gone.rows) result.deletedIssueIds.push(issueId);
    result.deleted = gone.rows.length;
    await client.query({ name: 'tally_tombstone', text: TOMBSTONE_SQL, values: [[...latest.keys()], [...latest.values()]] });
  }

  if (batch.state !== undefined) {
    const current = await client.query<{ value: string }>({ name: 'tally_read_state', text: READ_STATE_SQL, values: [syncStateKeys.state] });
    const merged = mergeSyncStateJson(current.rows[0]?.value, batch.state);
    await client.query({ name: 'tally_write_state', text: WRITE_STATE_SQL, values: [syncStateKeys.state, merged] });
  }
  return result;
}
