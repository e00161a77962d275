import type { BearerAuthority, BearerOutcome } from '../auth/authenticate.js';
import type { JiraSite } from '../jira/jira-site.js';
import type { ImpersonationTokenStore } from './impersonation-tokens.js';

/**
 * A bearer authority for `site` that knows the Connect impersonation tokens of `POST /oauth2/token`
 * and hands every other bearer token to `fallback` (the Forge platform's). An impersonation token
 * authenticates a call on the site's own URL as its user — caller kind `user`, so permissions are
 * the user's and writes are authored by them — while it is unexpired on the site clock, was issued
 * for this site, its app is still installed and enabled, and the user is active. Tally calls the
 * tenant's `baseUrl` with it (bitbucket-cloud.md §5.2); whether `api.atlassian.com/ex/jira` also
 * takes it is unverified, so the gateway refuses it (401).
 */
export function createImpersonationBearerAuthority(deps: { site: JiraSite; tokens: ImpersonationTokenStore; fallback: BearerAuthority }): BearerAuthority {
  const { site, tokens, fallback } = deps;
  const refuse = (reason: string): BearerOutcome => ({ ok: false, status: 401, reason });
  return {
    isGatewayRequest: () => fallback.isGatewayRequest(),
    gatewayBaseUrl: () => fallback.gatewayBaseUrl(),
    authenticatePlatformCall: (token) => fallback.authenticatePlatformCall(token),
    authenticate(token) {
      const grant = tokens.find(token);
      if (grant === undefined) return fallback.authenticate(token);
      if (fallback.isGatewayRequest()) return refuse('Connect impersonation tokens are accepted on the site URL only');
      if (grant.site !== site) return refuse('the access token was issued for another site');
      if (grant.expMs <= site.clock.now()) return refuse('the access token has expired');
      const app = site.findApp(grant.appKey);
      if (!app || !app.enabled) return refuse('the app that obtained the token is not installed or is disabled');
      const user = site.users.get(grant.accountId);
      if (!user || !user.active) return refuse('the impersonated user is not active');
      return { ok: true, caller: { kind: 'user', user } };
    },
  };
}
