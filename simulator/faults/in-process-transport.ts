/** A fetch function: the global `fetch`, or the simulator's in-process one. */
export type FetchFunction = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** What the in-process transport does instead of answering. */
export type TransportFault = 'reset' | 'abort';

/**
 * Marks a response the fault middleware could not express as a response: in-process, the
 * middleware runs inside `app.fetch`, where a throw would become a 500 through `app.onError`.
 * {@link wrapInProcessFetch} turns the marker into the rejection a socket would have caused.
 */
const MARKER_HEADER = 'x-tally-sim-transport-fault';

/**
 * The stand-in response for a transport fault. Seen only by callers that bypass the wrapped
 * fetch (e.g. `sim.app.request`): a 502 that says why.
 */
export function transportFaultResponse(fault: TransportFault): Response {
  return new Response(`Simulated ${fault === 'reset' ? 'connection reset' : 'abandoned request'}; call through sim.fetch to see it as a rejection.`, {
    status: 502,
    headers: { [MARKER_HEADER]: fault, 'content-type': 'text/plain;charset=UTF-8' },
  });
}

/** The error undici's `fetch` rejects with when the peer resets the connection. */
export function connectionResetError(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
  return new TypeError('fetch failed', { cause });
}

/** The error undici raises while reading a body whose connection closed early. */
export function bodyTerminatedError(): TypeError {
  const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new TypeError('terminated', { cause });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Wraps an in-process fetch so transport faults look as they do over a socket: `reset` rejects
 * with `TypeError('fetch failed')` whose `cause.code` is `ECONNRESET`, and an aborted request
 * rejects with the signal's reason (an `AbortError`/`TimeoutError` `DOMException`) at whatever
 * point the abort comes, as undici does. Every other response passes through untouched.
 */
export function wrapInProcessFetch(inner: FetchFunction): FetchFunction {
  return (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    // The caller's own signal: listening on it (not only on the request's copy) keeps an
    // `AbortSignal.timeout` alive until it fires, as an in-flight undici fetch does.
    const signal = init?.signal ?? request.signal;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      inner(request)
        .then((response) => {
          const fault = response.headers.get(MARKER_HEADER);
          if (fault === 'reset') reject(connectionResetError());
          else if (fault === 'abort') reject(abortReason(signal));
          else resolve(response);
        }, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
}
