import type { SimFetch } from '../http/remote-call.js';
import type { ForgeDelivery } from './forge-delivery.js';
import { callRemote } from '../http/remote-call.js';

/** A Custom UI `invokeRemote` call (`@forge/bridge`), as the user `accountId` makes it. */
export interface InvokeRemoteInput {
  accountId: string;
  /** Resolved against the remote's base URL by the URL Standard's rules (`remote/calling-from-frontend`). */
  path: string;
  /** Default `POST` with a body, else `GET`. */
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The UI module's key (FIT `context.moduleKey`, `app.module.key`); default `tally-report`. */
  moduleKey?: string;
  /** Custom headers; they pass through, but never replace the platform's. */
  headers?: Record<string, string>;
}

/** What `invokeRemote` resolves to: the remote's status, headers and body (parsed JSON, else text). */
export interface InvokeRemoteResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** "Timeout 25 s, no retries" for frontend invocations (`remote/essentials`). */
export const INVOKE_REMOTE_TIMEOUT_MS = 25_000;

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends one `invokeRemote` request and logs it as an `invoke` delivery. Rejects when nothing
 * answers (timeout or network error), as the bridge's promise would.
 */
export async function invokeRemoteOnce(
  ports: { appFetch: SimFetch; nowMs(): number; log(entry: ForgeDelivery): void },
  call: { baseUrl: string; installationId: string; input: InvokeRemoteInput; headers: Record<string, string> },
): Promise<InvokeRemoteResult> {
  const { input } = call;
  const url = new URL(input.path, call.baseUrl).toString();
  const method = input.method ?? (input.body === undefined ? 'GET' : 'POST');
  const headers = input.body === undefined ? call.headers : { ...call.headers, 'content-type': 'application/json' };
  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  const outcome = await callRemote(ports.appFetch, { url, method, headers, body }, INVOKE_REMOTE_TIMEOUT_MS);
  ports.log({
    kind: 'invoke',
    path: new URL(url).pathname,
    attempt: 1,
    status: outcome.kind === 'response' ? outcome.status : 0,
    body: input.body,
    url,
    method,
    headers,
    installationId: call.installationId,
    atMs: ports.nowMs(),
    ...(outcome.kind === 'response' ? {} : { transportError: outcome.kind }),
  });
  if (outcome.kind === 'timeout') throw new Error(`invokeRemote: the remote did not answer ${method} ${url} within 25 s`);
  if (outcome.kind === 'network-error') throw new Error(`invokeRemote: the remote is unreachable (${outcome.message})`);
  return { status: outcome.status, headers: outcome.headers, body: parseBody(outcome.bodyText) };
}
