import { Hono } from 'hono';
import type { SimEnv } from '../http/sim-env.js';
import type { JiraSite } from '../jira/jira-site.js';
import { readStoredDescriptor } from './app-descriptor.js';
import { findAssertionSite, JWT_BEARER_GRANT_TYPE, verifyImpersonationAssertion } from './impersonation-assertion.js';
import type { ImpersonationOptions } from './impersonation-options.js';
import type { ImpersonationTokenStore } from './impersonation-tokens.js';

/** Where Atlassian's authorization server takes token requests (served here on the site's origin). */
export const OAUTH_TOKEN_PATH = '/oauth2/token';

/** An OAuth 2.0 error answer (RFC 6749 §5.2): 400, JSON, never cached. */
function oauthError(error: string, description: string): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status: 400,
    headers: { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' },
  });
}

/**
 * `POST /oauth2/token` of Atlassian's authorization server for Connect user impersonation
 * (bitbucket-cloud.md §5.2): a form body with grant_type `urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * `assertion` and optional upper-case `scope` → `{access_token, token_type: "Bearer", expires_in}`.
 * Refusals are 400 `{error, error_description}`: `unsupported_grant_type`, `invalid_request`
 * (no assertion, not a form), `invalid_grant` for any assertion fault (RFC 7523 §3.1), and
 * `invalid_scope` for a scope the app's descriptor does not declare. One server answers for
 * every registered site; the assertion's `tnt` picks the site.
 */
export function oauthTokenRoutes(deps: { sites: () => readonly JiraSite[]; tokens: ImpersonationTokenStore; options: () => Readonly<ImpersonationOptions> }): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  routes.post(OAUTH_TOKEN_PATH, async (c) => {
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return oauthError('invalid_request', 'The token request must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(await c.req.text());
    if (form.get('grant_type') !== JWT_BEARER_GRANT_TYPE) {
      return oauthError('unsupported_grant_type', `grant_type must be ${JWT_BEARER_GRANT_TYPE}.`);
    }
    const assertion = form.get('assertion');
    if (!assertion) return oauthError('invalid_request', 'The assertion parameter is missing.');
    const options = deps.options();
    const site = findAssertionSite(deps.sites(), assertion);
    if (!site) return oauthError('invalid_grant', 'tnt must be the base URL of a site the app is installed on.');
    const check = verifyImpersonationAssertion(site, assertion, options);
    if (!check.ok) return oauthError('invalid_grant', check.description);
    const { app, user } = check.value;
    const declared = (readStoredDescriptor(app.descriptor)?.scopes ?? []).map((scope) => scope.toUpperCase());
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean).map((scope) => scope.toUpperCase());
    const undeclared = requested.filter((scope) => !declared.includes(scope));
    if (undeclared.length > 0) return oauthError('invalid_scope', `The app does not declare ${undeclared.join(', ')}.`);
    const token = deps.tokens.issue({
      site,
      appKey: app.key,
      accountId: user.accountId,
      scopes: requested.length > 0 ? requested : declared,
      expMs: site.clock.now() + options.tokenTtlSeconds * 1000,
    });
    c.header('cache-control', 'no-store');
    return c.json({ access_token: token, token_type: 'Bearer', expires_in: options.tokenTtlSeconds });
  });
  return routes;
}
