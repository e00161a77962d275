import type { JiraCredentials } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { ForgeInstallationStore } from './forge-installation-store.js';
import type { ForgeTokenStore } from './forge-token-store.js';

/** A token is not used in its last five minutes: a slow request must not outlive it. */
export const TOKEN_EXPIRY_MARGIN_MS = 5 * 60_000;

/** What {@link createForgeJiraCredentials} needs. */
export interface ForgeJiraCredentialsDeps {
  installations: Pick<ForgeInstallationStore, 'findByTenant'>;
  tokens: Pick<ForgeTokenStore, 'findSystemToken'>;
  clock: Clock;
  /** Default {@link TOKEN_EXPIRY_MARGIN_MS}. */
  expiryMarginMs?: number;
}

/**
 * Forge's {@link JiraCredentials}: requests go to the tenant's `apiBaseUrl`
 * (`https://api.atlassian.com/ex/jira/<cloudId>`) with `Authorization: Bearer <system token>`,
 * the freshest stored one, re-read for every request so a token a tick delivered meanwhile is
 * used at once (forge-migration.md §3.4). `forTenant` is undefined for a tenant that is not an
 * installed Forge tenant, or that holds no token valid beyond the margin: the sync then skips it
 * until the next tick brings one. A token is never sent outside `apiBaseUrl`.
 *
 * Reports read app-level data with it too; only the report's JQL filter, a user-initiated read,
 * runs with the viewer's own token (src/edges/jira-forge/forge-auth.ts; docs/architecture.md, "The Forge edge").
 */
export function createForgeJiraCredentials(deps: ForgeJiraCredentialsDeps): JiraCredentials {
  const marginMs = deps.expiryMarginMs ?? TOKEN_EXPIRY_MARGIN_MS;
  const usableToken = (tenantId: Parameters<JiraCredentials['forTenant']>[0]) => deps.tokens.findSystemToken(tenantId, deps.clock.nowMs() + marginMs);
  return {
    async forTenant(tenantId) {
      const tenant = await deps.installations.findByTenant(tenantId);
      if (!tenant || tenant.state !== 'installed') return undefined;
      if (!(await usableToken(tenantId))) return undefined;
      const { apiBaseUrl } = tenant.forge;
      return {
        baseUrl: apiBaseUrl,
        authorize: async (request) => {
          if (!request.url.startsWith(`${apiBaseUrl}/`)) {
            throw new AppError('INTERNAL', 'Refusing to send a Forge token outside the tenant API base URL', { expose: false });
          }
          // Re-read on every request: an uninstall stops the calls, a tick's newer token is used at once.
          const now = await deps.installations.findByTenant(tenantId);
          if (!now || now.state !== 'installed') throw new AppError('JIRA_AUTH_FAILED', 'The Forge site is no longer installed');
          const current = await usableToken(tenantId);
          if (!current) throw new AppError('JIRA_AUTH_FAILED', 'The Forge system token of this site has expired; the next scheduled tick brings a new one');
          return `Bearer ${current.token}`;
        },
      };
    },
  };
}
