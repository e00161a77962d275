import { Hono, type Context } from 'hono';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { Logger } from '../../platform/logger.js';
import { readJson } from '../../http/read-json.js';
import type { AuditEvent, AuditLog } from '../../tenants/audit-log.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { TenantId } from '../../tenants/tenant.js';
import { forgeTriggerAuth, type ForgeEnv } from './forge-auth.js';
import { assertSameInstallation, lifecycleEventOf, readWorklogDelivery, unwrapDelivery } from './forge-payloads.js';
import { fetchSiteUrl } from './forge-site-url.js';
import type { ForgeTenants } from './forge-tenants.js';
import type { ForgeInstallationStore } from './forge-installation-store.js';
import type { ForgeTokenStore } from './forge-token-store.js';
import type { InvocationTokenVerifier } from '../kit/invocation-token.js';

/** The paths Forge calls: the manifest's `endpoint[].route.path` (forge/manifest.yml). */
export const FORGE_ROUTES = {
  lifecycle: '/forge/lifecycle',
  events: '/forge/events',
  tick: '/forge/tick',
  preUninstall: '/forge/pre-uninstall',
} as const;

/** The header carrying the app system token on trigger invocations (forge-migration.md §3.3). */
export const SYSTEM_TOKEN_HEADER = 'x-forge-oauth-system';

/**
 * Forge waits 5 s for a trigger's answer (forge-migration.md §3.5); serverInfo gets at most this
 * during an install, and the site URL is fetched again after a later tick when it did not answer.
 */
const INSTALL_SITE_URL_TIMEOUT_MS = 2_000;

/** What the Forge routes need. */
export interface ForgeRoutesDeps {
  verifier: InvocationTokenVerifier;
  installations: Pick<ForgeInstallationStore, 'findByInstallationId' | 'recordInstall' | 'recordTick'>;
  tenants: ForgeTenants;
  tokens: ForgeTokenStore;
  audit: AuditLog;
  events: TenantEvents;
  clock: Clock;
  fetch: Fetch;
  logger: Logger;
  /** Queues the tenant's incremental sync (the sync service's `requestSync(id, 'auto')`); never runs it inline. */
  requestSync(tenantId: TenantId): void;
  /** Queues a new attempt to read the site URL from serverInfo (a job, see forge-edge.ts). */
  requestSiteUrl(tenantId: TenantId): void;
}

/** A body that is absent or not JSON reads as `{}`: ticks and preUninstall carry nothing Tally needs. */
async function readOptionalJson(c: Context): Promise<unknown> {
  try {
    return await readJson(c);
  } catch {
    return {};
  }
}

/**
 * The routes Forge calls on the remote. Each one: the invocation token first (401 for any token
 * failure, 403 for a user's token), then the body's agreement with it (401), and only then any
 * write; every answer is quick (Forge waits 5 s) and the real work is queued.
 */
