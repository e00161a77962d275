import type { TenantId } from '../tenants/tenant.js';
import type { WorklogDeletion, WorklogRow } from './worklog-row.js';

/**
 * Where a tenant's synchronisation stands. Every cursor and sync time is Jira's (epoch ms from
 * Jira's own answers), never Tally's clock, so clock skew cannot open a gap; only the admin page's
 * facts at the end (last incremental sync, last webhook) are Tally's clock, and nothing reads from them.
 */
export interface SyncState {
  /** `none` before the first full sync, `full` while it runs, `incremental` once it finished. */
  phase: 'none' | 'full' | 'incremental';
  /** `since` for the next `/worklog/updated` request (the full sync's progress, then the incremental cursor). */
  updatedCursorMs: number;
  /** `since` for the next `/worklog/deleted` request. */
  deletedCursorMs: number;
  /** Jira's time when the running or last full sync started. */
  fullSyncStartedAtMs: number | undefined;
  /** Jira's time when the last full sync finished. */
  fullSyncCompletedAtMs: number | undefined;
  /** Worklogs written by the running full sync so far (for progress and ETA). */
  fullSyncWorklogs: number;
  /** The cursor after the full sync's first page: where Jira's history starts (progress is measured from it). */
  fullSyncOriginMs: number | undefined;
  /** Points the running (or last) full sync's calls cost, by Tally's estimate from Jira's answers. */
  fullSyncPoints: number;
  /** `failureTime` of the newest failed webhook delivery already replayed. */
  failedWebhooksAfterMs: number;
  /** Jira's time when the last reconciliation finished. */
  lastReconciledAtMs: number | undefined;
  /** What it found: counts only (the invisible ids are logged, not kept here). */
  lastReconcile: { repaired: number; removedDeleted: number; invisible: number; jiraVisible: number } | undefined;
  /**
   * Recent first (issue 15): the start of the window of worklog start times read before the
   * history (epoch ms), chosen when the full sync started; undefined for a bulk full sync.
   */
  recentFromMs: number | undefined;
  /** The recent window's read has finished every issue up to this id (JQL orders by id): it resumes after it. */
  recentDoneThroughIssueId: number | undefined;
  /** Jira's time when the recent window's read finished. */
  recentReadAtMs: number | undefined;
  /** Issues JQL named whose worklogs Jira refused during the window's read: while above 0 the window is not exact. */
  recentUnreadIssues: number;
  /** Worklogs the window's read wrote, and the points its calls cost (for points per worklog of each phase). */
  recentWindowWorklogs: number;
  recentWindowPoints: number;
  /**
   * The `/worklog/updated` cursor of the incremental sync that keeps the recent window exact while
   * the history loads (`updatedCursorMs` is the history's own). Undefined when no such sync runs.
   */
  liveUpdatedCursorMs: number | undefined;
  /**
   * How a recent-first sync reads the history (issue 15): `issues` — issue by issue with
   * `startedBefore` the window (tried first, kept while it costs less per worklog than the feed),
   * `feed` — `/worklog/updated` from 0; undefined until the history starts.
   */
  historyPath: 'issues' | 'feed' | undefined;
  /** The ids of the first and the last issue the issue-by-issue history reads (its progress is measured between them). */
  historyFirstIssueId: number | undefined;
  historyLastIssueId: number | undefined;
  /** That read has finished every issue up to this id: it resumes after it. */
  historyDoneThroughIssueId: number | undefined;
  /** What that read has cost so far: issues, worklogs Jira returned, points (Tally's estimate). */
  historyIssues: number;
  historyIssueWorklogs: number;
  historyIssuePoints: number;
  /**
   * When an incremental run last ended synced (Tally's clock, epoch ms). Stored at most every
   * few minutes while nothing else changes, so an idle interval still writes nothing (see
   * sync-service.ts); the sync service holds the exact time of its own runs in memory.
   */
  lastIncrementalSyncAtMs: number | undefined;
  /** When the last worklog change notice (a platform's webhook or event) reached Tally (Tally's clock). */
  lastWebhookReceivedAtMs: number | undefined;
  /** Its lag: receipt time less the event's own timestamp (Jira's clock); undefined when the event had none. */
  lastWebhookLagMs: number | undefined;
}

/** The history read's fields as a tenant, or a new full sync, starts them. */
export const initialHistoryRead = {
  historyPath: undefined,
  historyFirstIssueId: undefined,
  historyLastIssueId: undefined,
  historyDoneThroughIssueId: undefined,
  historyIssues: 0,
  historyIssueWorklogs: 0,
  historyIssuePoints: 0,
} as const satisfies Partial<SyncState>;

