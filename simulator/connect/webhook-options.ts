import type { Tamper } from './connect-token.js';

/** How the simulated Jira delivers webhooks; every field can be changed with `configure()`. */
export interface WebhookOptions {
  /**
   * `manual`: nothing is sent until a test calls `flush()` (default with a manual clock).
   * `auto`: deliveries go out on real timers `autoDelayMs` after they are due (default with a
   * real clock).
   */
  mode: 'manual' | 'auto';
  /** Retries after the first attempt; "up to five" per secondary summaries (unverified). */
  maxRetries: number;
  /** Delay before each retry, drawn uniformly, measured on the site clock (5–15 min, unverified). */
  retryDelayMs: { min: number; max: number };
  /** Auto mode: real-time delay between an event and its first attempt. */
  autoDelayMs: number;
  /** Real-time limit of one attempt; past it the attempt counts as a timeout and is retried. */
  timeoutMs: number;
  /**
   * Body of `worklog_deleted`: the full v2 worklog, or only `{id, issueId}`. Which one Jira sends
   * is unverified (jira-connect-protocol.md §2).
   */
  deletedBody: 'full' | 'ids';
  /** `X-Atlassian-Webhook-Flow` of new deliveries (`Secondary` marks cascaded side effects). */
  flow: 'Primary' | 'Secondary';
  /** Share of deliveries sent twice with the same identifier ("delivered more than once"). */
  duplicateShare: number;
  /** Order in which one flushed batch goes out ("ordering is not guaranteed"). */
  reorder: 'none' | 'reverse' | 'shuffle';
  /** Seed of the duplicate, shuffle and retry-delay draws. */
  seed: number | string;
  /** How long `/webhook/failed` keeps a failure ("72 h"). */
  failedRetentionMs: number;
  /** Whether a delivery refused with a non-retryable 4xx also lands in `/webhook/failed` (unverified; default no). */
  listRejectedAsFailed: boolean;
  /** Sign every delivery with this defect, so tests can prove the app refuses it. */
  tamper: Tamper | undefined;
}

/** Defaults; `mode` is filled from the site clock by the Connect host. */
export const defaultWebhookOptions: Omit<WebhookOptions, 'mode'> = {
  maxRetries: 5,
  retryDelayMs: { min: 5 * 60_000, max: 15 * 60_000 },
  autoDelayMs: 10,
  timeoutMs: 10_000,
  deletedBody: 'full',
  flow: 'Primary',
  duplicateShare: 0,
  reorder: 'none',
  seed: 1,
  failedRetentionMs: 72 * 3600_000,
  listRejectedAsFailed: false,
  tamper: undefined,
};

/**
 * Statuses Jira retries (community announcement CDAC 30554): 408, 409, 425, 429 and 5xx.
 * Connection failures and timeouts are retried too; 400, 404 and other 4xx are not.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}
