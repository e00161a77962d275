import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import { callApp, outcomeStatus, type SimFetch } from './app-call.js';
import { appUrl } from './app-descriptor.js';
import { signSharedSecretToken } from './connect-token.js';
import type { FailedWebhookStore } from './failed-webhooks.js';
import { isRetryableStatus, type WebhookOptions } from './webhook-options.js';

/** One webhook waiting to be sent (again). Copies made by `duplicate` share the identifier. */
export interface PendingDelivery {
  /** `X-Atlassian-Webhook-Identifier`: unique per delivery, the same across retries. */
  identifier: string;
  appKey: string;
  event: WorklogEvent['event'];
  /** The module `url`, relative to the app baseUrl. */
  path: string;
  /** JSON text, fixed when the event happened; undefined for `excludeBody`. */
  body: string | undefined;
  flow: 'Primary' | 'Secondary';
  /** 0 while the first attempt is pending, then n for the n-th retry (the `X-Atlassian-Webhook-Retry` value). */
  retry: number;
  /** When the next attempt is due (site clock). */
  dueMs: number;
  /** Creation order, so equal due times keep event order. */
  sequence: number;
  /** Whether this copy is an injected duplicate. */
  duplicate: boolean;
}

/** The log entry of one attempt (or of a delivery the simulator never sent). */
export interface DeliveryAttempt {
  identifier: string;
  appKey: string;
  event: WorklogEvent['event'];
  /** Absolute URL; empty when nothing was sent. */
  url: string;
  /** 0 for the first attempt, else the `X-Atlassian-Webhook-Retry` value sent. */
  retry: number;
  /** HTTP status; 0 when nothing answered or nothing was sent. */
  status: number;
  /**
   * `delivered` (2xx), `retry-scheduled`, `failed` (retries exhausted, listed in /webhook/failed),
   * `rejected` (non-retryable status), `dropped` (fault: never sent), `abandoned` (app gone or disabled).
   */
  outcome: 'delivered' | 'retry-scheduled' | 'failed' | 'rejected' | 'dropped' | 'abandoned';
  /** `timeout` or `network-error` when no status came back. */
  transportError?: 'timeout' | 'network-error';
  duplicate: boolean;
  atMs: number;
}

/** What one attempt needs and where its consequences go. */
export interface AttemptContext {
  site: JiraSite;
  appFetch: SimFetch;
  tokenLifetimeSeconds: number;
  options: Readonly<WebhookOptions>;
  failures: FailedWebhookStore;
  retryDelayMs(): number;
  requeue(next: PendingDelivery): void;
  log(entry: DeliveryAttempt): void;
}

/** The fields of a log entry that come from the delivery itself. */
export function describeDelivery(d: PendingDelivery): Pick<DeliveryAttempt, 'identifier' | 'appKey' | 'event' | 'retry' | 'duplicate'> {
  return { identifier: d.identifier, appKey: d.appKey, event: d.event, retry: d.retry, duplicate: d.duplicate };
}

/**
 * Sends one attempt, signed HS256 with the app's current shared secret (a re-install between
 * retries signs with the new one), then logs it and requeues a retry or records the failure.
 * A delivery for an uninstalled or disabled app is abandoned unsent. Never throws.
 */
export async function deliverOnce(d: PendingDelivery, ctx: AttemptContext): Promise<Exclude<DeliveryAttempt['outcome'], 'dropped'>> {
  const app = ctx.site.findApp(d.appKey);
  if (!app || !app.enabled) {
    ctx.log({ ...describeDelivery(d), url: '', status: 0, outcome: 'abandoned', atMs: ctx.site.clock.now() });
    return 'abandoned';
  }
  const url = appUrl(app.baseUrl, d.path);
  const subject = { method: 'POST', url, appBaseUrl: app.baseUrl, clientKey: app.clientKey, nowMs: ctx.site.clock.now(), lifetimeSeconds: ctx.tokenLifetimeSeconds, tamper: ctx.options.tamper };
  const headers: Record<string, string> = { 'X-Atlassian-Webhook-Identifier': d.identifier, 'X-Atlassian-Webhook-Flow': d.flow };
  // Absent on the first attempt, then the retry count (jira-connect-protocol.md §2).
  if (d.retry > 0) headers['X-Atlassian-Webhook-Retry'] = String(d.retry);
  const outcome = await callApp(ctx.appFetch, { url, token: signSharedSecretToken(subject, app.sharedSecret), body: d.body, headers }, ctx.options.timeoutMs);

  const atMs = ctx.site.clock.now();
  const status = outcomeStatus(outcome);
  const entry = { ...describeDelivery(d), url, status, atMs, ...(outcome.kind === 'response' ? {} : { transportError: outcome.kind }) };
  const recordFailure = () => ctx.failures.add({ id: d.identifier, url, failureTime: atMs, appKey: d.appKey, ...(d.body === undefined ? {} : { body: d.body }) });
  let verdict: Exclude<DeliveryAttempt['outcome'], 'dropped' | 'abandoned'>;
  if (status >= 200 && status < 300) {
    verdict = 'delivered';
  } else if (outcome.kind === 'response' && !isRetryableStatus(status)) {
    verdict = 'rejected';
    if (ctx.options.listRejectedAsFailed) recordFailure();
  } else if (d.retry < ctx.options.maxRetries) {
    verdict = 'retry-scheduled';
    ctx.requeue({ ...d, retry: d.retry + 1, dueMs: atMs + ctx.retryDelayMs() });
  } else {
    verdict = 'failed';
    recordFailure();
  }
  ctx.log({ ...entry, outcome: verdict });
  return verdict;
}