/** The initial state of a tenant that never synchronised. */
export const initialSyncState: SyncState = {
  phase: 'none',
  updatedCursorMs: 0,
  deletedCursorMs: 0,
  fullSyncStartedAtMs: undefined,
  fullSyncCompletedAtMs: undefined,
  fullSyncWorklogs: 0,
  fullSyncOriginMs: undefined,
  fullSyncPoints: 0,
  failedWebhooksAfterMs: 0,
  lastReconciledAtMs: undefined,
  lastReconcile: undefined,
  recentFromMs: undefined,
  recentDoneThroughIssueId: undefined,
  recentReadAtMs: undefined,
  recentUnreadIssues: 0,
  recentWindowWorklogs: 0,
  recentWindowPoints: 0,
  liveUpdatedCursorMs: undefined,
  ...initialHistoryRead,
  lastIncrementalSyncAtMs: undefined,
  lastWebhookReceivedAtMs: undefined,
  lastWebhookLagMs: undefined,
};

/** One atomic unit of sync work: rows, deletions and the state that says they are done. */
export interface SyncBatch {
  upserts: readonly WorklogRow[];
  deletions: readonly WorklogDeletion[];
  /** Written in the same transaction, so a cursor never runs ahead of its rows. */
  state?: Partial<SyncState>;
}

/** What {@link TenantStore.applyBatch} did. */
export interface ApplyResult {
  inserted: number;
  updated: number;
  /** Upserts skipped because the stored row is as new or newer, or a tombstone is newer. */
  skippedStale: number;
  deleted: number;
  /** The issue ids of the rows deletions removed (one entry per removed row). */
  deletedIssueIds: number[];
}

/**
 * One worklog as the in-memory report engine loads it: only the columns reports group and filter
 * by, positionally, without the comment or the text timestamps — reading 10M rows must not
 * materialise 10M comments.
 */
export type ReportColumnRow = readonly [
  clientWorklogId: number,
  accountId: string | null,
  clientIssueId: number,
  startedMs: number,
  timeSpentSeconds: number,
];

/**
 * The columns of one worklog that time sums read (the Bitbucket panels' `TimedWorklog`): no id,
 * comment or text timestamps.
 */
export interface IssueWorklogTime {
  clientIssueId: number;
  accountId: string | null;
  startedMs: number;
  timeSpentSeconds: number;
}

/**
 * One account id a tenant's worklogs hold, for personal-data reporting (GDPR): the account and
 * the oldest `updated` (epoch ms, Jira's) among its stored worklogs — a lower bound of when Tally
 * retrieved that account's data, since no retrieval time is stored.
 */
export interface StoredAccount {
  accountId: string;
  oldestUpdatedMs: number;
}

/**
 * One tenant's database (port). Providers: SQLite file per tenant (embedded default),
 * PostgreSQL database per tenant (production). Sync and reports depend only on this.
 */
