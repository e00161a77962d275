import type { Clock } from '../../platform/clock.js';
import type { JiraCredentials } from '../../jira/jira-credentials.js';
import type { ConnectInstallationStore } from './connect-installation-store.js';
import { createConnectRequestSigner } from './jira-request-signer.js';

/**
 * Connect's implementation of {@link JiraCredentials}: every request gets a fresh HS256 token
 * with the tenant's current shared secret (so a re-install's new secret is used from the next
 * request on), `iss` = Tally's app key and the request's own `qsh`.
 */
export function createConnectJiraCredentials(deps: { installations: Pick<ConnectInstallationStore, 'findCredentials'>; appKey: string; clock: Clock }): JiraCredentials {
  const sign = createConnectRequestSigner({ appKey: deps.appKey, clock: deps.clock });
  return {
    async forTenant(tenantId) {
      const credentials = await deps.installations.findCredentials(tenantId);
      if (!credentials || credentials.tenant.state !== 'installed' || credentials.tenant.product !== 'jira') return undefined;
      const { tenant } = credentials;
      return {
        baseUrl: tenant.baseUrl,
        authorize: async (request) => {
          // Re-read on every request: a re-install may have rotated the secret meanwhile.
          const current = await deps.installations.findCredentials(tenantId);
          if (!current || current.tenant.state !== 'installed') throw new Error('tenant is no longer installed');
          return sign(request, { baseUrl: current.tenant.baseUrl, clientKey: current.clientKey, sharedSecret: current.sharedSecret });
        },
      };
    },
  };
}
