import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';

/** Whether `url` is under `base` (same origin, path below the base's, no user info). */
function isUnder(base: URL, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const prefix = `${base.pathname.replace(/\/+$/, '')}/`;
  return target.origin === base.origin && target.username === '' && target.password === '' && target.pathname.startsWith(prefix);
}

/**
 * Jira access with the site's API token: `Authorization: Basic email:token` for requests under
 * `apiBaseUrl` only (the site for a classic token, the gateway for a scoped one; §0). A request
 * anywhere else — a `self` or `nextPage` link naming another host (§6) — is refused with
 * `JIRA_AUTH_FAILED` before anything is sent, so the token never leaves for another origin.
 * `onRejected` hears Jira's 401s and 403s.
 */
export function createSiteJiraAccess(options: { apiBaseUrl: string; authorization: string; onRejected: NonNullable<TenantJiraAccess['onRejected']> }): TenantJiraAccess {
  const base = new URL(options.apiBaseUrl);
  return {
    baseUrl: options.apiBaseUrl,
    async authorize({ url }) {
      if (!isUnder(base, url)) throw new AppError('JIRA_AUTH_FAILED', `Refused to send the site's API token outside ${base.origin}${base.pathname.replace(/\/+$/, '')}`);
      return options.authorization;
    },
    onRejected: options.onRejected,
    // Admin webhooks have no failed-delivery list for API tokens; asking would only be refused.
    keepsFailedWebhooks: false,
    // API-token calls are outside the points quota (self-hosted-site.md §3): only bursts bound them.
    chargesPoints: false,
  };
}
