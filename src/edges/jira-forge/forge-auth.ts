import { invokeRemoteAnswers } from './invoke-remote-answers.js';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../platform/app-error.js';
import type { TallyEnv } from '../../http/tally-env.js';
import type { ForgeTenants } from './forge-tenants.js';
import { extractInvocationToken, type ForgeInvocation, type InvocationTokenVerifier } from '../kit/invocation-token.js';

/** Hono environment of the `/forge/*` routes: Tally's, plus the verified invocation. */
export interface ForgeEnv {
  Variables: TallyEnv['Variables'] & {
    /** What the request's invocation token proved (src/edges/kit/invocation-token.ts). */
    forgeInvocation: ForgeInvocation;
  };
}

/** The module type of trigger, event and lifecycle invocations (`app.module.type`, forge-migration.md §3.3). */
const TRIGGER_MODULE_TYPE = 'core:endpoint';

/**
 * Authentication of the routes Forge itself calls (lifecycle, events, ticks, preUninstall): a
 * valid invocation token (401 otherwise) that no user carries. A Custom UI user can make Forge
 * call any remote path with `invokeRemote` — with a valid token for their own installation — so a
 * token with a `principal`, or of a UI module, is refused here (403): no user can fake a tick,
 * an install or an uninstall.
 */
export function forgeTriggerAuth(verifier: InvocationTokenVerifier): MiddlewareHandler<ForgeEnv> {
  return async (c, next) => {
    const invocation = await verifier.verify(extractInvocationToken(c.req.header('authorization')));
    if (invocation.accountId !== undefined || (invocation.moduleType !== undefined && invocation.moduleType !== TRIGGER_MODULE_TYPE)) {
      throw new AppError('AUTH_FORBIDDEN', 'This route is called by Forge triggers only, not from a user interface');
    }
    c.set('forgeInvocation', invocation);
    await next();
  };
}

/**
 * Authentication of Tally's `/api/*` routes for a Custom UI call (`invokeRemote`): a valid
 * invocation token (401 otherwise) with a `principal`, of an installed tenant (403 otherwise —
 * 401 is reserved for token failures, forge-migration.md §3.2). Sets `tenant` (from the token's
 * claims only) and `accountId` (from `principal` only), as the Connect edge does.
 */
export function forgeApiAuth(verifier: InvocationTokenVerifier, tenants: Pick<ForgeTenants, 'findInstalled'>): MiddlewareHandler<TallyEnv> {
  return async (c, next) => {
    const invocation = await verifier.verify(extractInvocationToken(c.req.header('authorization')));
    if (invocation.accountId === undefined) throw new AppError('AUTH_FORBIDDEN', 'Tally answers Forge user interface calls with a signed-in user only');
    const tenant = await tenants.findInstalled(invocation);
    if (!tenant) throw new AppError('AUTH_FORBIDDEN', 'Tally is not installed on this site');
    c.set('tenant', tenant);
    c.set('accountId', invocation.accountId);
    // The user's token (x-forge-oauth-user) serves this request's user-initiated reads (the JQL
    // filter runs as them), and only them: it is never stored, logged or used after the answer.
    const userToken = c.req.header(USER_TOKEN_HEADER);
    if (userToken) c.set('viewerJiraAccess', { baseUrl: invocation.apiBaseUrl, authorize: async () => `Bearer ${userToken}` });
    // Writes (log work, the timer) go with the same user token: Jira records the viewer as the
    // author, as Forge's `requestJira` as the user would (forge-migration.md §3.4).
    c.set('viewerWriteAccess', userToken ? { baseUrl: invocation.apiBaseUrl, authorize: async () => `Bearer ${userToken}` } : undefined);
    c.set('viewerWriteUnavailableReason', userToken ? undefined : 'Forge did not pass your user token with this call (appUserToken), so Tally cannot write to Jira as you.');
    await answersForInvokeRemote(c, next);
  };
}

const answersForInvokeRemote = invokeRemoteAnswers();

/** The header Forge puts the user's OAuth token in, on UI calls with `appUserToken` enabled. */
export const USER_TOKEN_HEADER = 'x-forge-oauth-user';