export interface TenantStore {
  readonly tenantId: TenantId;
  getSyncState(): Promise<SyncState>;
  /**
   * Applies a batch in ONE transaction: an upsert wins only if its `updatedMs` is newer than the
   * stored row's and than any tombstone of that id; a deletion removes the row and leaves a
   * tombstone; `state` is merged last. Re-applying the same batch changes nothing (idempotent).
   */
  applyBatch(batch: SyncBatch): Promise<ApplyResult>;
  /** Every stored worklog id, ascending (reconciliation). */
  listWorklogIds(): Promise<number[]>;
  /** Every stored worklog, by id, in pages of at most `batchSize` (export; bounded memory). */
  streamWorklogs(batchSize?: number): AsyncIterable<WorklogRow[]>;
  /**
   * The stored rows among `ids`, in no particular order: each stored id once (duplicates in `ids`
   * are read once), absent ids skipped. Any number of ids (the provider chunks); all rows come
   * from one consistent read. Used for detail pages and to follow writes in the report cache.
   */
  getWorklogsByIds(ids: readonly number[]): Promise<WorklogRow[]>;
  /**
   * The time columns ({@link IssueWorklogTime}) of every stored worklog of the issues `issueIds`,
   * in no particular order; each worklog once (duplicate ids are read once), issues without
   * worklogs and ids that cannot be stored contribute nothing. Any number of ids (the provider
   * chunks); all rows come from one consistent read. Answered from the `(client_issue_id, …)`
   * report index, so it costs the issues' worklogs, not the table (a full scan only while a
   * bulk load has dropped the index).
   */
  getWorklogsOfIssues(issueIds: readonly number[]): Promise<IssueWorklogTime[]>;
  /**
   * Every stored worklog's report columns ({@link ReportColumnRow}), in ascending id order, in
   * batches of at most `batchSize`. Bounded memory; each batch is one consistent read, but a write
   * between two batches may or may not be seen — a caller that must not miss writes follows them
   * separately (the report cache does, through `observeStoreWrites`).
   */
  scanReportColumns(batchSize?: number): AsyncIterable<ReportColumnRow[]>;
  countWorklogs(): Promise<number>;
  /**
   * Every distinct non-null account id the stored worklogs hold, ascending (UTF-8 byte order),
   * with its oldest `updated`; one consistent read. For the personal-data report.
   */
  listAccountIds(): Promise<StoredAccount[]>;
  /**
   * Erases an account's personal data (GDPR `closed`): in ONE transaction, `account_id` and
   * `comment` become null on every worklog of `accountId`; `updated`/`updated_ms` stay, so the
   * newest-wins sync never treats the erased row as news (only a newer edit in Jira rewrites
   * it). Returns the rows changed. Afterwards no old bytes of the erased values remain in the
   * provider's files — statistics included (SQLite: `secure_delete`, the `sqlite_stat4` samples
   * and a truncating WAL checkpoint; PostgreSQL will need VACUUM and a fresh ANALYZE, since
   * `pg_statistic` keeps most-common values of `account_id`). Idempotent: a
   * repeat changes 0 rows and redoes the cleanup, so a retry after `STORE_UNAVAILABLE` completes it.
   */
  eraseAccount(accountId: string): Promise<number>;
  /**
   * A number that changes whenever another connection — another process, such as `tally sync`
   * beside a running server — committed to this database since the last call could have seen;
   * this store's own writes leave it unchanged. In-memory copies compare it to know they are
   * stale. Optional for providers: without it, callers assume only this process writes.
   */
  othersWriteVersion?(): Promise<number>;
  /**
   * Prepares for a large first load (drops secondary indexes, larger transactions) and
   * restores the indexes afterwards; both idempotent and safe to call after a crash.
   */
  beginBulkLoad(): Promise<void>;
  endBulkLoad(): Promise<void>;
  /**
   * True between `beginBulkLoad` and `endBulkLoad`, also across a crash and a re-open (the mark is
   * stored): nothing ends a load automatically, the resumed sync does. Optional for providers.
   */
  isBulkLoading?(): Promise<boolean>;
  close(): Promise<void>;
}

/** Where a tenant's PostgreSQL database is, for tools that work on a whole database (pg_dump, pg_restore). */
export interface PostgresDatabaseLocation {
  /** The database's `postgres://` URL; it may carry the server's password: never log or print it. */
  databaseUrl: string;
  /** The database's name. */
  database: string;
}

/**
 * Whole-database operations of a PostgreSQL provider, for per-tenant backups: where a tenant's
 * database is, whether anyone uses it, and an atomic replacement of it (a restore).
 */
export interface PostgresWholeDatabases {
  /** The tenant's database when it is placed and exists; undefined otherwise. */
  find(tenantId: TenantId): Promise<PostgresDatabaseLocation | undefined>;
  /**
   * True when a connection other than the caller's is open to the tenant's database after a
   * short wait for closing ones (another instance, `tally sync`, an operator's psql).
   */
  isInUse(tenantId: TenantId): Promise<boolean>;
  /**
   * Replaces the tenant's database with a new one that `load` fills: an empty scratch database is
   * created on the tenant's server (placing a tenant never placed), `load` writes into it, then the
   * two are swapped by renames in ONE transaction and the replaced one is dropped. If `load` fails
   * or the swap is refused, the scratch database is dropped and the tenant's database is untouched.
   * `in_use`: another connection had the database open (nothing changed). Closes the provider's
   * own store and pool of the tenant first.
   */
  replace(tenantId: TenantId, load: (scratch: PostgresDatabaseLocation) => Promise<void>): Promise<'replaced' | 'in_use'>;
}

/** Opens tenant stores: the one entry point to a tenant's database (threat catalogue C6). */
export interface StoreProvider {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * PostgreSQL providers only: whole-database operations (backups with pg_dump). A decorator of a
   * provider passes it through: backups of a `postgres` provider refuse to work without it.
   */
  readonly postgresDatabases?: PostgresWholeDatabases;
  /** Opens (creating and migrating on first use) the tenant's database. Cached; never shared across tenants. */
  open(tenantId: TenantId): Promise<TenantStore>;
  /** Deletes the tenant's database entirely (uninstall purge); idempotent. */
  destroy(tenantId: TenantId): Promise<void>;
  /**
   * Closes the tenant's cached store, if any, without touching its data (a restore replaces the
   * data next); idempotent. The next `open` opens the database again.
   */
  release(tenantId: TenantId): Promise<void>;
  close(): Promise<void>;
}
