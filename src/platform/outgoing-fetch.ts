import { Agent, fetch as undiciFetch } from 'undici';
import type { Fetch } from './fetch.js';

/**
 * The network `fetch` of a running Tally: undici's own `fetch` over one {@link Agent} of its
 * current major version instead of Node's global `fetch`.
 *
 * Why: every Atlassian site is its own origin, and the undici that Node 20 bundles (6.x) keeps
 * the connection pool of every origin it ever called in its global agent for good — each with a
 * 2,048-slot request queue (16 KB) and its clients once a site's requests queued. With 1,000
 * sites that was ~25 MB of a 67 MB idle heap (bench:tenants heap snapshot, 2026-12-07), growing
 * with every site ever installed, and every major GC marks it. undici 7's agent closes and
 * forgets an origin's pool once its last connection closed (kept-alive connections end after
 * their idle timeout), so an idle site costs nothing.
 */
export function createOutgoingFetch(options: { keepAliveTimeoutMs?: number } = {}): Fetch & { originsHeld(): number } {
  // Lives as long as the process, like the global agent it replaces: idle connections are unref'd
  // and end on their own, so it never keeps a process from exiting.
  const agent = new Agent(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs, keepAliveMaxTimeout: options.keepAliveTimeoutMs });
  const outgoing: Fetch = (input, init) => {
    // A global `Request` is not undici 7's class; handed over as its parts, not stringified.
    const request = input instanceof Request ? input : undefined;
    const target = request ? request.url : (input as string | URL);
    const fromRequest = request ? { method: request.method, headers: request.headers, body: request.body, signal: request.signal, ...(request.body ? { duplex: 'half' } : {}) } : {};
    // The same WHATWG fetch; undici's Request/Response types are structurally the globals'.
    type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;
    return undiciFetch(target, { ...(fromRequest as UndiciInit), ...(init as UndiciInit), dispatcher: agent }) as unknown as Promise<Response>;
  };
  /** Origins whose connection pool the agent still holds (for tests and diagnostics). */
  const originsHeld = () => Object.keys(agent.stats).length;
  return Object.assign(outgoing, { originsHeld });
}
