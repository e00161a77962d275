import { Hono, type Context } from 'hono';
import type { BitbucketInstallationId, BitbucketInstallations } from '../bitbucket/bitbucket-installations.js';
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

/** Dependencies of {@link bitbucketLinkRoutes}. */
export interface BitbucketLinkDeps {
  installations: Pick<BitbucketInstallations, 'createPairingCode' | 'listLinked' | 'unlinkFromTenant'>;
  isSiteAdmin: SiteAdminCheck;
}

const INSTALLATION_ID = /^bb_[0-9a-f]{24}$/;

/** The verified tenant, once its account is proven a Jira site admin; 401 without an account, 403 for anyone else. */
async function requireSiteAdmin(c: Context<TallyEnv>, isSiteAdmin: SiteAdminCheck): Promise<TenantId> {
  const tenant = c.get('tenant');
  const accountId = c.get('accountId');
  if (accountId === undefined) throw new AppError('AUTH_MISSING', 'Linking Bitbucket workspaces needs a signed-in Jira user');
  if (!(await isSiteAdmin(tenant.id, accountId))) throw new AppError('AUTH_FORBIDDEN', 'Only a Jira site admin can link Bitbucket workspaces');
  return tenant.id;
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/**
 * The Jira side of linking Bitbucket workspaces (issue 13), behind `/api`'s authentication: the
 * tenant and the account come only from the verified token, and every route is for Jira site
 * admins only, asked live of Jira. A workspace is named by Tally's installation id, never a
 * Bitbucket key. See docs/api.md.
 */
export function bitbucketLinkRoutes(deps: BitbucketLinkDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();

  /** A new one-time code, shown once: only its hash is stored. */
  routes.post('/api/bitbucket/pairing-codes', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin);
    const { code, expiresAtMs } = await deps.installations.createPairingCode(tenantId);
    c.header('cache-control', 'no-store');
    return c.json({ code, expiresAt: isoOf(expiresAtMs) }, 201);
  });

  /** The workspaces linked to this site: who installed the app there, and since when. */
  routes.get('/api/bitbucket/workspaces', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin);
    const linked = await deps.installations.listLinked(tenantId);
    return c.json({
      workspaces: linked.map((installation) => ({
        id: installation.id,
        edge: installation.edge,
        installer: { username: installation.installer.username, avatarUrl: installation.installer.avatarUrl },
        linkedAt: isoOf(installation.linkedAtMs ?? installation.createdAtMs),
      })),
    });
  });

  /** Unlinks a workspace from this site; a workspace linked elsewhere, or not at all, is not found. */
  routes.delete('/api/bitbucket/workspaces/:id', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin);
    const id = c.req.param('id');
    const unlinked = INSTALLATION_ID.test(id) && (await deps.installations.unlinkFromTenant(tenantId, id as BitbucketInstallationId));
    if (!unlinked) throw new AppError('NOT_FOUND', 'No Bitbucket workspace with this id is linked to this site');
    return c.body(null, 204);
  });

  return routes;
}
