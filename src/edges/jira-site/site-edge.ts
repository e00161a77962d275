import { Hono } from 'hono';
import type { JiraSiteConfig } from '../../config/load-config.js';
import type { TallyEnv } from '../../http/tally-env.js';
import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Tenant, TenantId } from '../../tenants/tenant.js';
import type { EdgeHost, EdgeTenantStatus, PlatformEdge } from '../edge.js';
import { basicAuthorization } from './basic-authorization.js';
import { createSiteAccess, type SiteViewer } from './site-access.js';
import { connectToSite, type SiteConnection } from './site-connection.js';
import { createSiteInstallationStore } from './site-installation-store.js';
import { createSiteJiraAccess } from './site-jira-access.js';
import { probeJira } from './site-probe.js';
import { siteWebhookRoutes, SITE_WEBHOOK_PATH } from './site-webhook-routes.js';
import { createTokenWatch, TOKEN_REJECTED_STATUS } from './token-watch.js';

/** The value the registry keeps in `platform` for the site's tenant. */
export const SITE_PLATFORM = 'site';


/** The site edge, built; `viewer()` is what the page's API calls act as. */
export interface SiteEdge extends PlatformEdge {
  viewer(): Promise<SiteViewer | undefined>;
}

/**
 * The self-hosted site edge: one team's own Jira site reached with an API token from the
 * environment. `start()` checks the token (site-connection.ts), records the site and emits
 * `installed`; Jira is called with Basic auth on the base the token works on, and a token Jira
 * refuses while Tally runs pauses the site (token-watch.ts): `forTenant` answers undefined, so
 * sync jobs skip without writing, and `tenantStatus` says why. In a process that did not start
 * the edge (the CLI), the stored record says where to call Jira and whether a refusal was seen.
 */
export function createSiteEdge(host: EdgeHost, site: JiraSiteConfig): SiteEdge {
  const { clock, logger } = host;
  const store = createSiteInstallationStore(host.control.db);
  const authorization = basicAuthorization(site.email, site.apiToken);
  let started: { connection: SiteConnection; tenantId: TenantId; access: TenantJiraAccess } | undefined;
  // The tenant the watch guards: the started one, or the one a CLI process first called Jira for.
  let watchedTenantId: TenantId | undefined;
  let watchedBaseUrl: string | undefined;

  const watch = createTokenWatch({
    clock,
    logger,
    async isTokenAccepted() {
      if (watchedBaseUrl === undefined) return true;
      const answer = await probeJira(host.fetch, `${watchedBaseUrl}/rest/api/3/myself`, authorization, host.config.jiraTimeoutMs, 'GET /rest/api/3/myself');
      return answer.kind !== 'rejected';
    },
    async onPaused(atMs) {
      if (watchedTenantId !== undefined) await store.recordRejected(watchedTenantId, atMs);
    },
  });

  const accessOn = (apiBaseUrl: string) => createSiteJiraAccess({ apiBaseUrl, authorization, onRejected: (rejection) => watch.noteRejected(rejection) });

  /**
   * The site's tenant: one per cloud id, whatever the site's URL becomes (§1.3), created with its
   * row in one transaction — the tenant insert first (SQLite's write lock at once), the unique
   * cloud id deciding a race of two starts; a known site's tenant is returned whatever its state.
   */
  function recordSite(connection: SiteConnection): Promise<{ tenant: Tenant; created: boolean }> {
    return host.registry.transaction(async (tx) => {
      const minted = await tx.createTenant({ platform: SITE_PLATFORM, product: 'jira', baseUrl: site.siteUrl });
      const rows = createSiteInstallationStore(tx.db);
      if (await rows.insertNew({ tenantId: minted.id, cloudId: connection.cloudId, siteUrl: site.siteUrl, apiBaseUrl: connection.apiBaseUrl, checkedAtMs: clock.nowMs() })) return { tenant: minted, created: true };
      await tx.discardTenant(minted.id);
      const known = await rows.findByCloudId(connection.cloudId);
      const tenant = known && (await tx.findTenant(known.tenantId));
      if (!tenant) throw new AppError('INTERNAL', 'The site\'s installation names no tenant');
      return { tenant, created: false };
    });
  }

  async function start(): Promise<void> {
    const connection = await connectToSite({ site, fetch: host.fetch, clock, timeoutMs: host.config.jiraTimeoutMs });
    const { tenant, created } = await recordSite(connection);
    await store.recordChecked({ tenantId: tenant.id, cloudId: connection.cloudId, siteUrl: site.siteUrl, apiBaseUrl: connection.apiBaseUrl, checkedAtMs: clock.nowMs() });
    started = { connection, tenantId: tenant.id, access: accessOn(connection.apiBaseUrl) };
    watchedTenantId = tenant.id;
    watchedBaseUrl = connection.apiBaseUrl;
    logger.info({ tenantId: tenant.id, cloudId: connection.cloudId, apiBaseUrl: connection.apiBaseUrl, tokenKind: connection.tokenKind, created }, 'site edge connected; Jira accepts the API token');
    host.events.emit('installed', { tenantId: tenant.id, created, reinstalled: false });
    // The sync may not follow events yet when edges start first; a queued `auto` continues
    // whatever is due (the full sync of a new site, or from the stored cursors).
    host.requestSync(tenant.id);
  }

  async function forTenant(tenantId: TenantId): Promise<TenantJiraAccess | undefined> {
    if (started) return started.tenantId === tenantId && !watch.isPaused() ? started.access : undefined;
    // Not started here (a CLI process): the record of the last start says where the token works.
    const installation = await store.findByTenant(tenantId);
    if (!installation || installation.siteUrl !== site.siteUrl || (watchedTenantId !== undefined && watchedTenantId !== tenantId)) return undefined;
    if (watch.isPaused()) return undefined;
    watchedTenantId = tenantId;
    watchedBaseUrl = installation.apiBaseUrl;
    return accessOn(installation.apiBaseUrl);
  }

  async function tenantStatus(tenantId: TenantId): Promise<EdgeTenantStatus | undefined> {
    if (watch.isPaused() && watchedTenantId === tenantId) return TOKEN_REJECTED_STATUS;
    if (started?.tenantId === tenantId) return { state: 'ok' };
    // Another process (the server) records a refusal it saw; a start with a good token clears it.
    const installation = await store.findByTenant(tenantId);
    if (!installation) return undefined;
    return installation.tokenRejectedAtMs === undefined ? { state: 'ok' } : TOKEN_REJECTED_STATUS;
  }

  async function viewer(): Promise<SiteViewer | undefined> {
    if (!started) return undefined;
    const tenant: Tenant | undefined = await host.registry.findTenant(started.tenantId);
    return tenant && { tenant, accountId: started.connection.accountId, jiraAccess: started.access };
  }

  const access = createSiteAccess({ db: host.control.db, clock, baseUrl: host.config.baseUrl, viewer });
  const routes = new Hono<TallyEnv>();
  routes.route('/', siteWebhookRoutes({ secret: site.webhookSecret, tenantId: () => started?.tenantId, events: host.events, logger }));
  routes.route('/', access.routes);

  return {
    id: 'jira-site',
    summary: `${site.siteUrl} with an API token (${site.webhookSecret ? `admin webhook at ${SITE_WEBHOOK_PATH}, ` : ''}polling every ${host.config.syncIntervalSeconds} s)`,
    owns: (tenant) => tenant.platform === SITE_PLATFORM,
    routes,
    api: access.api,
    jiraCredentials: { forTenant },
    start,
    tenantStatus,
    viewer,
    close: () => watch.settled(),
  };
}
