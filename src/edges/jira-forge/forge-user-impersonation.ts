import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { Logger } from '../../platform/logger.js';
import type { TenantId } from '../../tenants/tenant.js';
import { TOKEN_EXPIRY_MARGIN_MS } from './forge-jira-credentials.js';
import type { ForgeInstallationStore } from './forge-installation-store.js';
import type { ForgeTokenStore } from './forge-token-store.js';
import { createHeldUserTokens, type HeldToken } from '../kit/held-user-tokens.js';

/**
 * The mutation exactly as Forge documents it (`remote/calling-product-apis`, "Offline user
 * impersonation"; forge-migration.md §3.4), the input passed as a variable.
 */
export const OFFLINE_USER_TOKEN_MUTATION =
  'mutation forge_remote_offlineUserAuthToken($input: OfflineUserAuthTokenInput!) { offlineUserAuthToken(input: $input) { success errors { message } authToken { token ttl } } }';

/**
 * The installation's context ARI for the mutation. Unverified for this mutation (§3.4: "probably
 * `ari:cloud:jira::site/<cloudId>`, the same form as the lifecycle `context`"); a dependency, so it
 * can change without touching the exchange.
 */
export const jiraSiteContextAri = (cloudId: string): string => `ari:cloud:jira::site/${cloudId}`;

/** A token is not used in its last minute, so a request never arrives with one just expired. */
const USER_TOKEN_MARGIN_MS = 60_000;
const EXCHANGE_TIMEOUT_MS = 15_000;

/** What {@link createForgeUserImpersonation} needs. */
export interface ForgeUserImpersonationDeps {
  installations: Pick<ForgeInstallationStore, 'findByTenant'>;
  tokens: Pick<ForgeTokenStore, 'findSystemToken'>;
  fetch: Fetch;
  clock: Clock;
  logger: Logger;
  /** Default {@link jiraSiteContextAri}. */
  contextAri?: (cloudId: string) => string;
}

/** The reason log work is off while Tally holds no system token for the site. */
export const unavailableWithoutSystemToken =
  "Tally holds no current token from Forge for the linked Jira site yet (one arrives with the app's install, upgrade or next scheduled run, within five minutes); try again shortly or log work in Jira.";

/**
 * Offline user impersonation for the Forge edge (forge-migration.md §3.4, §9.2): the installation's
 * stored system token is exchanged with Atlassian's GraphQL gateway — `POST {origin of the
 * installation's apiBaseUrl}/graphql`, the host `TALLY_FORGE_API_HOSTS` already admitted — for a
 * token that acts as one person on the site, so their writes carry their name and their
 * permissions. Tokens are held in memory only, per (installation, account), until a minute before
 * their `ttl` ends; concurrent requests share one exchange; a token is only ever sent to the
 * installation's `apiBaseUrl`. Neither token is ever logged.
 */
