import { AppError } from '../../platform/app-error.js';
import type { BitbucketForgeInvocation } from '../kit/bitbucket-invocation-token.js';
import { normaliseBitbucketUuid } from '../kit/bitbucket-invocation-token.js';
import { isJsonObject, type JsonObject } from '../kit/forge-delivery-body.js';
import { normaliseInstallationId } from '../kit/installation-id.js';

/*
 * Bodies Forge delivers to the Bitbucket remote (forge-migration.md §4; bitbucket-cloud.md §2.2).
 * Nothing in a body names the installation: it comes from the token; a body that names another
 * installation or workspace than the token is refused before anything is written.
 */

// The envelope and the lifecycle events are every Forge remote's (kit/forge-delivery-body.ts).
export { lifecycleEventOf, unwrapDelivery } from '../kit/forge-delivery-body.js';

/** `ari:cloud:bitbucket::workspace/<uuid>` (the lifecycle `context`, unverified form) → the uuid. */
function workspaceOfAri(value: string): string | undefined {
  const match = /^ari:cloud:bitbucket::workspace\/(.+)$/.exec(value);
  return match ? normaliseBitbucketUuid(match[1]) : undefined;
}

/**
 * Refuses (401 `AUTH_INVALID`) a delivery whose body names an installation or a workspace other
 * than the token's: lifecycle `id` (bare uuid), `installationId`, a workspace ARI in `context`,
 * `workspaceId` or `workspace.uuid`.
 */
export function assertSameInstallation(event: JsonObject, invocation: BitbucketForgeInvocation): void {
  const installations: unknown[] = [];
  const workspaces: (string | undefined)[] = [];
  if (event.id !== undefined && typeof event.eventType === 'string' && event.eventType.startsWith('avi:forge:')) installations.push(event.id);
  if (event.installationId !== undefined) installations.push(event.installationId);
  // The lifecycle `context` is a workspace ARI or the braced workspace uuid (its form is unverified, §2.2).
  if (typeof event.context === 'string') {
    const named = event.context.startsWith('ari:cloud:bitbucket::workspace/') ? workspaceOfAri(event.context) : normaliseBitbucketUuid(event.context);
    if (named !== undefined || event.context.startsWith('ari:cloud:bitbucket::workspace/')) workspaces.push(named);
  }
  if (isJsonObject(event.context) && event.context.workspaceId !== undefined) workspaces.push(normaliseBitbucketUuid(event.context.workspaceId));
  if (event.workspaceId !== undefined) workspaces.push(normaliseBitbucketUuid(event.workspaceId));
  if (isJsonObject(event.workspace) && event.workspace.uuid !== undefined) workspaces.push(normaliseBitbucketUuid(event.workspace.uuid));
  for (const named of installations) {
    if (normaliseInstallationId(named) !== invocation.installationId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another installation than the body names');
  }
  for (const named of workspaces) {
    if (named !== invocation.workspaceId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another workspace than the body names');
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;

/** The installing user's account id (`installerAccountId`); undefined when absent or malformed. */
export function installerAccountIdOf(event: JsonObject): string | undefined {
  const value = event.installerAccountId;
  return typeof value === 'string' && ACCOUNT_ID.test(value) ? value : undefined;
}
