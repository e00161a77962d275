import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/app-error.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { Tenant } from '../../tenants/tenant.js';
import type { ForgeInstallationStore, ForgeTenant } from './forge-installation-store.js';
import type { ForgeInvocation } from '../kit/invocation-token.js';

/** What {@link createForgeTenants} needs. */
export interface ForgeTenantsDeps {
  registry: Pick<TenantRegistry, 'markUninstalled'>;
  installations: Pick<ForgeInstallationStore, 'findByInstallationId' | 'relink'>;
  audit: AuditLog;
  events: TenantEvents;
  clock: Clock;
  logger: Logger;
}

/** Finding and ending the tenant behind a verified invocation. */
export interface ForgeTenants {
  /**
   * The installed tenant of an invocation, or undefined (unknown, or uninstalled: only a lifecycle
   * event brings one back). An installation id Tally does not know, for the cloud id of an
   * installed tenant, re-keys that tenant (audited): installation ids "can change without any
   * lifecycle events" (forge-migration.md §3.3), cloud ids do not. Throws `AUTH_FORBIDDEN` when
   * the known installation is bound to another site than the token names.
   */
  findInstalled(invocation: ForgeInvocation): Promise<ForgeTenant | undefined>;
  /**
   * Marks the tenant uninstalled and, if it was installed, audits it and emits `uninstalled`: the
   * same purge as a Connect uninstall follows (src/privacy/purge/tenant-purge.ts). Idempotent.
   */
  uninstall(tenant: Tenant, reason: 'forge_pre_uninstall' | 'forge_uninstall_suspected'): Promise<void>;
}

/** Builds {@link ForgeTenants}. */
export function createForgeTenants(deps: ForgeTenantsDeps): ForgeTenants {
  return {
    async findInstalled(invocation) {
      const known = await deps.installations.findByInstallationId(invocation.installationId);
      if (known) {
        if (known.forge.cloudId !== invocation.cloudId) throw new AppError('AUTH_FORBIDDEN', 'This installation is registered for another site');
        return known.state === 'installed' ? known : undefined;
      }
      const relinked = await deps.installations.relink(invocation);
      if (!relinked) return undefined;
      deps.logger.warn({ event: 'forge_rekeyed', tenantId: relinked.tenant.id }, 'Forge installation id changed without a lifecycle event; tenant re-keyed');
      await deps.audit.appendAudit('tenant.rekeyed', relinked.tenant.id, { product: relinked.tenant.product, reason: 'installation_id_changed' });
      return relinked.tenant;
    },

    async uninstall(tenant, reason) {
      const after = await deps.registry.markUninstalled(tenant.id, deps.clock.nowMs());
      if (tenant.state !== 'installed' || !after) return;
      deps.logger.info({ event: 'uninstalled', tenantId: tenant.id, reason }, 'Forge tenant uninstalled');
      await deps.audit.appendAudit('tenant.uninstalled', tenant.id, { reason });
      deps.events.emit('uninstalled', { tenantId: tenant.id });
    },
  };
}
