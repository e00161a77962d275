import { randomBytes } from 'node:crypto';
import type { SimFetch } from '../http/remote-call.js';
import type { DeliveryJob, RetryReason } from './delivery-queue.js';
import { callRemote, outcomeStatus, type RemoteOutcome } from '../http/remote-call.js';

/** What the simulated Forge platform sent to the remote. */
export type ForgeDeliveryKind = 'installed' | 'upgraded' | 'pre-uninstall' | 'tick' | 'event' | 'invoke';

/** The log entry of one attempt to reach the remote. */
export interface ForgeDelivery {
  kind: ForgeDeliveryKind;
  /** The path on the remote, e.g. `/forge/events`. */
  path: string;
  /** 1 for the first attempt, n + 1 for the n-th retry. */
  attempt: number;
  /** The remote's status; 0 when nothing answered. */
  status: number;
  /** The JSON body sent (with `retryContext` on retries); undefined when none was. */
  body: unknown;
  /** Absolute URL and method of the request. */
  url: string;
  method: string;
  /** Every request header, tokens included (a test-only log). */
  headers: Record<string, string>;
  /** ARI of the installation it was sent for. */
  installationId: string;
  /** Site clock when the answer came. */
  atMs: number;
  /** Set when nothing answered. */
  transportError?: 'timeout' | 'network-error';
}

/** The request headers every Forge invocation carries (`remote/essentials`). */
export function invocationHeaders(fit: string): Record<string, string> {
  return {
    authorization: `Bearer ${fit}`,
    'x-b3-traceid': randomBytes(16).toString('hex'),
    'x-b3-spanid': randomBytes(8).toString('hex'),
  };
}

/** `retryReason` of a failed attempt (`remote/sending-product-events`). */
export function retryReasonOf(outcome: RemoteOutcome): RetryReason | undefined {
  if (outcome.kind === 'timeout') return 'TIMEOUT_ERROR';
  if (outcome.kind === 'network-error') return 'INVALID_REMOTE_INVOCATION_ERROR';
  if (outcome.status >= 200 && outcome.status < 300) return undefined;
  return outcome.status === 401 ? 'INVALID_FORGE_INVOCATION_TOKEN' : 'INVALID_REMOTE_INVOCATION_ERROR';
}

/** The body of a retried delivery: `retryContext` flat, or body and context nested in `payload` (unverified which). */
export function retryBody(body: Record<string, unknown>, attempt: number, reason: RetryReason | undefined, envelope: 'flat' | 'payload'): Record<string, unknown> {
  if (attempt === 1) return body;
  const retryContext = { retryCount: attempt - 1, retryReason: reason ?? 'INVALID_REMOTE_INVOCATION_ERROR', retryData: null };
  return envelope === 'payload' ? { payload: { ...body, retryContext } } : { ...body, retryContext };
}

/** What one POST to a trigger endpoint needs, fixed when the delivery is created. */
export interface TriggerDelivery {
  kind: Exclude<ForgeDeliveryKind, 'invoke'>;
  path: string;
  body: Record<string, unknown>;
  maxRetries: number;
  timeoutMs: number;
}

/** What a trigger delivery asks of the host at each attempt. */
export interface TriggerDeliveryPorts {
  appFetch: SimFetch;
  nowMs(): number;
  envelope(): 'flat' | 'payload';
  /**
   * The target as of this attempt: URL, installation ARI and headers (a fresh FIT, the current
   * system token), or undefined when the installation is gone and the delivery is abandoned.
   */
  target(): Promise<{ url: string; installationId: string; headers: Record<string, string> } | undefined>;
  log(entry: ForgeDelivery): void;
}

/**
 * A trigger, event or lifecycle POST as a queue job: each attempt gets a fresh FIT and the
 * token Forge would deliver then, and retries carry `retryContext`. Never throws.
 */
export function triggerDeliveryJob(delivery: TriggerDelivery, ports: TriggerDeliveryPorts): DeliveryJob {
  return {
    maxRetries: delivery.maxRetries,
    async send(attempt, previousReason) {
      const target = await ports.target();
      if (!target) return { kind: 'abandoned' };
      const body = retryBody(delivery.body, attempt, previousReason, ports.envelope());
      const headers = { ...target.headers, 'content-type': 'application/json' };
      const outcome = await callRemote(ports.appFetch, { url: target.url, method: 'POST', headers, body: JSON.stringify(body) }, delivery.timeoutMs);
      const status = outcomeStatus(outcome);
      ports.log({
        kind: delivery.kind,
        path: delivery.path,
        attempt,
        status,
        body,
        url: target.url,
        method: 'POST',
        headers,
        installationId: target.installationId,
        atMs: ports.nowMs(),
        ...(outcome.kind === 'response' ? {} : { transportError: outcome.kind }),
      });
      return { kind: 'sent', status, retryReason: retryReasonOf(outcome) };
    },
  };
}
