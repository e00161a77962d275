import type { BearerAuthority, BearerOutcome } from '../auth/authenticate.js';
import type { JiraSite } from '../jira/jira-site.js';
import type { ForgeApiGateway } from './api-gateway.js';
import type { ForgeInstallation } from './forge-installation.js';
import type { OAuthTokenIssuer } from './oauth-tokens.js';

/** What the bearer authority reads at each request. */
export interface ForgeBearerDeps {
  site: JiraSite;
  tokens: OAuthTokenIssuer;
  gateway: ForgeApiGateway;
  currentInstallation(): ForgeInstallation | undefined;
  permissionLagMs(): number;
}

/**
 * Authenticates the Forge OAuth tokens at the gateway: 401 off the gateway, for a bad or expired
 * token, or one of an installation that is gone; 403 during the permission lag after install
 * ("The installed event may be sent before the app is granted the permissions", §4). A system
 * token acts as the app user (an app caller, so the points quota applies), a user token as its
 * user. Marks the gateway request with the installation so its worklog events are selfGenerated.
 */
export function createForgeBearerAuthority(deps: ForgeBearerDeps): BearerAuthority {
  /**
   * The same checks for api.atlassian.com's own APIs outside the product gateway (the Personal
   * Data Reporting API): no product request to mark.
   */
  const authenticatePlatformCall = (token: string): BearerOutcome => {
    const check = deps.tokens.verify(token);
    if (!check.ok) return { ok: false, status: 401, reason: check.reason };
    const installation = deps.currentInstallation();
    if (!installation || installation.uuid !== check.claims.installationUuid) return { ok: false, status: 401, reason: 'the app is not installed' };
    const user = deps.site.users.get(check.claims.accountId);
    if (!user || !user.active) return { ok: false, status: 401, reason: 'the token user is not active' };
    if (check.claims.kind === 'system' && user.accountId !== installation.asApp.appUserAccountId) return { ok: false, status: 401, reason: 'bad system token' };
    if (deps.site.clock.now() < installation.installedAtMs + deps.permissionLagMs()) {
      return { ok: false, status: 403, reason: 'The app has not been granted its permissions on this site yet.' };
    }
    return { ok: true, caller: check.claims.kind === 'system' ? { kind: 'app', app: installation.asApp, user } : { kind: 'user', user } };
  };
  return {
    isGatewayRequest: () => deps.gateway.current() !== undefined,
    gatewayBaseUrl: () => deps.gateway.current()?.baseUrl,
    authenticate(token): BearerOutcome {
      const request = deps.gateway.current();
      if (!request) return { ok: false, status: 401, reason: 'OAuth bearer tokens are accepted at api.atlassian.com/ex/jira only' };
      const outcome = authenticatePlatformCall(token);
      if (outcome.ok) request.installationUuid = (deps.currentInstallation() as { uuid: string }).uuid;
      return outcome;
    },
    authenticatePlatformCall,
  };
}
