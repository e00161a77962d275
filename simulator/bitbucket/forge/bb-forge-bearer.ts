import type { OAuthTokenIssuer } from '../../forge/oauth-tokens.js';
import type { BearerAuthenticator } from '../authenticate.js';
import type { BbAppUser, BitbucketModel } from '../bitbucket-model.js';
import type { BbForgeInstallation } from './bb-forge-installation.js';

/** What the authenticator reads at each request. */
export interface BbForgeBearerDeps {
  model: BitbucketModel;
  tokens: OAuthTokenIssuer;
  appUser(): BbAppUser;
  /** The live installation with this bare uuid, if any (uninstalled ones are gone). */
  findLiveInstallation(uuid: string): BbForgeInstallation | undefined;
}

/**
 * Authenticates `Authorization: Bearer <x-forge-oauth-system|user token>` on `/2.0/*`
 * (bitbucket-cloud.md §2.5). A system token acts as the app for its installation's workspace only
 * (a stranger to every other workspace: 403/404 as for any non-member); a user token as its user.
 * Undefined — Bitbucket's 401 — for a token that is forged, expired, or of a removed installation.
 */
export function createBbForgeBearer(deps: BbForgeBearerDeps): BearerAuthenticator {
  return (token) => {
    const check = deps.tokens.verify(token);
    if (!check.ok) return undefined;
    const installation = deps.findLiveInstallation(check.claims.installationUuid);
    if (!installation) return undefined;
    if (check.claims.kind === 'system') {
      const appUser = deps.appUser();
      if (check.claims.accountId !== appUser.accountId) return undefined;
      // `asApp` calls are counted per installation (scaled limits apply to Forge asApp, §3).
      return { kind: 'app', via: 'forge', workspaceUuid: installation.workspaceUuid, rateKey: `forge:${installation.uuid}`, appUser };
    }
    const user = deps.model.findUserByRef(check.claims.accountId);
    return user ? { kind: 'user', user, rateKey: `user:${user.uuid}` } : undefined;
  };
}
