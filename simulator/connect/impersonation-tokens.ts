import { randomBytes } from 'node:crypto';
import type { JiraSite } from '../jira/jira-site.js';

/** What an impersonation access token stands for. */
export interface ImpersonationGrant {
  /** The site (`tnt`) the token was issued for; it authenticates nowhere else. */
  site: JiraSite;
  appKey: string;
  accountId: string;
  /** The Connect scopes granted (the requested ones, or every scope the descriptor declares). */
  scopes: readonly string[];
  /** Expiry on the site's clock. */
  expMs: number;
}

/** Access tokens issued by `POST /oauth2/token`. */
export interface ImpersonationTokenStore {
  /** A new opaque token for `grant`. */
  issue(grant: ImpersonationGrant): string;
  /** The grant of a token this store issued (expired ones included, for an hour); undefined otherwise. */
  find(token: string): ImpersonationGrant | undefined;
}

/** How long an expired token is still recognised (and answered "expired") before it is forgotten. */
const EXPIRED_KEPT_MS = 3_600_000;

/**
 * Creates the store. Tokens are random and opaque (clients must not parse them); the grant
 * stays findable an hour past expiry so a late call gets "expired" rather than "unknown".
 */
export function createImpersonationTokenStore(): ImpersonationTokenStore {
  const grants = new Map<string, ImpersonationGrant>();
  return {
    issue(grant) {
      for (const [token, old] of grants) if (old.expMs + EXPIRED_KEPT_MS < old.site.clock.now()) grants.delete(token);
      const token = randomBytes(32).toString('base64url');
      grants.set(token, { ...grant, scopes: [...grant.scopes] });
      return token;
    },
    find: (token) => grants.get(token),
  };
}
