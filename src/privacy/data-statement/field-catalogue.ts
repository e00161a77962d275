import type { SyncState } from '../../store/tenant-store.js';
import type { syncStateKeys } from '../../store/sync-state-json.js';
import type { AuditDetail, AuditEvent } from '../../tenants/audit-log.js';
import type { Product } from '../../tenants/tenant.js';
import { BITBUCKET_CATALOGUE } from '../../bitbucket/bitbucket-catalogue.js';

/**
 * Where a stored value comes from: `jira` as Jira's REST API sent it, `derived` computed only from
 * stored Jira fields, `install` from Atlassian's signed install payload, `tally` made by Tally.
 */
export type FieldSource = 'jira' | 'derived' | 'install' | 'tally';

/**
 * Whether a value is personal data: `yes` identifies a person (an Atlassian account id),
 * `may contain` is free text a person wrote, `no` is neither (it is about a person only through
 * a row's account id, which a GDPR erasure removes).
 */
export type PersonalData = 'yes' | 'may contain' | 'no';

/** The numbers the retention rules are made of, from the configuration in effect. */
export interface RetentionSettings {
  accountRetentionDays: number;
  backupRetentionDays: number;
  backupIntervalHours: number;
  gdprCycleDays: number;
}

/** What the statement says about one column. */
export interface ColumnEntry {
  description: string;
  personalData: PersonalData;
  source: FieldSource;
  /** The values a column may take, each described (a closed list). */
  values?: Readonly<Record<string, string>>;
  /** The parts of a JSON value, each described: a JSON column is as much a field as a column is. */
  jsonFields?: Readonly<Record<string, string>>;
}

/** What the statement says about one table. */
export interface TableEntry {
  /**
   * Which Atlassian product's app the table serves: `bitbucket` puts it in the statement's
   * Bitbucket Cloud app section; absent means Jira. A table whose foreign key references a
   * `bitbucket` table belongs to that section too (read from the schema), so a Bitbucket edge's
   * own table need not say so.
   */
  product?: Product;
  purpose: string;
  /** How long its rows live, in words, with the configured numbers filled in. */
  retention(settings: RetentionSettings): string;
  /** Every column, by name. data-statement.ts fails when this and the real table disagree. */
  columns: Readonly<Record<string, ColumnEntry>>;
  /** Every index a migration creates (`CREATE INDEX`), and why; indexes hold copies of described columns only. */
  indexes?: Readonly<Record<string, string>>;
}

/** Every table of one database, by name. */
export type DatabaseCatalogue = Readonly<Record<string, TableEntry>>;

/**
 * Kysely's migration bookkeeping, present in both databases. Described rather than skipped, so
 * the rule "every table is described" has no exception to hide behind.
 */
const migrationTables: DatabaseCatalogue = {
  kysely_migration: {
    purpose: 'Which schema migrations have run (Kysely bookkeeping).',
    retention: () => 'As long as the database exists.',
    columns: {
      name: { description: 'Name of a migration that has run, e.g. `001_worklogs`.', personalData: 'no', source: 'tally' },
      timestamp: { description: 'When it ran (ISO 8601).', personalData: 'no', source: 'tally' },
    },
  },
  kysely_migration_lock: {
    purpose: 'One row that serialises concurrent migrators (Kysely bookkeeping).',
    retention: () => 'As long as the database exists.',
    columns: {
      id: { description: 'The lock row\'s fixed id.', personalData: 'no', source: 'tally' },
      is_locked: { description: '1 while a migration runs, otherwise 0.', personalData: 'no', source: 'tally' },
    },
  },
};

