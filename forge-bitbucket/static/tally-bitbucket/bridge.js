/**
 * The two Forge bridge calls the pages make, without bundling `@forge/bridge`: a static resource
 * cannot import a bare package name, and these are exactly the calls `@forge/bridge` 7.2 makes
 * (`out/invoke-endpoint/invoke-endpoint.js`, `out/view/getContext.js`) through the `__bridge`
 * Forge's host script defines before the page's scripts run (as web/src/host/forge-host.ts
 * relies on). A test checks both against the installed `@forge/bridge`.
 */

const BRIDGE_WAIT_MS = 10_000;
const BRIDGE_POLL_MS = 25;

/** Forge's `callBridge`, once its host script has defined it (at most 10 s of waiting). */
export function waitForCallBridge(win = globalThis, timeoutMs = BRIDGE_WAIT_MS) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const callBridge = win.__bridge?.callBridge;
      if (typeof callBridge === 'function') return resolve(callBridge);
      if (Date.now() - started >= timeoutMs) return reject(new Error('Bitbucket did not connect this page to Tally: open it from Bitbucket.'));
      setTimeout(check, BRIDGE_POLL_MS);
    };
    check();
  });
}

/** `invokeRemote({ path, method, body })` → `{ status, headers, body }`, as `@forge/bridge` answers it. */
export async function invokeRemote(callBridge, input) {
  const answer = await callBridge('invoke', { ...input, invokeType: 'ui-remote-fetch' });
  const { success, payload, error } = answer ?? {};
  return { ...(success ? payload : error) };
}

/** The module's context (`moduleKey`, `extension`, …). */
export function getContext(callBridge) {
  return callBridge('getContext');
}
