import type { MiddlewareHandler } from 'hono';
import { setTimeout as sleep } from 'node:timers/promises';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { SimContext, SimEnv } from '../http/sim-env.js';
import type { ArmedFault, FaultInput } from './fault-spec.js';
import { FaultProgram } from './fault-program.js';
import { transportFaultResponse, wrapInProcessFetch, type FetchFunction } from './in-process-transport.js';
import { truncatedLength, truncatedStream, writeTruncated } from './truncated-body.js';
import { FeedPageMemory, isFeedPath } from './feed-page-memory.js';
import { HTML_ERROR_PAGE } from './html-error-page.js';

export type { ArmedFault, FaultInput, FaultMatch, FaultSpec } from './fault-spec.js';
export type { FetchFunction } from './in-process-transport.js';

/** Faults on demand in front of the simulated Jira; built by {@link createFaultInjector}. */
export interface FaultInjector {
  /** Hono middleware for `*`, mounted first: faults happen before authentication, like a gateway's. */
  middleware: MiddlewareHandler<SimEnv>;
  /** Arms a fault (validated: RangeError); returns its id. Faults fire in the order added. */
  add(fault: FaultInput): string;
  /** Disarms one fault; false if it already fired out. */
  remove(id: string): boolean;
  /** Disarms every fault. */
  clear(): void;
  /** The armed faults with their remaining times, in match order. */
  list(): ArmedFault[];
  /**
   * Wraps the simulator's in-process fetch so `reset` and `timeout` reject it as undici's fetch
   * would; `createSimulator` uses it for `sim.fetch`.
   */
  wrapFetch(inner: FetchFunction): FetchFunction;
}

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function statusResponse(fault: Extract<ArmedFault, { kind: 'status' }>): Response {
  const headers = new Headers(fault.headers);
  let body: string | null = null;
  if (typeof fault.body === 'string') body = fault.body;
  else if (fault.body !== undefined) {
    body = JSON.stringify(fault.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json;charset=UTF-8');
  }
  return new Response(body, { status: fault.status, headers });
}

/** No answer at all: over HTTP drop the socket (or leave it closed), in-process a marker. */
function noAnswer(c: SimContext, fault: 'reset' | 'abort'): Response {
  const incoming = c.env?.incoming;
  if (!incoming) return transportFaultResponse(fault);
  if (fault === 'reset') incoming.socket.destroy();
  return RESPONSE_ALREADY_SENT;
}

async function truncate(c: SimContext, fraction: number): Promise<void> {
  const response = c.res;
  const bytes = new Uint8Array(await response.arrayBuffer());
  const part = bytes.subarray(0, truncatedLength(bytes.length, fraction));
  const incoming = c.env?.incoming;
  const outgoing = c.env?.outgoing;
  if (incoming && outgoing) {
    writeTruncated(incoming, outgoing, response, bytes.length, part);
    // Clear first: assigning over a response copies it into a new one, which the Node adapter
    // would write again instead of recognising the "already sent" marker.
    c.res = undefined;
    c.res = RESPONSE_ALREADY_SENT;
    return;
  }
  const headers = new Headers(response.headers);
  headers.set('content-length', String(bytes.length));
  c.res = new Response(truncatedStream(part), { status: response.status, statusText: response.statusText, headers });
}

/**
 * The simulated gateway misbehaving on demand (security-and-reliability.md §5.2 table E), for
 * requests matched by method and path, a given number of times. Works in-process (through
 * {@link FaultInjector.wrapFetch}) and over HTTP (on the raw Node socket). It also remembers the
 * last page of each worklog feed so `duplicatePage` can answer it again; a `duplicatePage`
 * fault waits, unconsumed, until a previous page exists for the requested feed.
 */
export function createFaultInjector(): FaultInjector {
  const program = new FaultProgram();
  const pages = new FeedPageMemory();

  const middleware: MiddlewareHandler<SimEnv> = async (c, next) => {
    const url = new URL(c.req.url);
    const method = c.req.method;
    const feed = method === 'GET' && isFeedPath(url.pathname);
    const fault = program.take({ method, pathname: url.pathname, search: url.search }, (armed) =>
      armed.kind === 'duplicatePage' ? feed && pages.find(url.pathname) !== undefined : true,
    );

    switch (fault?.kind) {
      case 'status':
        return statusResponse(fault);
      case 'html200':
        return new Response(fault.body ?? HTML_ERROR_PAGE, { status: 200, headers: { 'content-type': 'text/html;charset=UTF-8' } });
      case 'reset':
        return noAnswer(c, 'reset');
      case 'timeout': {
        const signal = c.req.raw.signal;
        if (fault.delayMs === undefined) {
          await whenAborted(signal);
          return noAnswer(c, 'abort');
        }
        // A late answer is about real waiting, so real timers; an abort ends the wait early.
        const stillWanted = await sleep(fault.delayMs, true, { signal }).catch(() => false);
        if (!stillWanted) return noAnswer(c, 'abort');
        break;
      }
      default:
        break;
    }

    await next();

    if (fault?.kind === 'truncate') {
      await truncate(c, fault.fraction ?? 0.5);
      return;
    }
    if (!feed || c.res.status !== 200) return;
    if (fault?.kind === 'duplicatePage') {
      // The previous page again, under this answer's (fresh) headers; the memory stays as it was.
      c.res = new Response(pages.find(url.pathname) ?? null, { status: 200, headers: c.res.headers });
      return;
    }
    pages.remember(url.pathname, await c.res.clone().text());
  };

  return {
    middleware,
    add: (fault) => program.add(fault),
    remove: (id) => program.remove(id),
    clear: () => program.clear(),
    list: () => program.list(),
    wrapFetch: wrapInProcessFetch,
  };
}
