import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import type { TenantId } from '../../tenants/tenant.js';
import { createHmac } from 'node:crypto';
import type { ConnectInstallationStore } from './connect-installation-store.js';
import { createHeldUserTokens, type HeldToken } from '../kit/held-user-tokens.js';

/**
 * The assertion's `aud`: Atlassian's authorization server by name, whatever URL the exchange is
 * posted to (bitbucket-cloud.md §5.2; ACE `lib/internal/oauth2.js`), so a test server stands in
 * for the host without changing what is signed.
 */
export const ATLASSIAN_OAUTH_AUDIENCE = 'https://oauth-2-authorization-server.services.atlassian.com';

/**
 * The Connect scopes the user token is asked for: read the viewer's zone and issues, write
 * worklogs and the timer property, and delete both (Connect ties `DELETE` requests to the DELETE
 * scope: jira-connect-protocol.md §5). Each must also be in the descriptor's `scopes`.
 */
export const IMPERSONATION_SCOPES = 'READ WRITE DELETE';

/** Assertions valid much longer than a minute are refused (a third-party test saw > 120 s fail): 60 s. */
const ASSERTION_LIFETIME_SECONDS = 60;
/** A token is not used in its last 30 s, so a request never arrives with one just expired. */
const EXPIRY_MARGIN_MS = 30_000;

/** What {@link createConnectUserTokens} needs. */
export interface ConnectUserTokensDeps {
  installations: Pick<ConnectInstallationStore, 'findCredentials'>;
  /** `TALLY_ATLASSIAN_OAUTH_URL`, without a trailing slash. */
  oauthUrl: string;
  fetch: Fetch;
  clock: Clock;
}

/**
 * Connect user impersonation (ACT_AS_USER; jira-connect-protocol.md §4.4, bitbucket-cloud.md §5.2):
 * an HS256 assertion signed with the installation's shared secret — `iss`
 * `urn:atlassian:connect:clientid:{oauthClientId}`, `sub`
 * `urn:atlassian:connect:useraccountid:{accountId}`, `tnt` the site's base URL — exchanged by the
 * JWT-bearer grant for a bearer token that acts as that person on the site. Tokens are held in
 * memory only, per (tenant, account), until 30 s before they expire; concurrent requests share one
 * exchange. A token is only ever sent to its tenant's base URL.
 */
export function createConnectUserTokens(deps: ConnectUserTokensDeps) {
  const held = createHeldUserTokens({ clock: deps.clock });

  async function exchange(tenantId: TenantId, accountId: string): Promise<HeldToken> {
    const credentials = await deps.installations.findCredentials(tenantId);
    if (!credentials || credentials.tenant.state !== 'installed') throw new AppError('LOG_WORK_UNAVAILABLE', 'Tally is not installed on this site any more.');
    if (!credentials.oauthClientId) throw new AppError('LOG_WORK_UNAVAILABLE', unavailableWithoutClientId);
    const iat = Math.floor(deps.clock.nowMs() / 1000);
    const claims = {
      iss: `urn:atlassian:connect:clientid:${credentials.oauthClientId}`,
      sub: `urn:atlassian:connect:useraccountid:${accountId}`,
      tnt: credentials.tenant.baseUrl,
      aud: ATLASSIAN_OAUTH_AUDIENCE,
      iat,
      exp: iat + ASSERTION_LIFETIME_SECONDS,
    };
    const assertion = signAssertion(claims, credentials.sharedSecret);
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, scope: IMPERSONATION_SCOPES });
    let response: Response;
    try {
      response = await deps.fetch(`${deps.oauthUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new AppError('JIRA_UNAVAILABLE', "Atlassian's authorization server did not answer", { cause });
    }
    const answer = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } | undefined;
    if (response.status >= 500) throw new AppError('JIRA_UNAVAILABLE', `Atlassian's authorization server failed (${response.status})`);
    if (!response.ok || typeof answer?.access_token !== 'string' || answer.access_token === '') {
      // Its own words (never the assertion): typically the app lacks ACT_AS_USER until the site updates it.
      const words = typeof answer?.error_description === 'string' ? answer.error_description : typeof answer?.error === 'string' ? answer.error : `HTTP ${response.status}`;
      throw new AppError('LOG_WORK_UNAVAILABLE', `Atlassian did not let Tally act as you on this site (${words.slice(0, 200)}); a site admin may need to update the app to grant user impersonation.`);
    }
    const expiresInSeconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
    return { token: answer.access_token, usableUntilMs: deps.clock.nowMs() + expiresInSeconds * 1000 - EXPIRY_MARGIN_MS };
  }

  return {
    /**
     * Access acting as `accountId` on the tenant's site. Nothing is exchanged until a write calls
     * `authorize()`; a request Jira refuses with 401 drops the held token, so the next one exchanges afresh.
     */
    accessFor(tenantId: TenantId, baseUrl: string, accountId: string): TenantJiraAccess {
      const key = `${tenantId}\n${accountId}`;
      return {
        baseUrl,
        async authorize(request) {
          const target = new URL(request.url);
          const base = new URL(baseUrl);
          if (target.origin !== base.origin || target.username !== '' || target.password !== '') {
            throw new AppError('INTERNAL', "refusing to send a user's token to another host than the tenant's", { expose: false });
          }
          return `Bearer ${await held.tokenFor(key, () => exchange(tenantId, accountId))}`;
        },
        onRejected: () => {
          held.drop(key);
        },
      };
    },
    /** Forgets every held token (tests; an uninstall makes them useless anyway). */
    clear: () => held.clear(),
  };
}

/**
 * HS256 over the assertion's claims. Not the kit's Connect signer: an assertion carries no `qsh`
 * (it is bound to no request) but `tnt`, which Connect request tokens do not have.
 */
function signAssertion(claims: Record<string, unknown>, secret: string): string {
  if (secret === '') throw new AppError('INTERNAL', 'refusing to sign with an empty shared secret', { expose: false });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const signingInput = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput, 'utf8').digest('base64url')}`;
}

/** The reason log work is off for an installation Jira sent no `oauthClientId` with. */
export const unavailableWithoutClientId =
  'This Connect installation has no OAuth client id for user impersonation; a site admin updates or reinstalls the app, after which Tally can log work as you.';

/** The tokens' type. */
export type ConnectUserTokens = ReturnType<typeof createConnectUserTokens>;
