import type { Socket } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import type { SimEnv } from './sim-env.js';

/** One request as a simulated site saw it. */
export interface LoggedRequest {
  /** The site's base URL when the request arrived. */
  site: string;
  method: string;
  /** The URL's path, without the query. */
  path: string;
  /** The answer's status; 0 while the request is being answered. */
  status: number;
  /** Points the request cost the app's quota (0 for other callers and for refused requests). */
  points: number;
  /** Wall-clock epoch ms (fractional, monotonic within the process) when it arrived and was answered. */
  startMs: number;
  /** Undefined while it is being answered. */
  endMs: number | undefined;
  /** The site's own clock when it was answered: the hour the quota charged the points to. */
  siteTimeMs: number | undefined;
  /** What `identifyClient` named the request's TCP connection; undefined in process or when it could not tell. */
  client: string | undefined;
}

/** The TCP connection a request came over, from the simulator's side. */
export interface ClientConnection {
  remoteAddress: string;
  /** The client's port: with the address, it names the socket at the other end. */
  remotePort: number;
  /** The simulator's listening port. */
  localPort: number;
}

/** Options of {@link createRequestLog}. */
export interface RequestLogOptions {
  /**
   * Names the client at the other end of a connection (e.g. which process owns it). Asked
   * synchronously on a connection's first request — while the connection is open — and again on
   * its later requests until it gives a name.
   */
  identifyClient?: (connection: ClientConnection) => string | undefined;
  /** Told of each request as it arrives, before it is answered (the entry then fills in). */
  onStart?: (entry: LoggedRequest) => void;
}

/**
 * Every request one or more simulated sites received, in arrival order: method, path, status,
 * the points the app was charged, arrival and answer times, and which client connection sent it.
 * Hand one log to several simulators (`requestLog` of each) to see a whole fleet of sites. It
 * keeps everything until `clear()`: meant for tests and demos, not for long runs.
 */
export interface RequestLog {
  /** The entries so far (live objects: an entry in flight is completed in place). */
  readonly entries: readonly LoggedRequest[];
  /** Middleware recording `site`'s requests; mounted first so faults' fabricated answers count too. */
  middleware(site: JiraSite): MiddlewareHandler<SimEnv>;
  clear(): void;
}

const wallClockMs = () => performance.timeOrigin + performance.now();

/** Creates an empty log. */
export function createRequestLog(options: RequestLogOptions = {}): RequestLog {
  const entries: LoggedRequest[] = [];
  const clientOfSocket = new WeakMap<Socket, string>();

  const identify = (socket: Socket | undefined): string | undefined => {
    if (!socket || !options.identifyClient) return undefined;
    const known = clientOfSocket.get(socket);
    if (known !== undefined) return known;
    const { remoteAddress, remotePort, localPort } = socket;
    const client =
      remoteAddress !== undefined && remotePort !== undefined && localPort !== undefined
        ? options.identifyClient({ remoteAddress, remotePort, localPort })
        : undefined;
    // Only a name is kept: a connection not named now is asked about again on its next request.
    if (client !== undefined) clientOfSocket.set(socket, client);
    return client;
  };

  return {
    entries,
    middleware: (site) => async (c, next) => {
      const entry: LoggedRequest = {
        site: site.baseUrl,
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        status: 0,
        points: 0,
        startMs: wallClockMs(),
        endMs: undefined,
        siteTimeMs: undefined,
        client: identify(c.env?.incoming?.socket),
      };
      entries.push(entry);
      options.onStart?.(entry);
      try {
        await next();
      } finally {
        entry.endMs = wallClockMs();
        entry.siteTimeMs = site.clock.now();
        entry.status = c.res.status;
        entry.points = c.get('appPoints') ?? 0;
      }
    },
    clear: () => {
      entries.length = 0;
    },
  };
}
