import { reportCoverage, type ReportCoverage, type SyncCoverageSource } from './report-coverage.js';
import { AppError } from '../platform/app-error.js';
import type { TenantStore } from '../store/tenant-store.js';
import type { TenantId } from '../tenants/tenant.js';
import { commentText } from './adf-text.js';
import { dateKeyLabel } from './group-labels.js';
import { labelsOrCached, noticesField, type ReportNotice, type ReportNotices } from './labels-or-cached.js';
import type { DetailRef, DetailsCursor, GroupDimension, GroupNode, IssueInfo, ResolvedReportQuery, Totals } from './report-model.js';
import type { ReportQuestion } from './report-question.js';
import { groupTree, type GroupColumns, type SummaryWire } from './summary-wire.js';
import type { LiveIssue, LiveUser, ViewerJiraAccess, ViewerScope } from './live/live-jira-data.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';

export type { LiveIssue, LiveUser, ReportNotice, ViewerScope };

/*
 * Answers report questions: resolves filters live (keys, projects, JQL → issue ids), narrows them
 * to what the viewer may browse, asks the in-memory columns, and labels the answer with names and
 * keys fetched live. Nothing fetched from Jira is stored (the data statement).
 */

/** The engine's view of one tenant's worklogs (src/reporting/engine). */
export interface ReportColumnsPort {
  /** The grouped summary with its groups as the API's columns, depth first (no group objects). */
  summarizeAsColumns(query: ResolvedReportQuery, issueInfo: (issueId: number) => IssueInfo | undefined): { total: Totals; columns: GroupColumns };
  distinctIssueIds(query: ResolvedReportQuery): number[];
  details(query: ResolvedReportQuery, page: { after?: DetailsCursor; limit: number }): { refs: DetailRef[]; next?: DetailsCursor | undefined };
}

/** Live Jira reads the reports need (src/reporting/live), cached in memory there. */
export interface LiveJiraPort {
  issues(tenantId: TenantId, ids: number[]): Promise<Map<number, LiveIssue>>;
  users(tenantId: TenantId, accountIds: string[]): Promise<Map<string, LiveUser>>;
  /** What `issues` would answer from memory alone, asking Jira nothing (absent: nothing is cached). */
  cachedIssues?(tenantId: TenantId, ids: number[]): Map<number, LiveIssue>;
  /** What `users` would answer from memory alone, asking Jira nothing (absent: nothing is cached). */
  cachedUsers?(tenantId: TenantId, accountIds: string[]): Map<string, LiveUser>;
  issueIdsForJql(tenantId: TenantId, jql: string, asViewer?: ViewerJiraAccess): Promise<number[]>;
  issueIdsForKeys(tenantId: TenantId, keysOrIds: string[]): Promise<number[]>;
  issueIdsForProjects(tenantId: TenantId, keysOrIds: string[]): Promise<number[]>;
  viewerScope(tenantId: TenantId, accountId: string): Promise<ViewerScope>;
}

/** What the report service needs. */
export interface ReportServiceDeps {
  columnsFor(tenantId: TenantId): Promise<ReportColumnsPort>;
  openStore(tenantId: TenantId): Promise<TenantStore>;
  live: LiveJiraPort;
  /** Which worklogs the sync holds exactly (absent: all, as in tests of reports alone). */
  coverage?(tenantId: TenantId): Promise<SyncCoverageSource>;
}

/** The caller, as the authentication proved it. */
export interface Viewer {
  tenantId: TenantId;
  accountId: string | undefined;
  /** The viewer's own access to Jira, when the platform handed one over with the request. */
  jiraAccess?: TenantJiraAccess | undefined;
}

/** How one group key is shown: its label, and an avatar (users) or issue key (issues, parents). */
export interface GroupLabel {
  label: string;
  avatarUrl?: string | null;
  issueKey?: string;
}

