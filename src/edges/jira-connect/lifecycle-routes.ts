import { Hono } from 'hono';
import { AppError } from '../../platform/app-error.js';
import type { Config } from '../../config/load-config.js';
import type { Logger } from '../../platform/logger.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { ConnectInstallationStore } from './connect-installation-store.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { readJson } from '../../http/read-json.js';
import { isAllowedBaseUrl } from './allowed-hosts.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_ROUTES } from './descriptor.js';
import { parseLifecyclePayload } from './lifecycle-payload.js';

/** What the lifecycle routes need. */
export interface LifecycleDeps {
  auth: ConnectAuthDeps;
  config: Pick<Config, 'appKey' | 'allowedHostSuffixes'>;
  registry: TenantRegistry;
  installations: ConnectInstallationStore;
  events: TenantEvents;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The Connect lifecycle (jira-connect-protocol.md §4.5): `installed`/`uninstalled` are RS256
 * signed by Atlassian and must name the token's issuer as `clientKey`; `enabled`/`disabled` are
 * HS256 with the stored secret. Every check runs before any write, so a refused delivery changes
 * nothing. Deliveries are idempotent, and `disabled` and `uninstalled` may come in either order.
 */
export function lifecycleRoutes(deps: LifecycleDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  const lifecycleAuth = connectAuth(deps.auth, { tokenClass: 'lifecycle' });
  const serverAuth = connectAuth(deps.auth, { tokenClass: 'server' });

  routes.post(CONNECT_ROUTES.installed, lifecycleAuth, async (c) => {
    const payload = parseLifecyclePayload(await readJson(c), 'installed');
    if (payload.clientKey !== c.get('lifecycleIssuer')) throw new AppError('AUTH_INVALID', 'Token issuer does not match clientKey');
    if (payload.key !== deps.config.appKey) throw new AppError('AUTH_INVALID', 'Install is for another app key');
    if (!payload.sharedSecret) throw new AppError('REQUEST_INVALID', 'Invalid lifecycle payload: sharedSecret');
    if (!isAllowedBaseUrl(payload.baseUrl, deps.config.allowedHostSuffixes)) {
      deps.logger.warn({ event: 'install_refused', reason: 'base URL not allowed' }, 'install refused');
      await deps.audit.appendAudit('tenant.install_rejected', undefined, { reason: 'base_url_not_allowed' });
      throw new AppError('AUTH_FORBIDDEN', 'The site base URL is not an allowed Atlassian host');
    }
    const outcome = await deps.installations.recordInstall({
      clientKey: payload.clientKey,
      product: 'jira',
      baseUrl: payload.baseUrl.replace(/\/+$/, ''),
      sharedSecret: payload.sharedSecret,
      oauthClientId: payload.oauthClientId,
    });
    deps.logger.info({ event: 'installed', tenantId: outcome.tenant.id, created: outcome.created, reinstalled: outcome.reinstalled }, 'tenant installed');
    await deps.audit.appendAudit(outcome.created ? 'tenant.installed' : 'tenant.reinstalled', outcome.tenant.id, { product: 'jira', baseUrl: outcome.tenant.baseUrl });
    deps.events.emit('installed', { tenantId: outcome.tenant.id, created: outcome.created, reinstalled: outcome.reinstalled });
    return c.body(null, 204);
  });

  routes.post(CONNECT_ROUTES.uninstalled, lifecycleAuth, async (c) => {
    const payload = parseLifecyclePayload(await readJson(c), 'uninstalled');
    if (payload.clientKey !== c.get('lifecycleIssuer')) throw new AppError('AUTH_INVALID', 'Token issuer does not match clientKey');
    const credentials = await deps.installations.findCredentialsByClientKey(payload.clientKey);
    // An uninstall for a site Tally never recorded changes nothing; answering 204 stops retries.
    if (!credentials) return c.body(null, 204);
    const wasInstalled = credentials.tenant.state === 'installed';
    await deps.registry.markUninstalled(credentials.tenant.id, deps.auth.clock.nowMs());
    if (wasInstalled) {
      deps.logger.info({ event: 'uninstalled', tenantId: credentials.tenant.id }, 'tenant uninstalled');
      await deps.audit.appendAudit('tenant.uninstalled', credentials.tenant.id);
      deps.events.emit('uninstalled', { tenantId: credentials.tenant.id });
    }
    return c.body(null, 204);
  });

  for (const [path, enabled] of [[CONNECT_ROUTES.enabled, true], [CONNECT_ROUTES.disabled, false]] as const) {
    routes.post(path, serverAuth, async (c) => {
      const payload = parseLifecyclePayload(await readJson(c), enabled ? 'enabled' : 'disabled');
      const tenant = c.get('tenant');
      if ((await deps.installations.findTenantIdByClientKey(payload.clientKey)) !== tenant.id) throw new AppError('AUTH_INVALID', 'Token issuer does not match clientKey');
      if (tenant.enabled !== enabled) {
        await deps.registry.setEnabled(tenant.id, enabled, deps.auth.clock.nowMs());
        await deps.audit.appendAudit(enabled ? 'tenant.enabled' : 'tenant.disabled', tenant.id);
        deps.events.emit('enabledChanged', { tenantId: tenant.id, enabled });
      }
      return c.body(null, 204);
    });
  }
  return routes;
}
