import type { Tenant } from '../../tenants/tenant.js';

/**
 * Whether a tenant's database may be backed up or restored: only while it is installed and no
 * uninstall purge of it is unfinished (a re-install during a purge waits for the purge). Unknown
 * tenants never. Wire `isPurging` of `createTenantBackups` as the negation of this.
 */
export function isBackupAllowed(tenant: Tenant | undefined): boolean {
  if (tenant === undefined || tenant.state !== 'installed') return false;
  return tenant.purgeStep === undefined || tenant.purgeStep === 'done';
}
