import type { TenantId } from '../tenants/tenant.js';

/** How to reach one tenant's Jira: where, and how to authorise each request. */
export interface TenantJiraAccess {
  /** The site's REST base, e.g. `https://acme.atlassian.net` (Connect) or `https://api.atlassian.com/ex/jira/<cloudId>` (Forge). */
  baseUrl: string;
  /** The `Authorization` header value for exactly this request (Connect JWTs are bound to it by `qsh`). */
  authorize(request: { method: string; url: string }): Promise<string>;
  /**
   * Told when Jira refuses these credentials (401 or 403) on a request, before the call fails
   * with `JIRA_AUTH_FAILED`; the edge decides what it means (a revoked API token pauses the
   * site). Called once per refused attempt; it must not throw and must return quickly.
   */
  onRejected?(rejection: { status: 401 | 403; endpoint: string }): void;
  /**
   * Whether Jira keeps this caller's failed webhook deliveries (`GET /webhook/failed` serves apps
   * with registered webhooks only — jira-connect-protocol.md §2). `false` spares a call that can
   * only be refused; undefined means it may.
   */
  keepsFailedWebhooks?: boolean;
  /**
   * Whether Jira charges this caller's calls to an hourly points quota (Connect, Forge and OAuth
   * apps: rate-limits-2026.md). `false` for API tokens, which only burst limits bound
   * (self-hosted-site.md §3): a first sync then reads by the feed alone, the fewest requests.
   * Undefined means charged.
   */
  chargesPoints?: boolean;
}

/**
 * The per-tenant credentials port the Jira client depends on. Connect signs each request with
 * the tenant's shared secret; a Forge Remote uses the app system token; a self-hosted site an API
 * token. Sync, store and reports never learn which one is behind it.
 */
export interface JiraCredentials {
  /** Access for an installed tenant; undefined when it is unknown, uninstalled or purged. */
  forTenant(tenantId: TenantId): Promise<TenantJiraAccess | undefined>;
}
