import { ApiError, apiErrorFrom } from './api-error.js';
import type {
  AdminOverview,
  BackupInfo,
  DetailsPage,
  ExportedFile,
  ExportFormat,
  ExportKind,
  LinkedWorkspace,
  OwnWorklog,
  PairingCode,
  ReportQuestion,
  ResyncRange,
  RunningTimer,
  Session,
  StoppedTimer,
  SummaryReport,
  SyncStatus,
  WorklogChange,
  WorklogInput,
} from './api-types.js';
import { DEFAULT_AUTH_SCHEME, type TokenSource } from './token-source.js';
import { hydrateSummary, type WireSummary } from './summary-wire.js';
import { worklogErrorFrom } from './worklog-error.js';

/** The calls the page makes; every one is cancellable. */
export interface TallyApi {
  session(signal?: AbortSignal): Promise<Session>;
  syncStatus(signal?: AbortSignal): Promise<SyncStatus>;
  summary(question: ReportQuestion, signal?: AbortSignal): Promise<SummaryReport>;
  details(question: ReportQuestion, page: { limit: number; cursor: string | null }, signal?: AbortSignal): Promise<DetailsPage>;
  exportFile(question: ReportQuestion, kind: ExportKind, format: ExportFormat, signal?: AbortSignal): Promise<ExportedFile>;
  /** A new one-time pairing code for a Bitbucket workspace (Jira site admins only: 403 otherwise). */
  createPairingCode(signal?: AbortSignal): Promise<PairingCode>;
  /** The Bitbucket workspaces linked to this Jira site (Jira site admins only). */
  listLinkedWorkspaces(signal?: AbortSignal): Promise<LinkedWorkspace[]>;
  /** Unlinks a workspace from this Jira site; `NOT_FOUND` when it is not linked to it. */
  unlinkWorkspace(id: string, signal?: AbortSignal): Promise<void>;
  /**
   * Writes a worklog to Jira as the viewer. Fails with `WorklogInputError` (Tally's validation,
   * per field), `WorklogRefusedError` (Jira's words) or `LOG_WORK_UNAVAILABLE` (worklog-error.ts).
   */
  createWorklog(input: WorklogInput, signal?: AbortSignal): Promise<OwnWorklog>;
  /** One of the viewer's worklogs, read from Jira as the viewer (the edit form's values). */
  getWorklog(issueId: number, worklogId: number, signal?: AbortSignal): Promise<OwnWorklog>;
  /** Changes one of the viewer's worklogs in Jira; fails like {@link TallyApi.createWorklog}. */
  updateWorklog(issueId: number, worklogId: number, change: WorklogChange, signal?: AbortSignal): Promise<OwnWorklog>;
  /** Deletes one of the viewer's worklogs in Jira. */
  deleteWorklog(issueId: number, worklogId: number, signal?: AbortSignal): Promise<void>;
  /** The viewer's running timer, or null (the state lives in Jira, so it is the same on every device). */
  timer(signal?: AbortSignal): Promise<RunningTimer | null>;
  /** Starts a timer on an issue; `TIMER_RUNNING` when one runs already. */
  startTimer(start: { issue: string; comment?: string }, signal?: AbortSignal): Promise<RunningTimer>;
  /**
   * Stops the timer and writes its worklog (whole minutes, at least one); `TIMER_NOT_RUNNING` when
   * none runs. A `notice` says the worklog was written but the timer could not be cleared.
   */
  stopTimer(stop?: { comment?: string }, signal?: AbortSignal): Promise<StoppedTimer>;
  /** Drops the running timer without writing anything; `TIMER_NOT_RUNNING` when none runs. */
  discardTimer(signal?: AbortSignal): Promise<void>;
  /** The sync, webhook, reconciliation and backup facts of this site (Jira site admins only: 403 otherwise). */
  adminOverview(signal?: AbortSignal): Promise<AdminOverview>;
  /** Queues a re-sync of a date range, or of everything when `range` is undefined. */
  resync(range: ResyncRange, signal?: AbortSignal): Promise<void>;
  /** Queues a reconciliation against Jira. */
  reconcile(signal?: AbortSignal): Promise<void>;
  /** Backs up the site's store now. */
  createBackup(signal?: AbortSignal): Promise<BackupInfo>;
  /** The data statement as Markdown (the public `/data-statement` route), ready to save. */
  dataStatement(signal?: AbortSignal): Promise<ExportedFile>;
}

/** The file name from `Content-Disposition` (RFC 6266 `filename*` first), or undefined. */
export function filenameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Malformed percent-encoding: use the plain parameter instead.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(header);
  const name = (plain?.[1] ?? plain?.[2])?.trim();
  return name ? name : undefined;
}

/**
 * Tally's API over `fetch`, authenticated by the token source. Paths are absolute from the root:
 * Tally always serves at the root of its base URL. Without a token source the transport
 * authenticates every call itself: inside Forge, `fetch` is `invokeRemote`
 * (host/invoke-remote-fetch.ts) and Forge adds a Forge Invocation Token, so the page sends no
 * `Authorization` of its own. `authScheme` is how the token is sent (`JWT` unless the page says
 * otherwise: token-source.ts `readMetaAuthScheme`).
 */
