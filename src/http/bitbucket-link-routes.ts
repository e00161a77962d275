import { Hono } from 'hono';
import type { BitbucketInstallationId, BitbucketInstallations } from '../bitbucket/bitbucket-installations.js';
import { AppError } from '../platform/app-error.js';
import { requireSiteAdmin, type SiteAdminCheck } from './site-admin-check.js';
import type { TallyEnv } from './tally-env.js';

// The check moved to its own module (the admin routes use it too); re-exported for its callers.
export { createSiteAdminCheck, type SiteAdminCheck, type SiteAdminCheckDeps } from './site-admin-check.js';

/** Dependencies of {@link bitbucketLinkRoutes}. */
export interface BitbucketLinkDeps {
  installations: Pick<BitbucketInstallations, 'createPairingCode' | 'listLinked' | 'unlinkFromTenant'>;
  isSiteAdmin: SiteAdminCheck;
}

const INSTALLATION_ID = /^bb_[0-9a-f]{24}$/;

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
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'link Bitbucket workspaces');
    const { code, expiresAtMs } = await deps.installations.createPairingCode(tenantId);
    c.header('cache-control', 'no-store');
    return c.json({ code, expiresAt: isoOf(expiresAtMs) }, 201);
  });

  /** The workspaces linked to this site: who installed the app there, and since when. */
  routes.get('/api/bitbucket/workspaces', async (c) => {
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'link Bitbucket workspaces');
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
    const tenantId = await requireSiteAdmin(c, deps.isSiteAdmin, 'link Bitbucket workspaces');
    const id = c.req.param('id');
    const unlinked = INSTALLATION_ID.test(id) && (await deps.installations.unlinkFromTenant(tenantId, id as BitbucketInstallationId));
    if (!unlinked) throw new AppError('NOT_FOUND', 'No Bitbucket workspace with this id is linked to this site');
    return c.body(null, 204);
  });

  return routes;
}
