import { callRemote, type RemoteOutcome, type SimFetch } from '../http/remote-call.js';

export { outcomeStatus, type SimFetch } from '../http/remote-call.js';

/** One POST from the simulated Jira to the app. */
export interface AppCall {
  url: string;
  /** JWT for `Authorization: JWT …`; undefined sends no Authorization header. */
  token: string | undefined;
  /** JSON text; undefined sends no body (a webhook with `excludeBody`). */
  body: string | undefined;
  headers?: Record<string, string>;
}

/** What came back: a status (and the answer), or no response at all. */
export type AppCallOutcome = RemoteOutcome;

/**
 * POSTs to the app with a Connect JWT and waits at most `timeoutMs` of real time (see
 * {@link callRemote}). Never throws.
 */
export function callApp(appFetch: SimFetch, call: AppCall, timeoutMs: number): Promise<AppCallOutcome> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.token !== undefined) headers.authorization = `JWT ${call.token}`;
  return callRemote(appFetch, { url: call.url, method: 'POST', headers, body: call.body }, timeoutMs);
}
