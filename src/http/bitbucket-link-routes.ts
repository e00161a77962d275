import { Hono, type Context } from 'hono';
import type { BitbucketInstallationId, BitbucketInstallations } from '../bitbucket/bitbucket-installations.js';
import { AppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import type { SiteAdminCheck } from './site-admin-check.js';
import type { TallyEnv } from './tally-env.js';

// The check moved to its own module (the admin routes use it too); re-exported for its callers.
export { createSiteAdminCheck, type SiteAdminCheck, type SiteAdminCheckDeps } from './site-admin-check.js';

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
