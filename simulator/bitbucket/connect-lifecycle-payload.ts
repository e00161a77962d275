import type { BbUser, BbWorkspace } from './bitbucket-model.js';
import { bitbucketDate, renderUser, renderWorkspaceAccount, type RenderContext } from './render.js';

/**
 * A fixed phone number put on the payload's `principal` and `user` on purpose (with the
 * installer's e-mail): a canary that the app must neither log nor store. Bitbucket's documented
 * objects carry no phone; the e-mail is [UNVERIFIED] too.
 */
export const BB_INSTALL_CANARY_PHONE = '+1-202-555-0147';

/** What one lifecycle body is about. */
export interface LifecyclePayloadInput {
  event: 'installed' | 'uninstalled';
  appKey: string;
  clientKey: string;
  /** Only on `installed`. */
  sharedSecret?: string;
  workspace: BbWorkspace;
  installer: BbUser;
  /** A forger's HTML base URL, for the `foreign-base-url` tamper. */
  foreignBaseUrl?: string;
}

/**
 * The `installed`/`uninstalled` body (jira-connect-protocol.md §8, the Sentry fixture): `key`,
 * `eventType`, `clientKey`, `sharedSecret`, `baseUrl`, `baseApiUrl`, `productType`, `principal`
 * (the workspace as a team) and `user` (the installer), both with the canary e-mail and phone.
 */
export function lifecyclePayload(ctx: RenderContext, input: LifecyclePayloadInput): Record<string, unknown> {
  const principal = { ...renderWorkspaceAccount(ctx, input.workspace), created_on: bitbucketDate(input.workspace.createdOnMs) };
  const user = { ...renderUser(ctx, input.installer), username: input.installer.nickname };
  const canary = { email: input.installer.email, phone: BB_INSTALL_CANARY_PHONE };
  const foreign = input.foreignBaseUrl?.replace(/\/+$/, '');
  return {
    key: input.appKey,
    eventType: input.event,
    clientKey: input.clientKey,
    ...(input.sharedSecret !== undefined ? { sharedSecret: input.sharedSecret } : {}),
    baseUrl: foreign ?? ctx.htmlBaseUrl,
    baseApiUrl: foreign ? foreign.replace(/^(https?:\/\/)/, '$1api.') : ctx.apiBaseUrl,
    productType: 'bitbucket',
    principal: { ...principal, ...canary },
    user: { ...user, ...canary },
  };
}