export function createTallyApi(deps: { fetch: typeof fetch; tokens?: TokenSource; baseUrl?: string; authScheme?: string }): TallyApi {
  const base = deps.baseUrl ?? '';
  const scheme = deps.authScheme ?? DEFAULT_AUTH_SCHEME;

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    errorFrom: (response: Response) => Promise<ApiError> = apiErrorFrom,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (deps.tokens) headers.authorization = `${scheme} ${await deps.tokens.current()}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await deps.fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError('Tally could not be reached. Check the connection and try again.', 'NETWORK_ERROR', 0, [], { cause: error });
    }
    deps.tokens?.remember(response.headers.get('x-tally-token'));
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function json<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const response = await call(method, path, body, signal);
    return (await response.json()) as T;
  }

  // Worklog and timer calls: their failures carry per-field problems or Jira's refusal (worklog-error.ts).
  async function worklogCall<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, signal: AbortSignal | undefined): Promise<T | undefined> {
    const response = await call(method, path, body, signal, worklogErrorFrom);
    return response.status === 204 ? undefined : ((await response.json()) as T);
  }
  // Ids go into the path as numbers only: anything else would address another resource.
  const worklogPath = (issueId: number, worklogId: number) => `/api/worklogs/${Math.trunc(issueId)}/${Math.trunc(worklogId)}`;

  return {
    session: (signal) => json<Session>('GET', '/api/session', undefined, signal),
    syncStatus: (signal) => json<SyncStatus>('GET', '/api/sync/status', undefined, signal),
    summary: async (question, signal) => hydrateSummary(await json<WireSummary>('POST', '/api/reports/summary', question, signal)),
    details: (question, page, signal) =>
      json<DetailsPage>('POST', '/api/reports/details', { ...question, limit: page.limit, ...(page.cursor ? { cursor: page.cursor } : {}) }, signal),
    async exportFile(question, kind, format, signal) {
      const response = await call('POST', '/api/reports/export', { ...question, kind, format }, signal);
      const blob = await response.blob();
      return { blob, filename: filenameFromDisposition(response.headers.get('content-disposition')) ?? `tally-${kind}.${format}` };
    },
    createPairingCode: (signal) => json<PairingCode>('POST', '/api/bitbucket/pairing-codes', undefined, signal),
    listLinkedWorkspaces: async (signal) => (await json<{ workspaces: LinkedWorkspace[] }>('GET', '/api/bitbucket/workspaces', undefined, signal)).workspaces,
    async unlinkWorkspace(id, signal) {
      // The id goes into the path as one segment, whatever it holds.
      await call('DELETE', `/api/bitbucket/workspaces/${encodeURIComponent(id)}`, undefined, signal);
    },
    createWorklog: async (input, signal) => (await worklogCall<{ worklog: OwnWorklog }>('POST', '/api/worklogs', input, signal))!.worklog,
    getWorklog: async (issueId, worklogId, signal) => (await worklogCall<{ worklog: OwnWorklog }>('GET', worklogPath(issueId, worklogId), undefined, signal))!.worklog,
    updateWorklog: async (issueId, worklogId, change, signal) => (await worklogCall<{ worklog: OwnWorklog }>('PUT', worklogPath(issueId, worklogId), change, signal))!.worklog,
    async deleteWorklog(issueId, worklogId, signal) {
      await worklogCall('DELETE', worklogPath(issueId, worklogId), undefined, signal);
    },
    timer: async (signal) => (await worklogCall<{ timer: RunningTimer | null }>('GET', '/api/timer', undefined, signal))!.timer,
    startTimer: async (start, signal) => (await worklogCall<{ timer: RunningTimer }>('POST', '/api/timer', start, signal))!.timer,
    async stopTimer(stop, signal) {
      const stopped = (await worklogCall<StoppedTimer>('POST', '/api/timer/stop', stop ?? {}, signal))!;
      return typeof stopped.notice === 'string' ? { worklog: stopped.worklog, notice: stopped.notice } : { worklog: stopped.worklog };
    },
    async discardTimer(signal) {
      await worklogCall('DELETE', '/api/timer', undefined, signal);
    },
    adminOverview: (signal) => json<AdminOverview>('GET', '/api/admin/overview', undefined, signal),
    async resync(range, signal) {
      await call('POST', '/api/admin/resync', range ? { from: range.from, to: range.to } : {}, signal);
    },
    async reconcile(signal) {
      await call('POST', '/api/admin/reconcile', {}, signal);
    },
    createBackup: async (signal) => (await json<{ backup: BackupInfo }>('POST', '/api/admin/backups', {}, signal)).backup,
    async dataStatement(signal) {
      const response = await call('GET', '/data-statement?format=markdown', undefined, signal);
      return { blob: await response.blob(), filename: filenameFromDisposition(response.headers.get('content-disposition')) ?? 'tally-data-statement.md' };
    },
  };
}
