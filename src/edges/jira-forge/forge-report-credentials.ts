import type { ReportCredentials } from '../../privacy/personal-data/report-accounts-client.js';
import type { Clock } from '../../platform/clock.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import { TOKEN_EXPIRY_MARGIN_MS } from './forge-jira-credentials.js';
import type { ForgeTokenStore } from './forge-token-store.js';

/** What {@link createForgeReportCredentials} needs. */
export interface ForgeReportCredentialsDeps {
  registry: Pick<TenantRegistry, 'findTenant'>;
  tokens: Pick<ForgeTokenStore, 'findSystemToken'>;
  clock: Clock;
  /** Origin of the Personal Data Reporting API (`TALLY_GDPR_API_URL`): the only place the token goes. */
  apiUrl: string;
}

/**
 * Forge's {@link ReportCredentials}: a Forge tenant's personal-data reports are sent with its app
 * system token as a bearer token, the way OAuth apps authenticate to the API (scope
 * `report:personal-data` in the manifest; jira-connect-protocol.md §6 — unverified for Forge
 * remotes, see docs/forge.md). Undefined — the tenant waits for the next cycle — when the tenant
 * is not an installed Forge tenant or holds no token valid beyond the margin. The token is sent
 * only to the configured API origin.
 */
export function createForgeReportCredentials(deps: ForgeReportCredentialsDeps): ReportCredentials {
  const apiOrigin = new URL(deps.apiUrl).origin;
  return {
    async authorize(tenantId, request) {
      if (new URL(request.url).origin !== apiOrigin) return undefined;
      const tenant = await deps.registry.findTenant(tenantId);
      if (!tenant || tenant.platform !== 'forge' || tenant.state !== 'installed') return undefined;
      const token = await deps.tokens.findSystemToken(tenantId, deps.clock.nowMs() + TOKEN_EXPIRY_MARGIN_MS);
      return token ? `Bearer ${token.token}` : undefined;
    },
  };
}
