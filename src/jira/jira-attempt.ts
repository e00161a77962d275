import { AppError, isAppError } from '../platform/app-error.js';
import type { Fetch } from '../platform/fetch.js';
import type { TenantJiraAccess } from './jira-credentials.js';
import { decodeUtf8, isJsonContentType, parseJsonText, readCappedBytes } from './jira-response-body.js';

/** One Jira request, as the client describes it to the runner. */
export type JiraRequestSpec<T> = JiraRequestBase<T> &
  (
    | {
        /** Turns the parsed JSON into the port's type; throws `JIRA_RESPONSE_INVALID` when it cannot. */
        parse(json: unknown, headers: Headers): T;
        decodeBody?: never;
      }
    | {
        /** Turns the raw body into the port's type (UTF-8 and JSON included), e.g. on a worker thread. */
        decodeBody(bytes: Uint8Array): Promise<T>;
        parse?: never;
      }
  );

/** What every request spec has. */
export interface JiraRequestBase<T> {
  method: 'GET' | 'POST';
  url: string;
  /** `METHOD template` for rate limits and logs; never carries ids, tokens or query values. */
  endpoint: string;
  /** A JSON body (POST). */
  body?: unknown;
  /** Objects the answer returned, for the points estimate (1 + objects, §3). */
  countObjects(value: T): number;
  /**
   * The most objects the answer can hold (the page size asked for), when the request bounds it: the
   * points the call holds in the shared ledger before it goes are then 1 + this, not the largest
   * cost the endpoint was seen at (or, never seen, 1 + the largest page Tally asks for).
   */
  maxObjects?: number;
}

/** What one attempt came to. `response` is set whenever Jira answered (for the rate-limit record). */
export type AttemptOutcome<T> =
  | { ok: true; value: T; response: Response }
  | { ok: false; error: AppError; retry: 'backoff' | 'rate-limited' | 'never'; retryAfterMs?: number; response?: Response };

/** What an attempt needs besides the request. */
export interface AttemptDeps {
  access: TenantJiraAccess;
  fetch: Fetch;
  requestTimeoutMs: number;
  maxResponseBytes: number;
}

function failure(error: AppError, retry: 'backoff' | 'rate-limited' | 'never', response?: Response): AttemptOutcome<never> {
  return response ? { ok: false, error, retry, response } : { ok: false, error, retry };
}

/** Maps a non-2xx status to the outcome Tally's retry policy gives it (security-and-reliability.md §5.2 E1–E15). */
function statusFailure(response: Response, endpoint: string): AttemptOutcome<never> {
  const { status } = response;
  const where = `${endpoint} answered ${status}`;
  if (status === 429) return failure(new AppError('JIRA_RATE_LIMITED', `Jira rate-limited ${endpoint}`), 'rate-limited', response);
  if (status === 401 || status === 403) return failure(new AppError('JIRA_AUTH_FAILED', `Jira refused Tally's credentials: ${where}`), 'never', response);
  if (status === 404) return failure(new AppError('JIRA_NOT_FOUND', `Jira found nothing: ${where}`), 'never', response);
  if (status === 408 || status >= 500) return failure(new AppError('JIRA_UNAVAILABLE', `Jira failed: ${where}`), 'backoff', response);
  if (status >= 300 && status < 400) {
    // Never followed: a redirect could carry the signed request to another host (security-and-reliability.md §2.5).
    return failure(new AppError('JIRA_RESPONSE_INVALID', `Jira redirected: ${where}`, { retryable: false }), 'never', response);
  }
  return failure(new AppError('JIRA_REQUEST_REJECTED', `Jira refused the request: ${where}`), 'never', response);
}

function isRedirectError(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return error instanceof TypeError && cause instanceof Error && /redirect/i.test(cause.message);
}

/** Passes a refusal to the credentials' owner; a failing listener never changes the call's outcome. */
function tellRejected(access: TenantJiraAccess, status: 401 | 403, endpoint: string): void {
  try {
    access.onRejected?.({ status, endpoint });
  } catch {
    // The listener's problem; the caller still gets JIRA_AUTH_FAILED.
  }
}

async function authorization(access: TenantJiraAccess, method: string, url: string): Promise<string> {
  try {
    return await access.authorize({ method, url });
  } catch (cause) {
    if (isAppError(cause)) throw cause;
    throw new AppError('JIRA_AUTH_FAILED', 'No credentials to call Jira for this tenant', { cause });
  }
}

/**
 * One attempt of one request: a fresh `Authorization` (a Connect JWT is bound to this exact URL
 * by its qsh, §4.4), `fetch` with redirects refused and a signal that combines the caller's and
 * the request timeout (covering the body too), then for 2xx a JSON content type, a size-capped
 * body, then UTF-8, `JSON.parse` and the spec's parser (or the spec's own body decoder). Transport failures become outcomes; only the
 * caller's abort (its `signal.reason`) and credential failures are thrown.
 */
export async function attemptJiraRequest<T>(deps: AttemptDeps, spec: JiraRequestSpec<T>, callerSignal: AbortSignal | undefined): Promise<AttemptOutcome<T>> {
  const headers: Record<string, string> = { authorization: await authorization(deps.access, spec.method, spec.url), accept: 'application/json' };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  const timer = setTimeout(() => controller.abort(new DOMException('Jira did not answer in time', 'TimeoutError')), deps.requestTimeoutMs);
  let response: Response | undefined;
  let bytes: Uint8Array;
  try {
    response = await deps.fetch(spec.url, {
      method: spec.method,
      headers,
      redirect: 'error',
      signal: controller.signal,
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    });
    if (response.status < 200 || response.status >= 300) {
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 401 || response.status === 403) tellRejected(deps.access, response.status, spec.endpoint);
      return statusFailure(response, spec.endpoint);
    }
    if (!isJsonContentType(response.headers.get('content-type'))) {
      await response.body?.cancel().catch(() => undefined);
      return failure(new AppError('JIRA_RESPONSE_INVALID', `${spec.endpoint} answered 2xx without a JSON content type`), 'backoff', response);
    }
    bytes = await readCappedBytes(response, deps.maxResponseBytes, controller.signal);
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (isAppError(error)) return failure(error, error.retryable ? 'backoff' : 'never', response);
    if (isRedirectError(error)) {
      return failure(new AppError('JIRA_RESPONSE_INVALID', `${spec.endpoint} redirected; Tally never follows redirects`, { retryable: false, cause: error }), 'never');
    }
    const timedOut = controller.signal.aborted;
    const message = timedOut ? `${spec.endpoint} did not answer within ${deps.requestTimeoutMs} ms` : `${spec.endpoint} failed in transit`;
    return failure(new AppError('JIRA_UNAVAILABLE', message, { cause: error }), 'backoff', response);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
  try {
    const value = spec.decodeBody ? await spec.decodeBody(bytes) : spec.parse(parseJsonText(decodeUtf8(bytes), spec.endpoint), response.headers);
    return { ok: true, value, response };
  } catch (error) {
    // Decoders and parsers throw JIRA_RESPONSE_INVALID (retryable); anything else is a bug and propagates.
    if (isAppError(error, 'JIRA_RESPONSE_INVALID')) return failure(error, 'backoff', response);
    throw error;
  }
}
