import { buildFitEnvelope, ENDPOINT_MODULE_TYPE, type FitApp } from '../../forge/fit-claims.js';

/** The app and installation a Bitbucket FIT speaks for; `apiBaseUrl` is Bitbucket's (`https://api.bitbucket.org`, or the simulator's loopback address). */
export interface BbFitSubject extends FitApp {
  /** The workspace, braced as Bitbucket writes it (`{…}`). */
  workspaceUuid: string;
}

/** What a Custom UI module tells the remote about where it is shown (`context.extension`, §2.2). */
export interface BbForgeExtension {
  /** The module type, e.g. `bitbucket:repoPullRequestOverviewPanel`. */
  type: string;
  repository?: { uuid: string };
  pullRequest?: { id: number };
}

/** A trigger/lifecycle endpoint, or a Custom UI module invoked by a user. */
export type BbFitInvocation =
  | { kind: 'endpoint'; endpointKey: string }
  | { kind: 'ui'; moduleKey: string; localId: string; extension: BbForgeExtension; accountId: string };

/**
 * A Bitbucket FIT's claims (bitbucket-cloud.md §2.2, `remote/essentials`): `aud` = the app's ARI,
 * `app.installation.contexts: [{ name: 'bitbucket', apiBaseUrl, workspaceId }]` with the uuid
 * **without** braces, and `context.workspaceId` **with** braces. Unlike the Jira simulator, every
 * FIT carries `context.workspaceId` (backend ones too — [UNVERIFIED]); UI ones add the module's
 * `moduleKey`, `localId`, `extension`, and `principal` = the viewer's account id.
 */
export function buildBbFitClaims(subject: BbFitSubject, invocation: BbFitInvocation, nowMs: number, fitTtlMs: number): Record<string, unknown> {
  const bareWorkspace = subject.workspaceUuid.replace(/^\{|\}$/g, '');
  const module = invocation.kind === 'endpoint' ? { type: ENDPOINT_MODULE_TYPE, key: invocation.endpointKey } : { type: invocation.extension.type, key: invocation.moduleKey };
  const claims = buildFitEnvelope(subject, { name: 'bitbucket', apiBaseUrl: subject.apiBaseUrl, workspaceId: bareWorkspace }, module, nowMs, fitTtlMs);
  if (invocation.kind === 'endpoint') return { ...claims, context: { workspaceId: subject.workspaceUuid } };
  return {
    ...claims,
    context: { workspaceId: subject.workspaceUuid, moduleKey: invocation.moduleKey, localId: invocation.localId, extension: invocation.extension },
    principal: invocation.accountId,
  };
}
