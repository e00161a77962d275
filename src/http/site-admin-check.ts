import type { Context } from 'hono';
import type { JiraClient } from '../jira/jira-client.js';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type { TallyEnv } from './tally-env.js';

/** Whether an account is a site admin of a Jira tenant, as Jira answers now (or within the last minute). */
export type SiteAdminCheck = (tenantId: TenantId, accountId: string) => Promise<boolean>;

/** Dependencies of {@link createSiteAdminCheck}. */
export interface SiteAdminCheckDeps {
  /** A Jira client calling as the app for the tenant (its credentials, never the viewer's). */
  appClientFor(tenantId: TenantId): Promise<Pick<JiraClient, 'checkPermissions'>>;
  clock: Clock;
  /** How long an answer is reused; at most 60 s, so a revoked admin loses access within a minute. */
  ttlMs?: number;
  /** Most answers kept; the oldest go first. */
  maxEntries?: number;
}

const ADMIN_ANSWER_TTL_MS = 60_000;

/**
 * Asks Jira, as the app, whether the account holds the global `ADMINISTER` permission (Jira
 * administrators: `POST /rest/api/3/permissions/check` with `accountId` — an app may ask about
 * any account from its server, OpenAPI excerpt). Answers, yes and no alike, are kept in memory
 * per (tenant, account) for at most 60 s; a failed question is not kept and fails the request
 * (`JIRA_*`), so nobody is let in on an error.
 */
export function createSiteAdminCheck({ appClientFor, clock, ttlMs = ADMIN_ANSWER_TTL_MS, maxEntries = 10_000 }: SiteAdminCheckDeps): SiteAdminCheck {
  const answers = new Map<string, { isAdmin: boolean; expiresAtMs: number }>();
  const lifetimeMs = Math.min(ttlMs, ADMIN_ANSWER_TTL_MS);
  return async (tenantId, accountId) => {
    const key = JSON.stringify([tenantId, accountId]);
    const kept = answers.get(key);
    if (kept && kept.expiresAtMs > clock.nowMs()) return kept.isAdmin;
    answers.delete(key);
    const grants = await (await appClientFor(tenantId)).checkPermissions({ accountId, globalPermissions: ['ADMINISTER'] });
    const isAdmin = grants.globalPermissions.has('ADMINISTER');
    // A Map iterates in insertion order: the first key is the oldest answer.
    if (answers.size >= maxEntries) answers.delete(answers.keys().next().value!);
    answers.set(key, { isAdmin, expiresAtMs: clock.nowMs() + lifetimeMs });
    return isAdmin;
  };
}

/**
 * The verified tenant, once its account is proven a Jira site admin: 401 `AUTH_MISSING` without an
 * account, 403 `AUTH_FORBIDDEN` for anyone else. `action` completes the messages ("link Bitbucket
 * workspaces", "open the admin page or act on it").
 */
export async function requireSiteAdmin(c: Context<TallyEnv>, isSiteAdmin: SiteAdminCheck, action: string): Promise<TenantId> {
  const tenant = c.get('tenant');
  const accountId = c.get('accountId');
  if (accountId === undefined) throw new AppError('AUTH_MISSING', `Only a signed-in Jira site admin can ${action}`);
  if (!(await isSiteAdmin(tenant.id, accountId))) throw new AppError('AUTH_FORBIDDEN', `Only a Jira site admin can ${action}`);
  return tenant.id;
}
