import { AppError, isAppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import type { RateLimitCoordinator } from '../jira/rate-limit-coordinator.js';
import type { TenantId } from '../tenants/tenant.js';
import { worklogRefusal, type JiraErrorBody, type RefusalTarget } from './jira-refusal.js';

/*
 * Why not the JiraClient port: its runner retries POSTs after a 5xx or a timeout (right for
 * searches and bulk reads, wrong for a create: Jira may have written the first one, and a retry
 * writes a second worklog), it reads only GET and POST, and it drops Jira's error body, whose
 * words the person must see. So writes go through this small client: one attempt per call, the
 * viewer's own credentials per call (never the app's), Jira's error text kept, and the process's
 * rate-limit coordinator still told about every call (`interactive`: a person is waiting).
 */

/** What {@link createViewerJiraCalls} needs. */
export interface ViewerJiraCallsDeps {
  fetch: Fetch;
  clock: Clock;
  /** The process's shared gate (points quota, 429 pauses, interactive budgets); optional in unit tests. */
  coordinator?: RateLimitCoordinator;
  /** Per call, body included; default 20 s. */
  timeoutMs?: number;
}

/** One call as the viewer: Jira's JSON answer (undefined for 204) or an AppError. */
export interface ViewerCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query below the site's REST base, e.g. `/rest/api/3/myself`. */
  path: string;
  /** `METHOD template` for rate limits and logs: no ids, keys or account ids. */
  endpoint: string;
  body?: unknown;
  /** What a 4xx refers to, for the refusal's reason. */
  target: RefusalTarget;
  /** Statuses answered as `undefined` instead of an error (a missing user property is 404). */
  absentOn?: readonly number[];
}

/** Calls Jira as one viewer. */
export type ViewerJira = <T = unknown>(call: ViewerCall) => Promise<T | undefined>;

const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length > MAX_BODY_BYTES) throw new AppError('JIRA_RESPONSE_INVALID', 'Jira answered with an oversized body');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AppError('JIRA_RESPONSE_INVALID', 'Jira answered with a body that is not JSON', { cause });
  }
}

/**
 * Builds the caller: `forViewer(tenantId, access)` returns a function that makes exactly one
 * request per call. A 4xx becomes `JIRA_WORKLOG_REFUSED` with Jira's words; 429 becomes
 * `JIRA_RATE_LIMITED` and 5xx, timeouts and network failures `JIRA_UNAVAILABLE` — none retried,
 * because a write that may have reached Jira must not be sent twice.
 */
export function createViewerJiraCalls(deps: ViewerJiraCallsDeps) {
  const timeoutMs = deps.timeoutMs ?? 20_000;
  return {
    forViewer(tenantId: TenantId, access: TenantJiraAccess): ViewerJira {
      return async <T>(call: ViewerCall): Promise<T | undefined> => {
        const url = `${access.baseUrl.replace(/\/+$/, '')}${call.path}`;
        await deps.coordinator?.acquire({ tenantId, endpoint: call.endpoint, priority: 'interactive' });
        let authorization: string;
        try {
          authorization = await access.authorize({ method: call.method, url });
        } catch (cause) {
          if (isAppError(cause)) throw cause;
          throw new AppError('JIRA_AUTH_FAILED', 'No credentials to call Jira as you', { cause });
        }
        const headers: Record<string, string> = { authorization, accept: 'application/json' };
        if (call.body !== undefined) headers['content-type'] = 'application/json';
        let response: Response;
        try {
          response = await deps.fetch(url, {
            method: call.method,
            headers,
            redirect: 'error',
            signal: AbortSignal.timeout(timeoutMs),
            ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          });
        } catch (cause) {
          throw new AppError('JIRA_UNAVAILABLE', `${call.endpoint} did not answer`, { cause });
        }
        deps.coordinator?.record({ tenantId, endpoint: call.endpoint, status: response.status, headers: response.headers, pointsEstimate: 1, priority: 'interactive' });
        if (response.ok) return (await readBody(response)) as T | undefined;
        const body = (await readBody(response).catch(() => undefined)) as JiraErrorBody | undefined;
        if (call.absentOn?.includes(response.status)) return undefined;
        if (response.status === 401) {
          access.onRejected?.({ status: 401, endpoint: call.endpoint });
          throw new AppError('JIRA_AUTH_FAILED', `Jira did not accept Tally's credentials for you (${call.endpoint} answered 401)`);
        }
        if (response.status === 429) throw new AppError('JIRA_RATE_LIMITED', `Jira rate-limited ${call.endpoint}`);
        if (response.status >= 500) throw new AppError('JIRA_UNAVAILABLE', `Jira failed: ${call.endpoint} answered ${response.status}`);
        throw worklogRefusal(response.status, body, call.target);
      };
    },
  };
}

/** The caller's type, for the services built on it. */
export type ViewerJiraCalls = ReturnType<typeof createViewerJiraCalls>;
