import { randomUUID } from 'node:crypto';
import { FIT_ISSUER } from '../../forge/fit-claims.js';

/** The app and installation a Bitbucket FIT speaks for. */
export interface BbFitSubject {
  appId: string;
  appVersion: string;
  environmentId: string;
  /** `ari:cloud:ecosystem::installation/<uuid>`. */
  installationId: string;
  /** The workspace, braced as Bitbucket writes it (`{…}`). */
  workspaceUuid: string;
  /** The Bitbucket API base (`https://api.bitbucket.org`, or the simulator's loopback address). */
  apiBaseUrl: string;
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
  const iat = Math.floor(nowMs / 1000);
  const bareWorkspace = subject.workspaceUuid.replace(/^\{|\}$/g, '');
  const claims: Record<string, unknown> = {
    iss: FIT_ISSUER,
    aud: subject.appId,
    iat,
    nbf: iat,
    exp: iat + Math.ceil(fitTtlMs / 1000),
    jti: randomUUID(),
    app: {
      id: subject.appId,
      appVersion: subject.appVersion,
      environment: { type: 'PRODUCTION', id: subject.environmentId },
      installationId: subject.installationId,
      apiBaseUrl: subject.apiBaseUrl,
      installation: {
        id: subject.installationId,
        contexts: [{ name: 'bitbucket', apiBaseUrl: subject.apiBaseUrl, workspaceId: bareWorkspace }],
      },
      module: invocation.kind === 'endpoint' ? { type: 'core:endpoint', key: invocation.endpointKey } : { type: invocation.extension.type, key: invocation.moduleKey },
    },
    context: { workspaceId: subject.workspaceUuid },
  };
  if (invocation.kind === 'ui') {
    claims.context = { workspaceId: subject.workspaceUuid, moduleKey: invocation.moduleKey, localId: invocation.localId, extension: invocation.extension };
    claims.principal = invocation.accountId;
  }
  return claims;
}
