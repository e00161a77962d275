/**
 * The Forge host around the page. Jira shows Tally's pages as Forge Custom UI: the page is
 * served from Atlassian's CDN inside a sandboxed iframe, and Forge's host script defines
 * `window.__bridge` before the page's own scripts run; `@forge/bridge` talks to Jira through it.
 * The page then reaches Tally only through `invokeRemote`, which Forge proxies to Tally's remote
 * with a Forge Invocation Token — there is no session token and no direct `fetch` to Tally.
 *
 * `@forge/bridge` throws when it is imported without `__bridge` (it looks the bridge up when its
 * modules load), so it is only ever imported dynamically, once the page knows it is inside Forge:
 * in Connect and standalone the bridge code is never even downloaded.
 */
import type { InvokeRemote } from './invoke-remote-fetch.js';

/** The marker Tally's Forge build of the page sets (`npm run forge:page`, docs/forge.md). */
export const FORGE_HOST_META = { name: 'tally-host', content: 'forge' } as const;

/** How long a page built for Forge waits for Forge's host script before it gives up. */
const BRIDGE_WAIT_MS = 10_000;
const BRIDGE_POLL_MS = 25;

interface BridgeCarrier {
  __bridge?: { callBridge?: unknown };
}

/** Whether Forge's host script has defined the Custom UI bridge in this window. */
export function hasForgeBridge(win: Window): boolean {
  return typeof (win as unknown as BridgeCarrier).__bridge?.callBridge === 'function';
}

/** Whether the page was built for Forge (the `<meta name="tally-host" content="forge">` marker). */
export function isForgeBuild(doc: Document): boolean {
  return doc.querySelector(`meta[name="${FORGE_HOST_META.name}"]`)?.getAttribute('content') === FORGE_HOST_META.content;
}

/**
 * Whether the page runs as Forge Custom UI: Forge's bridge is present, or the page is Tally's
 * Forge build (whose bridge {@link loadForgeInvokeRemote} then waits for).
 */
export function isInsideForge(win: Window, doc: Document): boolean {
  return hasForgeBridge(win) || isForgeBuild(doc);
}

function waitForBridge(win: Window, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (hasForgeBridge(win)) return resolve();
      if (Date.now() - started >= timeoutMs) return reject(new Error('Jira did not connect this page to Tally: open it from Jira.'));
      win.setTimeout(check, BRIDGE_POLL_MS);
    };
    check();
  });
}

/**
 * `invokeRemote` from `@forge/bridge`, loaded once the bridge exists (at most 10 s of waiting).
 * Rejects when the bridge never appears, e.g. when the Forge build is opened outside Jira.
 */
export async function loadForgeInvokeRemote(win: Window, timeoutMs = BRIDGE_WAIT_MS): Promise<InvokeRemote> {
  await waitForBridge(win, timeoutMs);
  const bridge = await import('@forge/bridge');
  return (input) => bridge.invokeRemote(input);
}
