/** A `fetch`: global fetch over HTTP, or an app's in-process `app.fetch`. */
export type SimFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** One POST from the simulated Jira to the app. */
export interface AppCall {
  url: string;
  /** JWT for `Authorization: JWT …`; undefined sends no Authorization header. */
  token: string | undefined;
  /** JSON text; undefined sends no body (a webhook with `excludeBody`). */
  body: string | undefined;
  headers?: Record<string, string>;
}

/** What came back: a status, or no response at all. */
export type AppCallOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'network-error'; message: string }
  | { kind: 'timeout' };

/**
 * POSTs to the app and waits at most `timeoutMs` of real time (the app is a real process, so
 * the simulated clock does not apply). Reads the response body so sockets are released. Never
 * throws: a refused connection or a timeout is an outcome.
 */
export async function callApp(appFetch: SimFetch, call: AppCall, timeoutMs: number): Promise<AppCallOutcome> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.token !== undefined) headers.authorization = `JWT ${call.token}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const pending = appFetch(call.url, { method: 'POST', headers, body: call.body, signal: controller.signal });
    pending.catch(() => undefined); // a late failure after the timeout must not go unhandled
    // An in-process `app.fetch` ignores the signal, so the timeout also races the call.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new Error('timed out')));
    });
    const response = await Promise.race([pending, aborted]);
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'response', status: response.status };
  } catch (error) {
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome as a number for logs: the HTTP status, or 0 when nothing answered. */
export function outcomeStatus(outcome: AppCallOutcome): number {
  return outcome.kind === 'response' ? outcome.status : 0;
}