export function createForgeUserImpersonation(deps: ForgeUserImpersonationDeps) {
  const contextAri = deps.contextAri ?? jiraSiteContextAri;
  const held = createHeldUserTokens({ clock: deps.clock });

  const systemTokenOf = (tenantId: TenantId) => deps.tokens.findSystemToken(tenantId, deps.clock.nowMs() + TOKEN_EXPIRY_MARGIN_MS);

  async function exchange(tenantId: TenantId, accountId: string): Promise<HeldToken> {
    const tenant = await deps.installations.findByTenant(tenantId);
    if (!tenant || tenant.state !== 'installed') throw new AppError('LOG_WORK_UNAVAILABLE', 'Tally is not installed on the linked Jira site any more.');
    const system = await systemTokenOf(tenantId);
    if (!system) throw new AppError('LOG_WORK_UNAVAILABLE', unavailableWithoutSystemToken);
    const url = `${new URL(tenant.forge.apiBaseUrl).origin}/graphql`;
    const input = { contextIds: [contextAri(tenant.forge.cloudId)], userId: accountId };
    let response: Response;
    try {
      response = await deps.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${system.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: OFFLINE_USER_TOKEN_MUTATION, variables: { input } }),
        redirect: 'error',
        signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new AppError('JIRA_UNAVAILABLE', "Atlassian's GraphQL gateway did not answer", { cause });
    }
    const answer = (await response.json().catch(() => undefined)) as OfflineTokenAnswer | undefined;
    if (response.status === 429) {
      const retryAfterSeconds = Number(response.headers.get('retry-after'));
      throw new AppError('JIRA_RATE_LIMITED', 'Atlassian limits how often Tally may act as people; try again in a minute', {
        ...(Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? { retryAfterMs: retryAfterSeconds * 1000 } : {}),
      });
    }
    if (response.status >= 500) throw new AppError('JIRA_UNAVAILABLE', `Atlassian's GraphQL gateway failed (${response.status})`);
    const payload = answer?.data?.offlineUserAuthToken;
    const token = payload?.success === true ? payload.authToken?.token : undefined;
    if (!response.ok || typeof token !== 'string' || token === '') {
      // Atlassian's words (never a token): the payload's errors, the top-level GraphQL errors, or the status.
      const words = [...(payload?.errors ?? []), ...(answer?.errors ?? [])].map((error) => error?.message).filter((m): m is string => typeof m === 'string' && m !== '');
      const reason = words.length > 0 ? words.join('; ').slice(0, 200) : `HTTP ${response.status}`;
      deps.logger.warn({ event: 'forge_impersonation_refused', tenantId, status: response.status }, 'Forge refused an offline user token');
      throw new AppError(
        'LOG_WORK_UNAVAILABLE',
        response.status === 401 || response.status === 403
          ? `Atlassian did not accept Tally's token for the linked Jira site (${reason}); a new one arrives with the next scheduled run, within five minutes.`
          : `Atlassian did not let Tally act as you on the linked Jira site (${reason}); a site admin may need to update the app so it may act as its users.`,
      );
    }
    const ttlSeconds = typeof payload?.authToken?.ttl === 'number' && payload.authToken.ttl > 0 ? payload.authToken.ttl : 0;
    return { token, usableUntilMs: deps.clock.nowMs() + ttlSeconds * 1000 - USER_TOKEN_MARGIN_MS };
  }

  return {
    /**
     * Access acting as `accountId` on an installed Forge tenant (`PlatformEdge.actAsUser`):
     * undefined for a tenant that is not one; `LOG_WORK_UNAVAILABLE` at once when Tally holds no
     * usable system token for it. Nothing is exchanged until the access authorizes a request; a
     * refused exchange throws `LOG_WORK_UNAVAILABLE` with Atlassian's words from `authorize()`,
     * before anything reaches Jira. A 401 from Jira drops the held token.
     */
    async actAsUser(tenantId: TenantId, accountId: string): Promise<TenantJiraAccess | undefined> {
      const tenant = await deps.installations.findByTenant(tenantId);
      if (!tenant || tenant.state !== 'installed') return undefined;
      if (!(await systemTokenOf(tenantId))) throw new AppError('LOG_WORK_UNAVAILABLE', unavailableWithoutSystemToken);
      const { apiBaseUrl } = tenant.forge;
      // Per installation: a re-keyed tenant's new installation never uses the old one's tokens.
      const key = `${tenant.installationId}\n${accountId}`;
      return {
        baseUrl: apiBaseUrl,
        async authorize(request) {
          if (!request.url.startsWith(`${apiBaseUrl}/`)) {
            throw new AppError('INTERNAL', "Refusing to send a user's Forge token outside the tenant API base URL", { expose: false });
          }
          return `Bearer ${await held.tokenFor(key, () => exchange(tenantId, accountId))}`;
        },
        onRejected: ({ status }) => {
          if (status === 401) held.drop(key);
        },
      };
    },
    /** Forgets every held token (tests; an uninstall makes them useless anyway). */
    clear: () => held.clear(),
  };
}

/** The gateway's answer as far as Tally reads it. */
interface OfflineTokenAnswer {
  data?: { offlineUserAuthToken?: { success?: unknown; errors?: { message?: unknown }[] | null; authToken?: { token?: unknown; ttl?: unknown } | null } | null } | null;
  errors?: { message?: unknown }[];
}

/** The impersonation's type. */
export type ForgeUserImpersonation = ReturnType<typeof createForgeUserImpersonation>;
