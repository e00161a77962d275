import type { Hono } from 'hono';
import type { BearerAuthority } from '../auth/authenticate.js';
import type { SimEnv } from '../http/sim-env.js';
import type { JiraSite } from '../jira/jira-site.js';
import { JWT_BEARER_GRANT_TYPE, signImpersonationAssertion } from './impersonation-assertion.js';
import { createImpersonationBearerAuthority } from './impersonation-bearer.js';
import { resolveImpersonationOptions, type ImpersonationOptions } from './impersonation-options.js';
import { createImpersonationTokenStore } from './impersonation-tokens.js';
import { OAUTH_TOKEN_PATH, oauthTokenRoutes } from './oauth-token-route.js';

export type { ImpersonationOptions } from './impersonation-options.js';
export { IMPERSONATION_AUDIENCE, JWT_BEARER_GRANT_TYPE, signImpersonationAssertion, type AssertionInput } from './impersonation-assertion.js';
export { OAUTH_TOKEN_PATH } from './oauth-token-route.js';

/** Connect user impersonation (ACT_AS_USER) as one simulated site sees it. */
export interface ConnectImpersonation {
  /** Where `POST /oauth2/token` is served for this site: its origin (read it after `listen()`). */
  readonly authServerUrl: string;
  /** Bearer authentication for this site that knows impersonation tokens and hands the rest to `fallback`. */
  bearer(fallback: BearerAuthority): BearerAuthority;
  /**
   * For tests: signs a valid assertion for (`appKey`, `accountId`) with the installed app's secret
   * and runs it through `POST /oauth2/token`, returning the access token. Throws with the OAuth
   * error when the grant is refused (e.g. the descriptor lacks ACT_AS_USER).
   */
  issueToken(appKey: string, accountId: string): Promise<string>;
}

/**
 * Atlassian's authorization server for Connect impersonation: one for every site, as in
 * production (`oauth-2-authorization-server.services.atlassian.com`). A fleet of simulators may
 * share one (option `impersonationServer`); any of them then answers for all.
 */
export interface ImpersonationAuthServer {
  /** `POST /oauth2/token`; needs no Jira authentication (the assertion is the credential). */
  readonly routes: Hono<SimEnv>;
  readonly options: Readonly<ImpersonationOptions>;
  /** Changes options from now on (validated; RangeError). */
  configure(changes: Partial<ImpersonationOptions>): void;
  /** Lets `site` obtain tokens here and returns its side. Idempotent per site. */
  register(site: JiraSite): ConnectImpersonation;
}

/** Creates an authorization server with no sites yet; nothing is issued until an app asks. */
export function createImpersonationAuthServer(overrides: Partial<ImpersonationOptions> = {}): ImpersonationAuthServer {
  let options = resolveImpersonationOptions(overrides);
  const sites: JiraSite[] = [];
  const views = new Map<JiraSite, ConnectImpersonation>();
  const tokens = createImpersonationTokenStore();
  const routes = oauthTokenRoutes({ sites: () => sites, tokens, options: () => options });

  const viewOf = (site: JiraSite): ConnectImpersonation => ({
    get authServerUrl() {
      return site.baseUrl;
    },
    bearer: (fallback) => createImpersonationBearerAuthority({ site, tokens, fallback }),
    async issueToken(appKey, accountId) {
      const app = site.findApp(appKey);
      if (!app?.oauthClientId) throw new Error(`no Connect app ${appKey} is installed on the simulated site`);
      const assertion = signImpersonationAssertion({
        oauthClientId: app.oauthClientId,
        sharedSecret: app.sharedSecret,
        accountId,
        baseUrl: site.baseUrl,
        nowSeconds: Math.floor(site.clock.now() / 1000),
      });
      const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion });
      const request = new Request(`${site.baseUrl}${OAUTH_TOKEN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const response = await routes.fetch(request);
      const answer = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!answer.access_token) throw new Error(`impersonation refused: ${answer.error ?? response.status} ${answer.error_description ?? ''}`.trim());
      return answer.access_token;
    },
  });

  return {
    routes,
    get options() {
      return options;
    },
    configure(changes) {
      options = resolveImpersonationOptions({ ...options, ...changes });
    },
    register(site) {
      let view = views.get(site);
      if (!view) {
        view = viewOf(site);
        views.set(site, view);
        sites.push(site);
      }
      return view;
    },
  };
}
