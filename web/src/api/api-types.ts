/**
 * The wire shapes of Tally's JSON API as the page sees them (docs/api.md is the contract). The
 * grouping vocabulary comes from the shared report model, so the page and the engine cannot drift.
 */
import type { GroupDimension, ReportSort, Totals } from '../../../src/reporting/report-model.js';

export type { GroupDimension, ReportSort, Totals };

/** `GET /api/session`. */
export interface Session {
  tenantId: string;
  siteUrl: string;
  accountId: string | null;
  /** The tenant's reporting zone: the default of every report. */
  timeZone: string;
  /** Whether this page may filter by JQL (it runs as the viewer; not where Tally has no viewer access). */
  jqlFilter?: boolean;
  /** Whether this viewer may log work through Tally here, and why not (absent from older servers: not offered). */
  logWork?: LogWorkAvailability;
}

/** `Session.logWork`: the site edge has no user context, so it cannot write as the viewer. */
export interface LogWorkAvailability {
  available: boolean;
  /** Why not, in words the page shows as they are; null when available. */
  reason: string | null;
}

/** `GET /api/sync/status` (only the fields the page shows). */
export interface SyncStatus {
  phase: 'none' | 'full' | 'incremental';
  fraction: number;
  etaSeconds?: number;
  worklogsWritten: number;
  /**
   * Worklogs started at or after this instant (epoch ms) are complete: 0 when all are; while a first
   * sync loads the history after the recent window, the window's start; absent while none is yet.
   */
  completeFromMs?: number;
  /** Present while the site's edge cannot reach Jira (e.g. a revoked API token): why, and what to do. */
  paused?: { reason: string | null; message: string | null };
}

/** The report question shared by every report route. */
export interface ReportQuestion {
  from: string;
  to: string;
  timeZone?: string;
  accountIds?: string[];
  issues?: string[];
  projects?: string[];
  jql?: string;
  groupBy: GroupDimension[];
  sort?: ReportSort;
}

/** One group of a summary as the page uses it (labelled: see summary-wire.ts); `children` follow the next grouping level. */
export interface SummaryGroup extends Totals {
  dimension: GroupDimension;
  key: string;
  label: string;
  avatarUrl?: string | null;
  issueKey?: string;
  children?: SummaryGroup[];
}

/** `POST /api/reports/summary`. */
export interface SummaryReport {
  from: string;
  to: string;
  timeZone: string;
  groupBy: GroupDimension[];
  total: Totals;
  groups: SummaryGroup[];
  /** Whether the range's worklogs are all held yet (absent from older servers: assume they are). */
  coverage?: ReportCoverage;
  /** What the answer lacks, e.g. labels shown as ids while Jira may not be asked (absent when whole). */
  notices?: ReportNotice[];
}

/** Something a report answer lacks, and why. */
export interface ReportNotice {
  code: string;
  message: string;
  retryAfterSeconds?: number | null;
}

/** What a report answer says about its own completeness. */
export interface ReportCoverage {
  /** Every worklog of the range is held: the totals are totals. */
  complete: boolean;
  /** While the history loads: the instant (ISO 8601) from which worklogs are complete. */
  completeFrom: string | null;
  /** Its first whole day in the report's zone (yyyy-MM-dd). */
  completeFromDate: string | null;
  loading: boolean;
  etaSeconds: number | null;
}

/** One worklog of the details list. `comment` is plain text: always rendered as text. */
export interface DetailRow {
  worklogId: number;
  issueId: number;
  issueKey: string;
  issueSummary: string;
  projectKey: string;
  accountId: string | null;
  displayName: string;
  avatarUrl?: string | null;
  started: string;
  workDate: string;
  timeSpentSeconds: number;
  comment: string | null;
}

/** `POST /api/reports/details`. */
export interface DetailsPage {
  rows: DetailRow[];
  nextCursor: string | null;
  total: Totals;
  coverage?: ReportCoverage;
}

export type ExportKind = 'summary' | 'details';
export type ExportFormat = 'csv' | 'xlsx';

