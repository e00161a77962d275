import { ApiError, apiErrorFrom } from './api-error.js';
import type { DetailsPage, ExportedFile, ExportFormat, ExportKind, LinkedWorkspace, PairingCode, ReportQuestion, Session, SummaryReport, SyncStatus } from './api-types.js';
import { DEFAULT_AUTH_SCHEME, type TokenSource } from './token-source.js';
import { hydrateSummary, type WireSummary } from './summary-wire.js';

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

  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
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
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  async function json<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const response = await call(method, path, body, signal);
    return (await response.json()) as T;
  }

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
  };
}
