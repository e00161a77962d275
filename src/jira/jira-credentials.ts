import type { TenantId } from '../tenants/tenant.js';

/** How to reach one tenant's Jira: where, and how to authorise each request. */
export interface TenantJiraAccess {
  /** The site's REST base, e.g. `https://acme.atlassian.net` (Connect) or `https://api.atlassian.com/ex/jira/<cloudId>` (Forge). */
  baseUrl: string;
  /** The `Authorization` header value for exactly this request (Connect JWTs are bound to it by `qsh`). */
  authorize(request: { method: string; url: string }): Promise<string>;
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