/** An exported file, ready to save. */
export interface ExportedFile {
  blob: Blob;
  filename: string;
}

/** `POST /api/bitbucket/pairing-codes`: a one-time code, shown once (only its hash is stored). */
export interface PairingCode {
  /** `XXXX-XXXX-XXXX-XXXX`. */
  code: string;
  /** ISO instant after which the code no longer links anything. */
  expiresAt: string;
}

/** The Bitbucket apps a workspace can have installed Tally as. */
export type BitbucketEdge = 'bitbucket-connect' | 'bitbucket-forge';

/** One Bitbucket workspace linked to this Jira site (`GET /api/bitbucket/workspaces`). */
export interface LinkedWorkspace {
  /** Tally's id of the installation (`bb_…`), never a platform key. */
  id: string;
  edge: BitbucketEdge;
  /** Who installed the app, as Bitbucket named them; both may be unknown. */
  installer: { username: string | null; avatarUrl: string | null };
  /** ISO instant of the link. */
  linkedAt: string;
}

/** A worklog the viewer wrote, as Jira answered it (`POST`/`GET`/`PUT /api/worklogs`). */
export interface OwnWorklog {
  id: number;
  issueId: number;
  issueKey: string;
  /** Jira's `started`, with the author's offset (`2026-03-05T09:00:00.000+0100`). */
  started: string;
  timeSpentSeconds: number;
  /** Jira's own rendering of the duration (`1h 30m`). */
  timeSpent: string;
  comment: string | null;
  authorAccountId: string;
}

/** `POST /api/worklogs`: a new worklog, in the words the form has (Tally and Jira validate). */
export interface WorklogInput {
  /** An issue key or id. */
  issue: string;
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:mm`. */
  startTime: string;
  /** As Jira writes it: `1h 30m`, `2h`, `45m`, `1d`, `1.5h`. */
  duration: string;
  comment?: string;
}

/** `PUT /api/worklogs/:issueId/:worklogId`: any of the fields; the issue cannot change. */
export type WorklogChange = Partial<Omit<WorklogInput, 'issue'>>;

/** The viewer's running timer (kept in Jira as the user property `tally.timer`). */
export interface RunningTimer {
  issueId: number;
  issueKey: string;
  /** ISO instant it started. */
  startedAt: string;
  comment: string | null;
}

/** `POST /api/timer/stop`: the worklog written, and a notice when Jira would not let Tally clear the timer after it. */
export interface StoppedTimer {
  worklog: OwnWorklog;
  notice?: string;
}

/** One backup of the tenant's store (`GET /api/admin/overview`, `POST /api/admin/backups`). */
export interface BackupInfo {
  id: string;
  createdAtMs: number;
  sizeBytes: number;
}

/** The sync status as the admin view shows it: `/api/sync/status` with the fields the report leaves out. */
export interface AdminSyncStatus extends SyncStatus {
  worklogsRemainingEstimate?: number;
  lastFullSyncAtMs?: number;
  lastReconciledAtMs?: number;
  /** What the first sync cost in Jira points (Tally's estimate). */
  points?: { spent: number; perWorklog?: number; recentWindowPerWorklog?: number };
}

/** The last reconciliation: Tally's store against Jira's set. */
export interface ReconciliationFindings {
  atMs: number;
  /** Worklogs Jira had and Tally lacked (repaired). */
  missing: number;
  /** Worklogs Tally held that Jira deleted (removed). */
  extra: number;
  /** Worklogs Jira holds that Tally may not see (their issue is hidden from the app). */
  invisible: number;
  jiraVisible: number;
}

/** `GET /api/admin/overview` (Jira site admins only). */
export interface AdminOverview {
  sync: AdminSyncStatus;
  lastIncrementalSyncAtMs: number | null;
  webhook: { lastReceivedAtMs: number | null; lastLagMs: number | null };
  reconciliation: ReconciliationFindings | null;
  backups: BackupInfo[];
}

/** `POST /api/admin/resync`: a date range, or nothing for everything. */
export type ResyncRange = { from: string; to: string } | undefined;
