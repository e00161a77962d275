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