/** The parts of `sync_state.value` under the `sync` key. Typed so that a new SyncState field fails to compile until it is described here. */
const syncStateFields: Readonly<Record<keyof SyncState, string>> = {
  phase: '`none`, `full` (first full sync running) or `incremental`.',
  updatedCursorMs: 'Jira time (epoch ms) from which the next request for updated worklogs starts.',
  deletedCursorMs: 'Jira time (epoch ms) from which the next request for deleted worklogs starts.',
  fullSyncStartedAtMs: 'Jira time the running or last full sync started.',
  fullSyncCompletedAtMs: 'Jira time the last full sync finished.',
  fullSyncWorklogs: 'How many worklogs the running full sync has written (progress).',
  fullSyncOriginMs: 'Where Jira\'s worklog history starts, to measure progress.',
  fullSyncPoints: 'Jira points the full sync\'s calls cost (Tally\'s estimate), for points per worklog.',
  failedWebhooksAfterMs: 'Time of the newest failed webhook delivery already replayed.',
  lastReconciledAtMs: 'Jira time the last comparison with Jira\'s full set finished.',
  lastReconcile: 'What that comparison found: four counts, no ids.',
  recentFromMs: 'Start (epoch ms) of the recent window a first sync reads before the history.',
  recentDoneThroughIssueId: 'Progress of that read: the id (a number, as in `client_issue_id`) of the last issue read; nothing else about it. Removed when the full sync finishes.',
  recentReadAtMs: 'Jira time that read finished.',
  recentUnreadIssues: 'How many issues Jira refused during that read: a count, no ids.',
  recentWindowWorklogs: 'How many worklogs that read wrote: a count.',
  recentWindowPoints: 'Jira points that read cost (Tally\'s estimate).',
  liveUpdatedCursorMs: 'Jira time (epoch ms) from which the incremental sync that runs during a first sync\'s history continues.',
  historyPath: 'How a first sync reads the history: `issues` (issue by issue) or `feed` (by worklog update time).',
  historyFirstIssueId: 'Progress of an issue-by-issue history: the id (a number, as in `client_issue_id`) of the first issue it reads; nothing else about it. Removed when the full sync finishes.',
  historyLastIssueId: 'The id of the last issue it will read, likewise. Removed when the full sync finishes.',
  historyDoneThroughIssueId: 'The id of the last issue it has read, likewise. Removed when the full sync finishes.',
  historyIssues: 'How many issues it has read: a count.',
  historyIssueWorklogs: 'How many worklogs Jira returned to it: a count.',
  historyIssuePoints: 'Jira points it cost (Tally\'s estimate).',
  lastIncrementalSyncAtMs: 'When an incremental sync last finished (Tally\'s clock, epoch ms), for the admin page.',
  lastWebhookReceivedAtMs: 'When the last worklog webhook reached Tally (Tally\'s clock, epoch ms); nothing about the worklog.',
  lastWebhookLagMs: 'How late it arrived: receipt time less the event\'s own timestamp, in ms.',
};

/** The `sync_state` keys, typed so a new key fails to compile until it is described here. */
const syncStateKeyDescriptions: Readonly<Record<(typeof syncStateKeys)[keyof typeof syncStateKeys], string>> = {
  sync: 'JSON of the sync progress fields listed below.',
  bulk_load: '`true` while a first load runs with the report indexes dropped; absent otherwise.',
};

/** The parts an audit entry's `detail` may hold; typed so a new AuditDetail field fails to compile until it is described here. */
const auditDetailFields: Readonly<Record<keyof AuditDetail, string>> = {
  product: '`jira` or `bitbucket`.',
  baseUrl: 'The site\'s URL (origin and path only) on install events; removed when the account record is deleted.',
  reason: 'A machine-readable reason code, e.g. `jwt_expired`.',
  rowCount: 'How many rows an operation touched.',
  step: 'A purge or job step name.',
  backupId: 'A backup\'s id.',
  accountCount: 'How many accounts a personal-data report concerned.',
  dateRange: 'The dates a site admin asked to re-sync (`YYYY-MM-DD..YYYY-MM-DD`).',
};

/** The audit events, typed so a new event fails to compile until it is described here. */
const auditEventDescriptions: Readonly<Record<AuditEvent, string>> = {
  'tenant.installed': 'The app was installed on a site.',
  'tenant.reinstalled': 'An installed site sent a new install (e.g. a new shared secret).',
  'tenant.uninstalled': 'The app was uninstalled.',
  'tenant.enabled': 'The app was enabled again.',
  'tenant.disabled': 'The app was disabled.',
  'tenant.install_rejected': 'An install was refused (reason code only).',
  'tenant.upgraded': 'A Forge site moved to a new major version of the app.',
  'tenant.rekeyed': 'A Forge site got a new installation id (reinstall, site recreation or import); its record was moved to the new id.',
  'tenant.uninstall_suspected': 'A Forge site stopped sending scheduled ticks and Jira refused Tally\'s token: a possible uninstall.',
  'tenant.uninstall_suspicion_cleared': 'A Forge site under suspicion sent a tick again.',
  'tenant.purge_started': 'The uninstall purge began.',
  'tenant.purge_step': 'A purge step finished (step name only).',
  'tenant.purged': 'The purge finished: the site\'s data and backups are gone.',
  'tenant.account_deleted': 'The account record was deleted after the retention period.',
  'backup.created': 'A backup was made.',
  'backup.verified': 'A backup was checked.',
  'backup.restored': 'A backup was restored into its own installation.',
  'backup.deleted': 'A backup was deleted (expired or purged).',
  'backup.failed': 'A backup could not be made (reason code only).',
  'gdpr.reported': 'Stored account ids were reported to Atlassian (a count only).',
  'gdpr.account_erased': 'A closed account\'s data was erased (a count only).',
  'admin.resync_requested': 'A site admin asked for a re-sync: of a date range (the dates) or of everything. Which admin is not recorded (an account id is personal data; this log is kept without time limit).',
  'admin.reconcile_requested': 'A site admin asked for a reconciliation now.',
  'admin.backup_requested': 'A site admin asked for a backup now (its outcome follows as `backup.created` or `backup.failed`).',
};

