/**
 * Which host the page runs in, and the API client that host calls Tally with:
 * - `connect`: Jira's Connect iframe (`xdm_e` in the URL) — `fetch` to Tally with
 *   `AP.context.getToken()`, the session token until all.js arrived;
 * - `forge`: Forge Custom UI (Forge's bridge, or Tally's Forge build marker) — every call through
 *   `invokeRemote`, authenticated by Forge;
 * - `standalone`: the demo, a direct link or the self-hosted site — `fetch` with the session token
 *   Tally put in the page, under the scheme the page names (`JWT`, or the site's `TallySite`).
 */
import { createTallyApi, type TallyApi } from '../api/tally-api.js';
import { createTokenSource, DEFAULT_AUTH_SCHEME, readMetaAuthScheme, readMetaToken } from '../api/token-source.js';
import { findAp, isInsideJira } from './connect-host.js';
import { isInsideForge, loadForgeInvokeRemote } from './forge-host.js';
import { createInvokeRemoteFetch } from './invoke-remote-fetch.js';

/** The hosts the page knows. */
export type PageHostKind = 'connect' | 'forge' | 'standalone';

/** Which host the page runs in; Connect's `xdm_e` wins, since only Connect adds it. */
export function detectPageHost(win: Window, doc: Document): PageHostKind {
  if (isInsideJira(win.location.search)) return 'connect';
  if (isInsideForge(win, doc)) return 'forge';
  return 'standalone';
}

/** The API client for the host the page runs in (see the module comment). */
export function createPageApi(win: Window, doc: Document, host: PageHostKind = detectPageHost(win, doc)): TallyApi {
  if (host === 'forge') return createTallyApi({ fetch: createInvokeRemoteFetch(() => loadForgeInvokeRemote(win)) });
  const tokens = createTokenSource({ initialToken: readMetaToken(doc), findAp: () => findAp(win) });
  // Inside Jira the tokens come from AP and are JWTs whatever the page says.
  const authScheme = host === 'connect' ? DEFAULT_AUTH_SCHEME : readMetaAuthScheme(doc);
  return createTallyApi({ fetch: (input, init) => win.fetch(input, init), tokens, authScheme });
}
