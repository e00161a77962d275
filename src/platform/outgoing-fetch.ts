import { Agent } from 'undici';
import type { Fetch } from './fetch.js';

/**
 * The network `fetch` of a running Tally: Node's own `fetch`, with its connections managed by one
 * {@link Agent} of undici's current major version instead of Node's global dispatcher.
 *
 * Why: every Atlassian site is its own origin, and the undici that Node 20 bundles (6.x) keeps
 * the connection pool of every origin it ever called in its global agent for good — each with a
 * 2,048-slot request queue (16 KB) and its clients once a site's requests queued. With 1,000
 * sites that was ~25 MB of a 67 MB idle heap (bench:tenants heap snapshot, 2026-12-07), growing
 * with every site ever installed, and every major GC marks it. undici 7's agent closes and
 * forgets an origin's pool once its last connection closed (kept-alive connections end after
 * their idle timeout), so an idle site costs nothing. Only the dispatcher is undici 7's: undici 7's
 * own `fetch` measured no better and possibly 5–20 µs more CPU per synced worklog than Node's
 * (bench:sync at one million, noisy), and Node's `fetch` takes any dispatcher.
 */
export function createOutgoingFetch(options: { keepAliveTimeoutMs?: number } = {}): Fetch & { originsHeld(): number } {
  // Lives as long as the process, like the global agent it replaces: idle connections are unref'd
  // and end on their own, so it never keeps a process from exiting.
  const agent = new Agent(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs, keepAliveMaxTimeout: options.keepAliveTimeoutMs });
  // `dispatcher` is Node's fetch extension (not in the DOM's RequestInit type).
  const outgoing: Fetch = (input, init) => fetch(input, { ...init, dispatcher: agent } as RequestInit);
  /** Origins whose connection pool the agent still holds (for tests and diagnostics). */
  const originsHeld = () => Object.keys(agent.stats).length;
  return Object.assign(outgoing, { originsHeld });
}