const untilUninstall = () => 'Until the app is uninstalled: the uninstall purge deletes the whole database.';

/**
 * The per-tenant database, one per Atlassian product instance (a SQLite file or a PostgreSQL
 * database): the tables both stores have. PostgreSQL's own are in postgres-tenant-catalogue.ts.
 */
export const tenantDatabaseCatalogue: DatabaseCatalogue = {
  worklogs: {
    purpose: 'The site\'s worklogs: exactly the fields of the data statement, plus two instants derived from them for fast reports.',
    retention: (s) =>
      `Until the worklog is deleted in Jira (removed at the next sync) or the app is uninstalled. A closed account's \`account_id\` and \`comment\` are erased within ${s.gdprCycleDays} days of Atlassian reporting it.`,
    columns: {
      client_worklog_id: { description: 'The ID of the worklog in the Atlassian product instance (primary key).', personalData: 'no', source: 'jira' },
      account_id: { description: 'The ID of the user account in the Atlassian product instance that logged the work. Null once erased for a closed account.', personalData: 'yes', source: 'jira' },
      client_issue_id: { description: 'The ID of the issue in the Atlassian product instance (the ID only: no key, summary or other issue data).', personalData: 'no', source: 'jira' },
      comment: { description: 'The comment of the worklog, as received (Atlassian Document Format JSON). Null once erased for a closed account.', personalData: 'may contain', source: 'jira' },
      created: { description: 'The creation date of the worklog, as received (`yyyy-MM-ddTHH:mm:ss.SSS±hhmm`).', personalData: 'no', source: 'jira' },
      updated: { description: 'The last updated date of the worklog, as received.', personalData: 'no', source: 'jira' },
      started: { description: 'The start date of the worklog, as received.', personalData: 'no', source: 'jira' },
      time_spent_seconds: { description: 'The duration of the worklog in seconds.', personalData: 'no', source: 'jira' },
      started_ms: { description: '`started` as epoch milliseconds: reports range over it.', personalData: 'no', source: 'derived' },
      updated_ms: { description: '`updated` as epoch milliseconds: the newer of two versions of a worklog wins.', personalData: 'no', source: 'derived' },
    },
    indexes: {
      worklogs_account_started_idx: 'Reports per person and period.',
      worklogs_issue_started_idx: 'Reports per issue and period.',
    },
  },
  worklog_tombstones: {
    purpose: 'Worklogs Jira reported deleted, so a late update cannot bring one back.',
    retention: untilUninstall,
    columns: {
      client_worklog_id: { description: 'The ID of the deleted worklog (primary key).', personalData: 'no', source: 'jira' },
      deleted_at_ms: { description: 'When Jira reported the deletion (epoch ms, Jira\'s time).', personalData: 'no', source: 'jira' },
    },
  },
  sync_state: {
    purpose: 'Where the synchronisation with Jira stands: cursors and progress counters, no worklog content.',
    retention: untilUninstall,
    columns: {
      key: { description: 'Which document the row holds.', personalData: 'no', source: 'tally', values: syncStateKeyDescriptions },
      value: { description: 'A small JSON document (fields below).', personalData: 'no', source: 'tally', jsonFields: syncStateFields },
    },
  },
  ...migrationTables,
};

