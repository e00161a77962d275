import type { Hono, MiddlewareHandler } from 'hono';
import type { Config } from '../../config/load-config.js';
import type { TallyEnv } from '../../http/tally-env.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { PeriodicSchedule } from '../../jobs/scheduler.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';
import { forgeApiAuth, type ForgeEnv } from './forge-auth.js';
import { forgeRoutes } from './forge-routes.js';
import { fetchSiteUrl } from './forge-site-url.js';
import { createForgeTenants } from './forge-tenants.js';
import type { ForgeTokenStore } from './forge-token-store.js';
import type { ForgeInstallationStore } from './forge-installation-store.js';
import { createInvocationTokenVerifier, type InvocationTokenVerifier } from '../kit/invocation-token.js';
import { suspectedUninstallTask, TICK_INTERVAL_MS } from './suspected-uninstall.js';

/** The queue job that reads a Forge site's URL once serverInfo answers (key: the tenant id). */
export const SITE_URL_JOB = 'forge-site-url';
const SITE_URL_TIMEOUT_MS = 10_000;

/** What {@link createForgeEdge} needs; built in the composition root. */
export interface ForgeEdgeDeps {
  config: Pick<Config, 'forgeJwksUrl' | 'forgeApiHosts' | 'forgeUninstallGraceHours'> & { forgeAppId: string };
  registry: TenantRegistry;
  installations: ForgeInstallationStore;
  tokens: ForgeTokenStore;
  audit: AuditLog;
  events: TenantEvents;
  queue: JobQueue;
  clock: Clock;
  fetch: Fetch;
  logger: Logger;
  /** Queues a tenant's incremental sync (the sync service's `requestSync(id, 'auto')`). */
  requestSync(tenantId: TenantId): void;
}

/** Tally's Forge Remote edge, ready to mount. */
export interface ForgeEdge {
  /** `/forge/lifecycle`, `/forge/events`, `/forge/tick`, `/forge/pre-uninstall`. */
  routes: Hono<ForgeEnv>;
  /** Authentication of `/api/*` for Custom UI calls (`Authorization: Bearer <FIT>`). */
  apiAuthentication: MiddlewareHandler<TallyEnv>;
  /** The periodic check for suspected uninstalls (every tick interval), to declare with the scheduler. */
  uninstallCheck: PeriodicSchedule;
  verifier: InvocationTokenVerifier;
}

/**
 * Builds the Forge edge: the invocation-token verifier (one key cache per process), the routes,
 * the `/api` authentication, the site-URL job on the queue and the suspected-uninstall task.
 * Nothing runs until the routes are mounted and the task scheduled.
 */
export function createForgeEdge(deps: ForgeEdgeDeps): ForgeEdge {
  const { registry, clock, logger } = deps;
  const verifier = createInvocationTokenVerifier({
    appId: deps.config.forgeAppId,
    jwksUrl: deps.config.forgeJwksUrl,
    allowedApiHosts: deps.config.forgeApiHosts,
    fetch: deps.fetch,
    clock,
    logger,
  });
  const tenants = createForgeTenants({ registry, installations: deps.installations, audit: deps.audit, events: deps.events, clock, logger });

  // Permissions arrive after the install (forge-migration.md §4): serverInfo is asked again from
  // the queue after later ticks, until it answers.
  deps.queue.register<{ tenantId: TenantId }>(SITE_URL_JOB, async ({ tenantId }) => {
    const tenant = await deps.installations.findByTenant(tenantId);
    if (!tenant || tenant.state !== 'installed' || tenant.baseUrl !== tenant.forge.apiBaseUrl) return;
    const token = await deps.tokens.findSystemToken(tenantId, clock.nowMs());
    if (!token) return;
    const answer = await fetchSiteUrl({ fetch: deps.fetch, apiBaseUrl: tenant.forge.apiBaseUrl, token: token.token, timeoutMs: SITE_URL_TIMEOUT_MS });
    if (!answer.ok) {
      logger.info({ event: 'forge_site_url_pending', tenantId, status: answer.status }, 'Forge site URL not readable yet; asked again after the next tick');
      return;
    }
    await deps.installations.setSiteUrl(tenantId, answer.siteUrl, clock.nowMs());
  });

  return {
    verifier,
    routes: forgeRoutes({
      verifier,
      installations: deps.installations,
      tenants,
      tokens: deps.tokens,
      audit: deps.audit,
      events: deps.events,
      clock,
      fetch: deps.fetch,
      logger,
      requestSync: deps.requestSync,
      requestSiteUrl: (tenantId) => deps.queue.enqueue({ kind: SITE_URL_JOB, key: tenantId, priority: 0, payload: { tenantId }, dedupe: SITE_URL_JOB }),
    }),
    apiAuthentication: forgeApiAuth(verifier, tenants),
    uninstallCheck: {
      name: 'forge-uninstall-check',
      everyMs: TICK_INTERVAL_MS,
      task: suspectedUninstallTask({
        installations: deps.installations,
        tokens: deps.tokens,
        tenants,
        audit: deps.audit,
        fetch: deps.fetch,
        clock,
        logger,
        graceMs: deps.config.forgeUninstallGraceHours * 3_600_000,
      }),
    },
  };
}