export function forgeRoutes(deps: ForgeRoutesDeps): Hono<ForgeEnv> {
  const routes = new Hono<ForgeEnv>();
  const triggerAuth = forgeTriggerAuth(deps.verifier);
  const systemTokenOf = (c: Context<ForgeEnv>) => c.req.header(SYSTEM_TOKEN_HEADER)?.trim() || undefined;

  /**
   * `avi:forge:installed:app` / `avi:forge:upgraded:app`: register (or re-key, or revive) the
   * tenant, keep the delivered token, start the sync. Permissions may arrive minutes after the
   * event: a refused serverInfo leaves the API base URL as a stand-in for the site URL (a later
   * tick fetches it), and the sync's refused first calls are retried by the next ticks.
   */
  routes.post(FORGE_ROUTES.lifecycle, triggerAuth, async (c) => {
    const invocation = c.get('forgeInvocation');
    const event = unwrapDelivery(await readJson(c));
    assertSameInstallation(event, invocation);
    const eventType = lifecycleEventOf(event);
    if (!eventType) {
      deps.logger.info({ event: 'forge_lifecycle_ignored' }, 'Forge lifecycle event Tally does not act on');
      return c.body(null, 204);
    }
    const known = await deps.installations.findByInstallationId(invocation.installationId);
    if (known && known.forge.cloudId !== invocation.cloudId) throw new AppError('AUTH_FORBIDDEN', 'This installation is registered for another site');
    const systemToken = systemTokenOf(c);
    const site = systemToken ? await fetchSiteUrl({ fetch: deps.fetch, apiBaseUrl: invocation.apiBaseUrl, token: systemToken, timeoutMs: INSTALL_SITE_URL_TIMEOUT_MS }) : undefined;
    const outcome = await deps.installations.recordInstall({
      installationId: invocation.installationId,
      cloudId: invocation.cloudId,
      apiBaseUrl: invocation.apiBaseUrl,
      product: 'jira',
      siteUrl: site?.ok ? site.siteUrl : undefined,
    });
    const { tenant } = outcome;
    if (systemToken) await deps.tokens.storeSystemToken(tenant.id, systemToken);
    const auditEvent: AuditEvent = outcome.created
      ? 'tenant.installed'
      : outcome.previousInstallationId !== undefined
        ? 'tenant.rekeyed'
        : eventType === 'avi:forge:upgraded:app' && !outcome.reinstalled
          ? 'tenant.upgraded'
          : 'tenant.reinstalled';
    const reason = eventType === 'avi:forge:installed:app' ? 'forge_installed' : 'forge_upgraded';
    // The API base URL stands in for a site URL serverInfo did not give yet: not a site URL to audit.
    const siteUrl = tenant.baseUrl !== invocation.apiBaseUrl ? tenant.baseUrl : undefined;
    await deps.audit.appendAudit(auditEvent, tenant.id, { product: tenant.product, baseUrl: siteUrl, reason });
    deps.logger.info({ event: 'installed', platform: 'forge', tenantId: tenant.id, created: outcome.created, reinstalled: outcome.reinstalled, siteUrlKnown: site?.ok === true }, 'Forge tenant registered');
    deps.events.emit('installed', { tenantId: tenant.id, created: outcome.created, reinstalled: outcome.reinstalled });
    return c.body(null, 204);
  });

  /** `avi:jira:*:worklog`: the same hint a Connect webhook gives the sync; 202 even when unread (polling repairs). */
  routes.post(FORGE_ROUTES.events, triggerAuth, async (c) => {
    const invocation = c.get('forgeInvocation');
    let body: unknown;
    try {
      body = await readJson(c);
    } catch {
      body = undefined;
    }
    const event = unwrapDelivery(body);
    assertSameInstallation(event, invocation);
    const tenant = await deps.tenants.findInstalled(invocation);
    if (!tenant) return c.body(null, 202);
    const delivery = readWorklogDelivery(event, invocation.installationId);
    if (delivery.kind === 'unreadable') {
      deps.logger.warn({ event: 'forge_event_unreadable', tenantId: tenant.id }, 'Forge event not understood; polling will catch up');
    } else if (delivery.kind === 'hint') {
      deps.events.emit('worklogWebhook', { tenantId: tenant.id, ...delivery.hint });
    }
    return c.body(null, 202);
  });

  /**
   * The `fiveMinute` scheduled trigger: keep the fresher system token, record the tick (clears a
   * suspected uninstall), queue the incremental sync. Answers at once; the sync runs on the queue.
   */
  routes.post(FORGE_ROUTES.tick, triggerAuth, async (c) => {
    const invocation = c.get('forgeInvocation');
    assertSameInstallation(unwrapDelivery(await readOptionalJson(c)), invocation);
    const tenant = await deps.tenants.findInstalled(invocation);
    if (!tenant) {
      deps.logger.info({ event: 'forge_tick_ignored' }, 'Forge tick for an installation Tally does not hold as installed');
      return c.body(null, 204);
    }
    const systemToken = systemTokenOf(c);
    if (systemToken) await deps.tokens.storeSystemToken(tenant.id, systemToken);
    const tick = await deps.installations.recordTick(tenant.id, deps.clock.nowMs());
    if (tick?.suspicionCleared) {
      deps.logger.info({ event: 'forge_suspicion_cleared', tenantId: tenant.id }, 'Forge tick arrived; suspected uninstall cleared');
      await deps.audit.appendAudit('tenant.uninstall_suspicion_cleared', tenant.id, { reason: 'tick_received' });
    }
    deps.requestSync(tenant.id);
    if (tenant.baseUrl === tenant.forge.apiBaseUrl) deps.requestSiteUrl(tenant.id);
    return c.body(null, 204);
  });

  /** `preUninstall`: the same purge as a Connect uninstall. Idempotent; an unknown installation is a no-op. */
  routes.post(FORGE_ROUTES.preUninstall, triggerAuth, async (c) => {
    const invocation = c.get('forgeInvocation');
    assertSameInstallation(unwrapDelivery(await readOptionalJson(c)), invocation);
    const tenant = await deps.tenants.findInstalled(invocation);
    if (tenant) await deps.tenants.uninstall(tenant, 'forge_pre_uninstall');
    return c.body(null, 204);
  });

  return routes;
}
