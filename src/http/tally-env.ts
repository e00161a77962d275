import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import type { Tenant } from '../tenants/tenant.js';

/** Hono environment of Tally's app: what the authentication middleware proved. */
export interface TallyEnv {
  Variables: {
    /** The tenant, taken only from a verified token's `iss`. */
    tenant: Tenant;
    /** The acting Atlassian account id, taken only from a verified token's `sub`. */
    accountId: string | undefined;
    /** Verified claims of an RS256 lifecycle token (install, uninstall). */
    lifecycleIssuer: string;
    /** A session token minted for the verified tenant and user (routes that ask for one). */
    sessionToken: string;
    /** The user's own access to Jira, when the platform edge received one with this request (never stored). */
    viewerJiraAccess: TenantJiraAccess | undefined;
    /**
     * Jira access that acts *as the viewer* for writes (log work, the timer): Connect user
     * impersonation (token exchanged lazily, on the first `authorize()`), Forge's user token.
     * Undefined where the edge has no user context (the site edge's one API token).
     */
    viewerWriteAccess: TenantJiraAccess | undefined;
    /** Why `viewerWriteAccess` is undefined, in one sentence for the page (`/api/session` → `logWork.reason`). */
    viewerWriteUnavailableReason: string | undefined;
  };
}
