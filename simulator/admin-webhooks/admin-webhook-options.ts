import { defaultWebhookOptions } from '../connect/webhook-options.js';

/** A defect put into every delivery's signature, so tests can prove the receiver refuses it. */
export type HubSignatureTamper = 'wrong-secret' | 'unsigned' | 'sha1';

/** How admin webhooks are delivered; `configure()` changes any of it at run time. */
export interface AdminWebhookOptions {
  /** `manual`: nothing goes out until `flush()` (default with a manual clock); `auto`: real timers. */
  mode: 'manual' | 'auto';
  /** Retries after the first attempt ("up to five", unverified), on 408, 409, 425, 429, 5xx, timeouts, network errors. */
  maxRetries: number;
  /** Delay before each retry, on the site clock (5–15 min, unverified). */
  retryDelayMs: { min: number; max: number };
  /** Auto mode: real-time delay between an event and its first attempt. */
  autoDelayMs: number;
  /** Real-time limit of one attempt. */
  timeoutMs: number;
  /** Body of `worklog_deleted`: the full v2 worklog or only `{id, issueId}` (unverified). */
  deletedBody: 'full' | 'ids';
  /**
   * Whether the JQL filter (`filters['issue-related-events-section']`) also applies to worklog
   * events: the Cloud page reads "supported", n8n says issue and comment events only
   * (self-hosted-site.md §4.1, unverified). Default false, so receivers must filter on receipt.
   */
  jqlFilterAppliesToWorklogEvents: boolean;
  /**
   * Whether a target must be HTTPS. Jira Cloud requires HTTPS with a publicly trusted certificate
   * (§4.1); the default accepts http too so loopback tests can receive deliveries.
   */
  requireHttps: boolean;
  /** Share of deliveries sent twice with the same identifier ("delivered more than once"). */
  duplicateShare: number;
  /** Seed of duplicate and retry-delay draws. */
  seed: number | string;
  /**
   * Sign every delivery with this defect: `wrong-secret` (also on webhooks without a secret),
   * `unsigned` (no header), `sha1` (`sha1=…`, a method receivers must refuse). Undefined signs correctly.
   */
  tamper: HubSignatureTamper | undefined;
}

/** Defaults; `mode` comes from the site clock. Retry numbers are the Connect webhooks' (same §2 facts). */
export const defaultAdminWebhookOptions: Omit<AdminWebhookOptions, 'mode'> = {
  maxRetries: defaultWebhookOptions.maxRetries,
  retryDelayMs: { ...defaultWebhookOptions.retryDelayMs },
  autoDelayMs: defaultWebhookOptions.autoDelayMs,
  timeoutMs: defaultWebhookOptions.timeoutMs,
  deletedBody: defaultWebhookOptions.deletedBody,
  jqlFilterAppliesToWorklogEvents: false,
  requireHttps: false,
  duplicateShare: 0,
  seed: 1,
  tamper: undefined,
};
