/** A `fetch`: global fetch over HTTP, or an app's in-process `app.fetch`. */
export type SimFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** One request from the simulated Atlassian cloud (Connect host or Forge platform) to the app. */
export interface RemoteRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** JSON text, or undefined for no body. */
  body: string | undefined;
}

/** What came back: a response (body read as text), or nothing. */
export type RemoteOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; bodyText: string }
  | { kind: 'network-error'; message: string }
  | { kind: 'timeout' };

/**
 * Sends the request and waits at most `timeoutMs` of real time: the app is a real process (or its
 * in-process `fetch`), so the site clock does not apply. Reads the whole answer, so sockets are
 * released. Never throws: a refused connection or a timeout is an outcome.
 */
export async function callRemote(appFetch: SimFetch, request: RemoteRequest, timeoutMs: number): Promise<RemoteOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const pending = appFetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal });
    pending.catch(() => undefined); // a late failure after the timeout must not go unhandled
    // An in-process `app.fetch` ignores the signal, so the timeout also races the call.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new Error('timed out')));
    });
    const response = await Promise.race([pending, aborted]);
    const bodyText = await Promise.race([response.text(), aborted]);
    return { kind: 'response', status: response.status, headers: Object.fromEntries(response.headers), bodyText };
  } catch (error) {
    if (timedOut) return { kind: 'timeout' };
    return { kind: 'network-error', message: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The status as a number for logs: 0 when nothing answered. */
export function outcomeStatus(outcome: RemoteOutcome): number {
  return outcome.kind === 'response' ? outcome.status : 0;
}