/**
 * Labels of every key in a summary, once per key: `labels[dimension][key]`. Sent beside the groups
 * rather than inside them, so an answer of 70,000 user × month groups carries 150 names and 600
 * month labels instead of 70,000 of each. Dictionaries without a prototype: keys come from Jira.
 */
export type GroupLabels = Partial<Record<GroupDimension, Record<string, GroupLabel>>>;

/** `POST /api/reports/summary`. */
export interface SummaryAnswer {
  from: string;
  to: string;
  timeZone: string;
  groupBy: GroupDimension[];
  total: Totals;
  /** The engine's groups as they are: key and totals; a group's dimension is `groupBy[depth]`. */
  groups: GroupNode[];
  labels: GroupLabels;
  /** Present only when the answer lacks something, e.g. labels shown as ids while Jira may not be asked. */
  notices?: ReportNotice[];
  /** Whether the range's worklogs are all held yet (a first sync loads the history after the recent window). */
  coverage: ReportCoverage;
}

/** One row of `POST /api/reports/details`. */
export interface DetailRow {
  worklogId: number;
  issueId: number;
  issueKey: string | null;
  issueSummary: string | null;
  projectKey: string | null;
  accountId: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  started: string;
  workDate: string;
  timeSpentSeconds: number;
  comment: string;
}

/** `POST /api/reports/details`. */
export interface DetailsAnswer {
  rows: DetailRow[];
  nextCursor: string | null;
  total: Totals;
  /** Present only when the answer lacks something, e.g. keys and names Jira may not be asked for now. */
  notices?: ReportNotice[];
  coverage: ReportCoverage;
}

const UNKNOWN_USER = 'Unknown user';
const NO_PARENT = 'No parent';
/** The label of a parent the viewer may not browse: neither its key nor its summary is shown. */
export const RESTRICTED_PARENT = 'Restricted parent';
/** The zone when neither the question nor Jira names one. */
const FALLBACK_ZONE = 'UTC';

/** Opaque keyset cursor of the details list. */
export function encodeCursor(cursor: DetailsCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedMs, cursor.clientWorklogId])).toString('base64url');
}

/** Reads a cursor from a client; `REQUEST_INVALID` when it is not one Tally wrote. */
export function decodeCursor(text: string): DetailsCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n))) {
      return { startedMs: value[0] as number, clientWorklogId: value[1] as number };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('REQUEST_INVALID', 'The cursor is not valid; start again without one', { details: ['cursor: not a cursor Tally issued'] });
}

function intersect(sets: number[][]): number[] | undefined {
  if (sets.length === 0) return undefined;
  let result = new Set(sets[0]);
  for (const next of sets.slice(1)) {
    const other = new Set(next);
    result = new Set([...result].filter((id) => other.has(id)));
  }
  return [...result].sort((a, b) => a - b);
}


