/**
 * Vitest setup: any network call to a host that is not loopback fails the test. Jira and
 * Bitbucket are always the simulator (in-process `fetch` or loopback HTTP); a request anywhere
 * else is a bug that would otherwise pass silently on a machine with internet.
 */
import net from 'node:net';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

function assertLoopback(host: string | undefined, what: string): void {
  if (host === undefined || host === '' || LOOPBACK.test(host)) return;
  throw new Error(`Outbound network access to "${host}" is not allowed in tests (${what}). Use the simulator.`);
}

const originalFetch = globalThis.fetch;
globalThis.fetch = (async (input: Request | string | URL, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  assertLoopback(url.hostname, 'fetch');
  return originalFetch(input, init);
}) as typeof fetch;

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const options = first as { host?: string; path?: string };
    if (options.path === undefined) assertLoopback(options.host ?? 'localhost', 'socket');
  } else if (typeof first === 'number') {
    assertLoopback(typeof args[1] === 'string' ? args[1] : 'localhost', 'socket');
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