/** The control database: the tenant registry, the schedule of periodic jobs and the audit log. */
export const controlDatabaseCatalogue: DatabaseCatalogue = {
  tenants: {
    purpose: 'The account record of each installation (one row per Atlassian product instance).',
    retention: (s) => `While installed, and for ${s.accountRetentionDays} days after uninstall (TALLY_ACCOUNT_RETENTION_DAYS); then a daily job deletes the row.`,
    columns: {
      id: { description: 'Tally\'s own random id of the installation (`t_` and 24 hex digits); names its database and backup folder.', personalData: 'no', source: 'tally' },
      product: { description: '`jira` or `bitbucket`.', personalData: 'no', source: 'install' },
      base_url: { description: 'The site\'s URL, e.g. `https://example.atlassian.net` (Forge: read from Jira\'s serverInfo; the API base URL until it answers).', personalData: 'no', source: 'install' },
      state: { description: '`installed` or `uninstalled`.', personalData: 'no', source: 'tally' },
      enabled: { description: 'False while the app is disabled on the site.', personalData: 'no', source: 'tally' },
      installed_at_ms: { description: 'When the app was (last) installed (epoch ms).', personalData: 'no', source: 'tally' },
      uninstalled_at_ms: { description: 'When the app was uninstalled (epoch ms); starts the retention period.', personalData: 'no', source: 'tally' },
      updated_at_ms: { description: 'When the row last changed (epoch ms).', personalData: 'no', source: 'tally' },
      purge_step: { description: 'The last finished step of a pending uninstall purge, so a restart finishes it; null otherwise.', personalData: 'no', source: 'tally' },
      purged_at_ms: { description: 'When the uninstall purge finished (epoch ms).', personalData: 'no', source: 'tally' },
      platform: { description: 'The platform edge the installation came through; what that edge keeps about the installation is in its own table below, deleted with this row.', personalData: 'no', source: 'tally', values: { connect: 'An Atlassian Connect installation (`jira_connect_installations`).', forge: 'A Forge app installation with Tally as its remote (`jira_forge_installations`).', site: 'A team\'s own site reached with an API token (`jira_site_installations`).' } },
    },
    indexes: {
      tenants_state_installed_idx: 'Lists installed tenants, oldest first.',
    },
  },
  scheduled_jobs: {
    purpose: 'When each scheduled task (incremental sync, reconciliation, account retention, backups, personal-data reporting, the Forge uninstall check) runs next, and where it stopped; one row per app-wide task and one per tenant for per-tenant tasks.',
    retention: () => 'A tenant\'s schedules are cancelled (rows deleted) by the uninstall purge; the others live as long as the task exists.',
    columns: {
      name: { description: 'The task, e.g. `account-retention` or `backup`.', personalData: 'no', source: 'tally' },
      tenant_id: { description: 'Tally\'s id of the installation a per-tenant schedule belongs to; empty for an app-wide one.', personalData: 'no', source: 'tally' },
      next_run_at_ms: { description: 'When it is due next (epoch ms).', personalData: 'no', source: 'tally' },
      progress: { description: 'JSON progress of a task that resumes; never personal data or secrets.', personalData: 'no', source: 'tally' },
    },
    indexes: { scheduled_jobs_tenant_idx: 'An installation\'s schedules, for the uninstall purge.' },
  },
  audit_log: {
    purpose: 'What happened to which installation: lifecycle, purge, backup, restore, personal-data and site-admin events. Never secrets, tokens or worklog content.',
    retention: (config) => `Without time limit, also after the account record is deleted (the proof that the deletion happened); the site URL is removed from a tenant's entries when its account record is deleted, ${config.accountRetentionDays} days after the uninstall.`,
    columns: {
      id: { description: 'Sequence number of the entry.', personalData: 'no', source: 'tally' },
      tenant_id: { description: 'Tally\'s id of the installation concerned (not the client key).', personalData: 'no', source: 'tally' },
      event: { description: 'What happened: one of a fixed list of event names (below).', personalData: 'no', source: 'tally', values: auditEventDescriptions },
      at_ms: { description: 'When (epoch ms).', personalData: 'no', source: 'tally' },
      detail: { description: 'JSON with only the checked fields below, or null.', personalData: 'no', source: 'tally', jsonFields: auditDetailFields },
    },
    indexes: { audit_log_tenant_idx: 'One installation\'s history without scanning the others.' },
  },
  // Core migration 007: the Bitbucket Cloud app's installations and pairing codes.
  ...BITBUCKET_CATALOGUE,
  ...migrationTables,
};
