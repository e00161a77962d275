import type { JiraSite, SimUser } from '../jira/jira-site.js';
import type { Caller } from '../http/sim-env.js';
import { findOperationScopes, scopesSatisfy } from './token-scopes.js';

/** Switches for API-token facts the reference leaves open (self-hosted-site.md §1, §4.1). */
export interface ApiTokenOptions {
  /**
   * Whether a classic (unscoped) token is accepted at `api.atlassian.com/ex/jira/{cloudId}`
   * (§1.2: unverified). Default `refuse` (401), so clients keep the mode explicit.
   */
  classicTokenOnGateway: 'refuse' | 'accept';
  /** Status of a scoped-token call whose scopes do not cover the operation (default 401). */
  scopeMismatchStatus: number;
  /**
   * Classic scopes a scoped token needs for the admin webhook API `/rest/webhooks/1.0/webhook`
   * (§4.1: unverified); default `['manage:jira-webhook']`, `[]` needs none. The caller must be
   * a Jira administrator whatever the scopes.
   */
  adminWebhookScopes: readonly string[];
}

/** The defaults of {@link ApiTokenOptions}. */
export const defaultApiTokenOptions: Readonly<ApiTokenOptions> = Object.freeze({
  classicTokenOnGateway: 'refuse',
  scopeMismatchStatus: 401,
  adminWebhookScopes: Object.freeze(['manage:jira-webhook']),
});

/** Merges over the defaults and checks them (RangeError at build time). */
export function resolveApiTokenOptions(overrides: Partial<ApiTokenOptions> = {}): Readonly<ApiTokenOptions> {
  const options = { ...defaultApiTokenOptions, ...overrides };
  if (options.classicTokenOnGateway !== 'refuse' && options.classicTokenOnGateway !== 'accept') {
    throw new RangeError(`apiTokens.classicTokenOnGateway must be refuse or accept`);
  }
  if (!Number.isInteger(options.scopeMismatchStatus) || options.scopeMismatchStatus < 400 || options.scopeMismatchStatus > 499) {
    throw new RangeError(`apiTokens.scopeMismatchStatus must be a 4xx status, got ${options.scopeMismatchStatus}`);
  }
  return Object.freeze({ ...options, adminWebhookScopes: Object.freeze([...options.adminWebhookScopes]) });
}

/** What one Basic header resolves to; `scope` marks the scope refusal (its own message and status). */
export type BasicOutcome =
  | { ok: true; caller: Extract<Caller, { kind: 'user' }> }
  | { ok: false; status: number; reason: string; scope?: true };

/** Where and what the request is, for the token's place and scope checks. */
export interface BasicRequest {
  header: string;
  onGateway: boolean;
  method: string;
  pathname: string;
}

function decodeBasic(header: string): { email: string; token: string } | undefined {
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator < 0 ? undefined : { email: decoded.slice(0, separator), token: decoded.slice(separator + 1) };
}

function findUserByEmail(site: JiraSite, email: string): SimUser | undefined {
  for (const user of site.users.values()) if (user.emailAddress === email) return user;
  return undefined;
}

const refused = (reason: string): BasicOutcome => ({ ok: false, status: 401, reason });

/**
 * HTTP Basic `email:token` as Jira Cloud treats API tokens (self-hosted-site.md §1): the token
 * must belong to the active user with that email, be neither revoked nor expired (site clock),
 * and be used where its kind works — classic on the site URL (the gateway per
 * `classicTokenOnGateway`), scoped only through the gateway. A scoped token must carry the
 * operation's scopes (every classic one, or every granular one); a route the scope table does not
 * know is refused. The caller acts as the user, with the user's permissions and visibility.
 * Legacy `user.apiTokens` are classic tokens that never expire.
 */
export function authenticateBasic(site: JiraSite, request: BasicRequest, options: Readonly<ApiTokenOptions>): BasicOutcome {
  const credentials = decodeBasic(request.header);
  if (!credentials) return refused('bad credentials');
  const user = findUserByEmail(site, credentials.email);
  if (!user || !user.active) return refused('bad credentials');
  const stored = site.findApiToken(credentials.token);
  if (!stored) {
    if (!(user.apiTokens ?? []).includes(credentials.token)) return refused('bad credentials');
    if (request.onGateway && options.classicTokenOnGateway === 'refuse') return refused('classic API tokens are not accepted at api.atlassian.com');
    return { ok: true, caller: { kind: 'user', user, apiToken: { kind: 'classic', scopes: [] } } };
  }
  if (stored.accountId !== user.accountId) return refused('bad credentials');
  if (stored.revokedAtMs !== undefined) return refused('the API token was revoked');
  if (site.clock.now() >= stored.expiresAtMs) return refused('the API token expired');
  if (stored.kind === 'classic' && request.onGateway && options.classicTokenOnGateway === 'refuse') {
    return refused('classic API tokens are not accepted at api.atlassian.com');
  }
  if (stored.kind === 'scoped') {
    if (!request.onGateway) return refused('scoped API tokens work only through api.atlassian.com/ex/jira/{cloudId}');
    const needed = findOperationScopes(request.method, request.pathname, options.adminWebhookScopes);
    if (!needed || !scopesSatisfy(stored.scopes, needed)) {
      return { ok: false, status: options.scopeMismatchStatus, reason: 'Unauthorized; scope does not match', scope: true };
    }
  }
  return { ok: true, caller: { kind: 'user', user, apiToken: { kind: stored.kind, scopes: stored.scopes } } };
}
