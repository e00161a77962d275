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
