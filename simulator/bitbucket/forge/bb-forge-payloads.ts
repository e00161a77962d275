import { uuidOfAri } from '../../forge/forge-ids.js';
import type { BbPullRequest, BbRepository, BbUser } from '../bitbucket-model.js';
import type { BbForgePullRequestEvent } from './bb-forge-options.js';

/** The app as lifecycle bodies describe it. */
export interface BbLifecycleApp {
  appId: string;
  name: string;
  ownerAccountId: string;
  version: string;
  environmentId: string;
}

/** Scopes the simulated Bitbucket app is granted (§2.1's manifest; the upgraded event lists them). */
export const BB_GRANTED_SCOPES = ['read:app-system-token', 'read:app-user-token', 'read:pullrequest:bitbucket', 'read:repository:bitbucket', 'read:user:bitbucket'] as const;

/** `avi:forge:installed:app` with the workspace as `context` (its form is an option, §2.2). */
export function bbInstalledBody(app: BbLifecycleApp, context: string, installationUuid: string, installerAccountId: string): Record<string, unknown> {
  return {
    app: { id: uuidOfAri(app.appId), name: app.name, ownerAccountId: app.ownerAccountId, version: app.version },
    context,
    environment: { id: app.environmentId },
    eventType: 'avi:forge:installed:app',
    id: installationUuid,
    installerAccountId,
  };
}

/** `avi:forge:upgraded:app`: the installed shape plus `upgraderAccountId` and `permissions`. */
export function bbUpgradedBody(app: BbLifecycleApp, context: string, installationUuid: string, installerAccountId: string, upgraderAccountId: string): Record<string, unknown> {
  return { ...bbInstalledBody(app, context, installationUuid, installerAccountId), eventType: 'avi:forge:upgraded:app', upgraderAccountId, permissions: { scopes: [...BB_GRANTED_SCOPES] } };
}

/** The pre-uninstall body: the Jira simulator's shape with the workspace for the site ([UNVERIFIED]). */
export function bbPreUninstallBody(workspaceUuid: string, moduleKey: string): Record<string, unknown> {
  return { context: { workspaceId: workspaceUuid, moduleKey }, eventType: 'avi:forge:pre-uninstall' };
}

/** A scheduled trigger's body: `{context:{workspaceId, moduleKey}}` ([UNVERIFIED], as for Jira). */
export function bbTickBody(workspaceUuid: string, moduleKey: string): Record<string, unknown> {
  return { context: { workspaceId: workspaceUuid, moduleKey } };
}

/** What a pull-request product event is about. */
export interface BbPullRequestEventInput {
  event: BbForgePullRequestEvent;
  context: string;
  workspaceUuid: string;
  repository: BbRepository;
  pullRequest: BbPullRequest;
  actor: BbUser;
  author: BbUser;
  nowMs: number;
  selfGenerated: boolean;
}

// Longest title sent whole; longer ones are cut and flagged `truncated` (the limit is [UNVERIFIED]).
const TITLE_LIMIT = 255;

const user = (u: BbUser) => ({ type: 'user', accountId: u.accountId, uuid: u.uuid });

/**
 * A pull-request product event (bitbucket-cloud.md §2.4): `eventType`, `timestamp` (ISO 8601),
 * `selfGenerated`, `actor`, `repository`, `project`, `workspace`, `pullrequest` (id, state,
 * source/destination branch and 12-character commit hash, title `{value, truncated}`, author,
 * createdOn/updatedOn, comment and task counts) and the installation `context`. Uuids braced as
 * Bitbucket writes them; the repository's project is a stable made-up uuid (the model has none).
 */
export function bbPullRequestEventBody(input: BbPullRequestEventInput, projectUuid: string): Record<string, unknown> {
  const { pullRequest: pr, repository } = input;
  const tip = pr.commitHashes[pr.commitHashes.length - 1] ?? pr.destinationHash;
  return {
    eventType: input.event,
    timestamp: new Date(input.nowMs).toISOString(),
    selfGenerated: input.selfGenerated,
    actor: user(input.actor),
    repository: { uuid: repository.uuid, slug: repository.slug },
    project: { uuid: projectUuid },
    workspace: { uuid: input.workspaceUuid },
    pullrequest: {
      id: pr.id,
      state: pr.state,
      source: { branch: { name: pr.sourceBranch }, commit: { hash: tip.slice(0, 12) } },
      destination: { branch: { name: pr.destinationBranch }, commit: { hash: pr.destinationHash.slice(0, 12) } },
      title: { value: pr.title.slice(0, TITLE_LIMIT), truncated: pr.title.length > TITLE_LIMIT },
      author: { ...user(input.author), displayName: input.author.displayName },
      createdOn: new Date(pr.createdOnMs).toISOString(),
      updatedOn: new Date(pr.updatedOnMs).toISOString(),
      commentCount: 0,
      taskCount: 0,
    },
    context: input.context,
  };
}
