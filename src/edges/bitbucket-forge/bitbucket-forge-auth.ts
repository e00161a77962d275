import type { MiddlewareHandler } from 'hono';
import type { TallyEnv } from '../../http/tally-env.js';
import { AppError } from '../../platform/app-error.js';
import type { BitbucketForgeInvocation, BitbucketInvocationTokenVerifier } from '../kit/bitbucket-invocation-token.js';
import { extractInvocationToken } from '../kit/invocation-token.js';

/** Hono environment of the `/bitbucket/forge/*` routes: Tally's, plus the verified invocation. */
export interface BitbucketForgeEnv {
  Variables: TallyEnv['Variables'] & {
    /** What the request's invocation token proved (src/edges/kit/bitbucket-invocation-token.ts). */
    bitbucketInvocation: BitbucketForgeInvocation;
  };
}

/** The module type of trigger, lifecycle and pre-uninstall invocations (`app.module.type`). */
const TRIGGER_MODULE_TYPE = 'core:endpoint';

/** The UI modules of Tally's Bitbucket Forge app (manifest/bitbucket-forge-manifest.ts). */
export const BITBUCKET_UI_MODULE_TYPES = Object.freeze({
  pullRequestPanel: 'bitbucket:repoPullRequestOverviewPanel',
  repositoryPage: 'bitbucket:repoMainMenuPage',
  workspaceSettings: 'bitbucket:workspaceSettingsMenuPage',
} as const);

const UI_MODULE_TYPES: ReadonlySet<string> = new Set(Object.values(BITBUCKET_UI_MODULE_TYPES));

/** The header carrying the app system token (forge-migration.md §3.3). */
export const SYSTEM_TOKEN_HEADER = 'x-forge-oauth-system';

/**
 * Authentication of the routes Forge itself calls (lifecycle, tick, pre-uninstall): a valid
 * Bitbucket invocation token (401 otherwise) that no user carries. A page's user can make Forge
 * call any path of the remote with `invokeRemote`, with a valid token of their own workspace, so
 * a token with a `principal` or of a UI module is refused (403): no user fakes an uninstall.
 */
export function bitbucketTriggerAuth(verifier: BitbucketInvocationTokenVerifier): MiddlewareHandler<BitbucketForgeEnv> {
  return async (c, next) => {
    const invocation = await verifier.verify(extractInvocationToken(c.req.header('authorization')));
    if (invocation.accountId !== undefined || invocation.moduleType !== TRIGGER_MODULE_TYPE) {
      throw new AppError('AUTH_FORBIDDEN', 'This route is called by Forge triggers only, not from a user interface');
    }
    c.set('bitbucketInvocation', invocation);
    await next();
  };
}

/**
 * Authentication of the page calls (`invokeRemote` from Tally's Custom UI): a valid token (401)
 * of one of Tally's UI modules with a signed-in viewer (403 otherwise — Forge reserves 401 for
 * token failures, forge-migration.md §3.2).
 */
export function bitbucketUiAuth(verifier: BitbucketInvocationTokenVerifier): MiddlewareHandler<BitbucketForgeEnv> {
  return async (c, next) => {
    const invocation = await verifier.verify(extractInvocationToken(c.req.header('authorization')));
    if (invocation.accountId === undefined) throw new AppError('AUTH_FORBIDDEN', 'Tally answers Bitbucket page calls with a signed-in user only');
    if (invocation.moduleType === undefined || !UI_MODULE_TYPES.has(invocation.moduleType)) throw new AppError('AUTH_FORBIDDEN', 'This call comes from no page of Tally\'s Bitbucket app');
    c.set('bitbucketInvocation', invocation);
    await next();
  };
}
