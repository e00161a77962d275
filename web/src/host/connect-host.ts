/**
 * The Jira host around the page. Inside Jira, Connect loads the page with an `xdm_e` query
 * parameter (the host's origin) and the page talks to Jira through Atlassian's `all.js`, which
 * defines `window.AP`. Standalone (the demo, a direct link) there is no `xdm_e` and no all.js.
 */

/** The part of Atlassian's Connect JS API the page uses. */
export interface ConnectAp {
  resize?(width?: string, height?: string): void;
  sizeToParent?(): void;
  context?: {
    getToken(callback?: (token: string) => void): Promise<string> | void;
  };
  theming?: { initializeTheming?(): void };
}

declare global {
  interface Window {
    AP?: ConnectAp;
  }
}

/** Atlassian's Connect JS; the CSP (src/http/security-headers.ts) allows exactly this host. */
export const CONNECT_JS_URL = 'https://connect-cdn.atl-paas.net/all.js';

/** How long the page waits for all.js before it works with its own session token. */
const CONNECT_JS_TIMEOUT_MS = 8000;

/** Whether the page was loaded by Jira as a Connect iframe (Connect adds `xdm_e`). */
export function isInsideJira(search: string): boolean {
  return new URLSearchParams(search).has('xdm_e');
}

/**
 * Adds all.js (as an external script: the CSP forbids inline ones) and resolves once it ran,
 * failed or timed out. Never rejects: without all.js the page still works with its session token.
 */
export function loadConnectJs(doc: Document, timeoutMs = CONNECT_JS_TIMEOUT_MS): Promise<'loaded' | 'failed'> {
  return new Promise((resolve) => {
    const script = doc.createElement('script');
    script.src = CONNECT_JS_URL;
    script.async = true;
    script.dataset.options = 'sizeToParent:true';
    const timer = setTimeout(() => resolve('failed'), timeoutMs);
    script.addEventListener('load', () => {
      clearTimeout(timer);
      resolve('loaded');
    });
    script.addEventListener('error', () => {
      clearTimeout(timer);
      resolve('failed');
    });
    doc.head.appendChild(script);
  });
}

/** The Connect API when all.js defined it. */
export function findAp(win: Window): ConnectAp | undefined {
  return win.AP;
}

/**
 * Asks Jira to fit the iframe to the page; a no-op standalone. Coalesced to one call per frame,
 * so calling it after every render is cheap.
 */
export function createResizer(win: Window): () => void {
  let pending = false;
  return () => {
    const ap = findAp(win);
    if (!ap?.resize || pending) return;
    pending = true;
    win.requestAnimationFrame(() => {
      pending = false;
      ap.resize?.();
    });
  };
}
