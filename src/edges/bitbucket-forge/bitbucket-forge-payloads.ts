import { AppError } from '../../platform/app-error.js';
import type { BitbucketForgeInvocation } from '../kit/bitbucket-invocation-token.js';
import { normaliseBitbucketUuid } from '../kit/bitbucket-invocation-token.js';
import { normaliseInstallationId } from '../kit/installation-id.js';

/*
 * Bodies Forge delivers to the Bitbucket remote (forge-migration.md §4; bitbucket-cloud.md §2.2).
 * Nothing in a body names the installation: it comes from the token; a body that names another
 * installation or workspace than the token is refused before anything is written.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event inside a delivery: `body.payload` when Forge nested it, the body itself otherwise. */
export function unwrapDelivery(body: unknown): JsonObject {
  if (!isObject(body)) return {};
  return isObject(body.payload) ? body.payload : body;
}

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
  if (isObject(event.context) && event.context.workspaceId !== undefined) workspaces.push(normaliseBitbucketUuid(event.context.workspaceId));
  if (event.workspaceId !== undefined) workspaces.push(normaliseBitbucketUuid(event.workspaceId));
  if (isObject(event.workspace) && event.workspace.uuid !== undefined) workspaces.push(normaliseBitbucketUuid(event.workspace.uuid));
  for (const named of installations) {
    if (normaliseInstallationId(named) !== invocation.installationId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another installation than the body names');
  }
  for (const named of workspaces) {
    if (named !== invocation.workspaceId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another workspace than the body names');
  }
}

/** The lifecycle events Tally registers an installation on. */
export const LIFECYCLE_EVENTS = ['avi:forge:installed:app', 'avi:forge:upgraded:app'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** The lifecycle event type of a delivery, or undefined for one Tally does not act on. */
export function lifecycleEventOf(event: JsonObject): LifecycleEvent | undefined {
  return (LIFECYCLE_EVENTS as readonly unknown[]).includes(event.eventType) ? (event.eventType as LifecycleEvent) : undefined;
}

const ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;

/** The installing user's account id (`installerAccountId`); undefined when absent or malformed. */
export function installerAccountIdOf(event: JsonObject): string | undefined {
  const value = event.installerAccountId;
  return typeof value === 'string' && ACCOUNT_ID.test(value) ? value : undefined;
}