/** Builds the report service over the engine, the stores and live Jira data. */
export function createReportService(deps: ReportServiceDeps) {
  const { live } = deps;
  const whole: SyncCoverageSource = { completeFromMs: 0, etaSeconds: 0 };
  const coverageOf = async (tenantId: TenantId, from: string, timeZone: string) => reportCoverage(deps.coverage ? await deps.coverage(tenantId) : whole, from, timeZone);

  function requireUser(viewer: Viewer): string {
    // Permissions are the viewer's: without a user there is nobody to ask Jira about.
    if (!viewer.accountId) throw new AppError('AUTH_FORBIDDEN', 'Reports need a signed-in Jira user');
    return viewer.accountId;
  }

  /** Live users; with `notices`, the cached ones and a notice once the Jira look-up budget is spent. */
  const usersOf = (tenantId: TenantId, accountIds: string[], notices: ReportNotices | undefined) =>
    notices ? labelsOrCached(() => live.users(tenantId, accountIds), () => live.cachedUsers?.(tenantId, accountIds) ?? new Map<string, LiveUser>(), notices) : live.users(tenantId, accountIds);
  /** Live issues; with `notices`, the cached ones and a notice once the Jira look-up budget is spent. */
  const issuesOf = (tenantId: TenantId, ids: number[], notices: ReportNotices | undefined) =>
    notices ? labelsOrCached(() => live.issues(tenantId, ids), () => live.cachedIssues?.(tenantId, ids) ?? new Map<number, LiveIssue>(), notices) : live.issues(tenantId, ids);

  /** The viewer's own zone from Jira, else UTC (DESIGN.md: a viewer may ask for another); answers name the zone they used. */
  async function defaultZone(viewer: Viewer, notices: ReportNotices | undefined): Promise<string> {
    if (!viewer.accountId) return FALLBACK_ZONE;
    const user = (await usersOf(viewer.tenantId, [viewer.accountId], notices)).get(viewer.accountId);
    return user?.timeZone ?? FALLBACK_ZONE;
  }

  /** Turns a question into the engine's query: live filters resolved, the viewer's scope applied. */
  async function resolve(viewer: Viewer, question: ReportQuestion, columns: ReportColumnsPort, notices: ReportNotices | undefined): Promise<ResolvedReportQuery> {
    return (await resolveScoped(viewer, question, columns, notices)).query;
  }

  /** {@link resolve}, and the viewer's scope it applied (labels check parents against it). */
  async function resolveScoped(viewer: Viewer, question: ReportQuestion, columns: ReportColumnsPort, notices: ReportNotices | undefined): Promise<{ query: ResolvedReportQuery; scope: ViewerScope }> {
    const accountId = requireUser(viewer);
    const issueSets: number[][] = [];
    if (question.issues) issueSets.push(await live.issueIdsForKeys(viewer.tenantId, question.issues));
    if (question.projects) issueSets.push(await live.issueIdsForProjects(viewer.tenantId, question.projects));
    // The JQL runs only as the viewer (their own access came with the request, so `currentUser()`
    // means them). Run as the app, narrowing the result to browsable issues would not be enough:
    // the query itself can probe what the viewer may not see, e.g. `comment ~ "salary"` matching
    // a browsable issue through a comment restricted to a role the viewer lacks.
    if (question.jql) {
      if (!viewer.jiraAccess) {
        throw new AppError(
          'REPORT_JQL_NEEDS_VIEWER',
          "A JQL filter needs the viewer's own Jira access, which Jira does not give Tally on this page (it would run as the app); project, issue and user filters still work",
        );
      }
      issueSets.push(await live.issueIdsForJql(viewer.tenantId, question.jql, { accountId, access: viewer.jiraAccess }));
    }
    const query: ResolvedReportQuery = {
      fromDate: question.from,
      toDate: question.to,
      timeZone: question.timeZone ?? (await defaultZone(viewer, notices)),
      groupBy: question.groupBy,
      sort: question.sort,
      ...(question.accountIds ? { accountIds: question.accountIds } : {}),
      ...(issueSets.length > 0 ? { issueIds: intersect(issueSets) } : {}),
    };
    const scope = await live.viewerScope(viewer.tenantId, accountId);
    if (scope.kind === 'all') return { query, scope };
    // Only the issues that actually hold matching worklogs are asked about.
    const allowed = await scope.browsable(columns.distinctIssueIds(query));
    return { query: { ...query, issueIds: [...allowed].sort((a, b) => a - b) }, scope };
  }

  async function issueInfoFor(viewer: Viewer, query: ResolvedReportQuery, columns: ReportColumnsPort): Promise<Map<number, LiveIssue>> {
    if (!query.groupBy.some((dimension) => dimension === 'project' || dimension === 'parent')) return new Map();
    return live.issues(viewer.tenantId, columns.distinctIssueIds(query));
  }

  /**
   * The labels of a summary's keys. `known` holds only issues the viewer may browse (the query was
   * narrowed to them); any other issue named by a key — a parent — is fetched as the app, so for a
   * restricted viewer it is labelled only when they may browse it too, and otherwise shows as
   * {@link RESTRICTED_PARENT}, without key or summary.
   */
  async function label(viewer: Viewer, scope: ViewerScope, keys: Map<GroupDimension, Set<string>>, known: Map<number, LiveIssue>, notices: ReportNotices): Promise<GroupLabels> {
    const users = await usersOf(viewer.tenantId, [...(keys.get('user') ?? [])].filter((id) => id !== ''), notices);
    const wantedIssues = [...(keys.get('issue') ?? []), ...(keys.get('parent') ?? [])].filter((id) => id !== '').map(Number);
    let missing = wantedIssues.filter((id) => !known.has(id));
    const hidden = new Set<number>();
    if (missing.length > 0 && scope.kind === 'restricted') {
      // Unchecked, an issue is not shown: its label stays its id, which the answer's key already is.
      const browsable = await labelsOrCached(() => scope.browsable(missing), () => new Set<number>(), notices);
      for (const id of missing) if (!browsable.has(id)) hidden.add(id);
      missing = missing.filter((id) => browsable.has(id));
    }
    const issues = missing.length > 0 ? new Map([...known, ...(await issuesOf(viewer.tenantId, missing, notices))]) : known;
    const projects = new Map<string, string>();
    for (const issue of issues.values()) projects.set(issue.projectId, `${issue.projectKey} ${issue.projectName}`);

    const labelOf = (dimension: GroupDimension, key: string): GroupLabel => {
      switch (dimension) {
        case 'user': {
          const user = users.get(key);
          return { label: user?.displayName ?? UNKNOWN_USER, avatarUrl: user?.avatarUrl ?? null };
        }
        case 'issue':
        case 'parent': {
          const issue = key === '' ? undefined : issues.get(Number(key));
          if (issue) return { label: `${issue.key} ${issue.summary}`, issueKey: issue.key };
          if (key !== '' && hidden.has(Number(key))) return { label: RESTRICTED_PARENT };
          return { label: key === '' ? NO_PARENT : `Issue ${key}` };
        }
        case 'project':
          return { label: projects.get(key) ?? (key === '' ? 'Unknown project' : `Project ${key}`) };
        default:
          return { label: dateKeyLabel(dimension, key) };
      }
    };
    const labels: GroupLabels = {};
    for (const [dimension, dimensionKeys] of keys) {
      const byKey: Record<string, GroupLabel> = Object.create(null);
      for (const key of dimensionKeys) byKey[key] = labelOf(dimension, key);
      labels[dimension] = byKey;
    }
    return labels;
  }

  /** Rows with live keys and names; `notices` undefined (exports: a file someone keeps) fails rather than leave them out. */
  async function detailRows(viewer: Viewer, store: TenantStore, refs: DetailRef[], notices: ReportNotices | undefined): Promise<DetailRow[]> {
    if (refs.length === 0) return [];
    const stored = new Map((await store.getWorklogsByIds(refs.map((ref) => ref.clientWorklogId))).map((row) => [row.clientWorklogId, row]));
    const issues = await issuesOf(viewer.tenantId, [...new Set(refs.map((ref) => ref.clientIssueId))], notices);
    const users = await usersOf(viewer.tenantId, [...new Set(refs.map((ref) => ref.accountId).filter((id): id is string => id !== null))], notices);
    const rows: DetailRow[] = [];
    for (const ref of refs) {
      const row = stored.get(ref.clientWorklogId);
      // Deleted between the engine's answer and this read: left out, as the next page would.
      if (!row) continue;
      const issue = issues.get(ref.clientIssueId);
      const user = ref.accountId === null ? undefined : users.get(ref.accountId);
      rows.push({
        worklogId: ref.clientWorklogId,
        issueId: ref.clientIssueId,
        issueKey: issue?.key ?? null,
        issueSummary: issue?.summary ?? null,
        projectKey: issue?.projectKey ?? null,
        accountId: ref.accountId,
        displayName: user?.displayName ?? (ref.accountId === null ? null : UNKNOWN_USER),
        avatarUrl: user?.avatarUrl ?? null,
        started: row.started,
        workDate: ref.workDate,
        timeSpentSeconds: row.timeSpentSeconds,
        comment: commentText(row.comment),
      });
    }
    return rows;
  }

  /** `POST /api/reports/summary` as sent: the groups as columns, labels once per key. */
  async function summaryWire(viewer: Viewer, question: ReportQuestion): Promise<SummaryWire> {
    const columns = await deps.columnsFor(viewer.tenantId);
    const notices: ReportNotices = new Map();
    const { query, scope } = await resolveScoped(viewer, question, columns, notices);
    const info = await issueInfoFor(viewer, query, columns);
    const summary = columns.summarizeAsColumns(query, (id) => {
      const issue = info.get(id);
      return issue ? { projectId: issue.projectId, parentId: issue.parentId } : undefined;
    });
    const keys = new Map<GroupDimension, Set<string>>(query.groupBy.map((dimension) => [dimension, new Set<string>()]));
    const { depth, key } = summary.columns;
    for (let i = 0; i < key.length; i++) (keys.get(query.groupBy[depth[i] as number] as GroupDimension) as Set<string>).add(key[i] as string);
    const labels = await label(viewer, scope, keys, info, notices);
    return { from: query.fromDate, to: query.toDate, timeZone: query.timeZone, groupBy: [...query.groupBy], total: summary.total, groups: summary.columns, labels, ...noticesField(notices), coverage: await coverageOf(viewer.tenantId, query.fromDate, query.timeZone) };
  }

  return {
    summaryWire,

    /** Whether the question's range is complete, in the zone it is asked in (the details export's file says so). */
    async coverage(viewer: Viewer, question: { from: string; timeZone: string }): Promise<ReportCoverage> {
      return coverageOf(viewer.tenantId, question.from, question.timeZone);
    },

    async session(viewer: Viewer): Promise<{ timeZone: string }> {
      // The page's starting zone: with the look-up budget spent, the cached one or UTC (the page may pick another).
      return { timeZone: await defaultZone(viewer, new Map()) };
    },

    /** The same answer with the groups as a tree (the summary export walks it). */
    async summary(viewer: Viewer, question: ReportQuestion): Promise<SummaryAnswer> {
      const wire = await summaryWire(viewer, question);
      return { ...wire, groups: groupTree(wire.groups) };
    },

    async details(viewer: Viewer, question: ReportQuestion, page: { cursor?: string | undefined; limit: number }): Promise<DetailsAnswer> {
      const columns = await deps.columnsFor(viewer.tenantId);
      const notices: ReportNotices = new Map();
      const query = { ...(await resolve(viewer, question, columns, notices)), groupBy: [] };
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const { refs, next } = columns.details(query, { ...(after ? { after } : {}), limit: page.limit });
      const store = await deps.openStore(viewer.tenantId);
      return {
        rows: await detailRows(viewer, store, refs, notices),
        nextCursor: next ? encodeCursor(next) : null,
        total: columns.summarizeAsColumns(query, () => undefined).total,
        ...noticesField(notices),
        coverage: await coverageOf(viewer.tenantId, query.fromDate, query.timeZone),
      };
    },

    /** Every detail row of the question, a page at a time, for streamed exports. */
    async *allDetails(viewer: Viewer, question: ReportQuestion, pageSize = 1000): AsyncIterable<DetailRow[]> {
      const columns = await deps.columnsFor(viewer.tenantId);
      const query = { ...(await resolve(viewer, question, columns, undefined)), groupBy: [] };
      const store = await deps.openStore(viewer.tenantId);
      let after: DetailsCursor | undefined;
      for (;;) {
        const { refs, next } = columns.details(query, { ...(after ? { after } : {}), limit: pageSize });
        const rows = await detailRows(viewer, store, refs, undefined);
        if (rows.length > 0) yield rows;
        if (!next) return;
        after = next;
      }
    },
  };
}

/** The report service. */
export type ReportService = ReturnType<typeof createReportService>;
