import type { ConnectAp } from '../host/connect-host.js';

/**
 * Where the page's `Authorization: JWT` token comes from (docs/api.md): inside Jira's Connect
 * iframe, `AP.context.getToken()`; otherwise the session token Tally put in the page, replaced by
 * every newer `X-Tally-Token` Tally answers with (each is valid 15 minutes). Inside Forge there
 * is no token source: `invokeRemote` authenticates each call (host/forge-host.ts).
 */
export interface TokenSource {
  /** The token for the next request. */
  current(): Promise<string>;
  /** Keeps a fresher session token from an answer's `X-Tally-Token` header. */
  remember(token: string | null): void;
}

/** The `Authorization` scheme of the page's calls unless Tally's page says otherwise. */
export const DEFAULT_AUTH_SCHEME = 'JWT';

// One plain auth-scheme word (what src/http/report-page.ts accepts); anything else is ignored.
const AUTH_SCHEME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

/**
 * The scheme the page sends its token with: `<meta name="tally-auth-scheme">` when Tally put one
 * in (the self-hosted site's `TallySite`), else `JWT` (Connect, the demo). Inside Jira the token
 * comes from AP and is always a JWT, so the Connect page never carries the meta.
 */
export function readMetaAuthScheme(doc: Pick<Document, 'querySelector'>): string {
  const content = doc.querySelector('meta[name="tally-auth-scheme"]')?.getAttribute('content');
  return content && AUTH_SCHEME.test(content) ? content : DEFAULT_AUTH_SCHEME;
}

/** Reads the session token Tally injected as `<meta name="tally-token">`. */
export function readMetaToken(doc: Document): string | undefined {
  const content = doc.querySelector('meta[name="tally-token"]')?.getAttribute('content');
  return content ? content : undefined;
}

function tokenFromAp(ap: ConnectAp): Promise<string> | undefined {
  const context = ap.context;
  if (!context) return undefined;
  return new Promise<string>((resolve, reject) => {
    // Older all.js versions only call back; newer ones also return a promise.
    const returned = context.getToken((token) => resolve(token));
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

/**
 * Builds the token source. `findAp` is asked on every request, because all.js may arrive after
 * the page started; a failing `getToken` falls back to the session token.
 */
export function createTokenSource(options: { initialToken: string | undefined; findAp: () => ConnectAp | undefined }): TokenSource {
  let newest = options.initialToken;
  return {
    async current() {
      const ap = options.findAp();
      if (ap) {
        const fromAp = await tokenFromAp(ap)?.catch(() => undefined);
        if (fromAp) return fromAp;
      }
      if (!newest) throw new Error('This page has no session token; open it from Jira or from Tally’s demo link.');
      return newest;
    },
    remember(token) {
      if (token) newest = token;
    },
  };
}
