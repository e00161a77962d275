import { AppError } from '../platform/app-error.js';
import type { Tenant, TenantId } from '../tenants/tenant.js';
import { parseTenantId } from '../tenants/tenant.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';

/** What {@link resolveTenant} asks: the registry, and the edges' own keys (passed in by the composition root). */
export interface TenantLookup {
  registry: Pick<TenantRegistry, 'findTenant'>;
  /** The tenant an edge's own key names (a Connect client key, …); absent: Tally ids only. */
  findTenantIdByKey?(key: string): Promise<TenantId | undefined>;
}

/** Finds a tenant by Tally id or by an edge's key for it (e.g. a Connect client key), as an operator would name it. */
export async function resolveTenant(lookup: TenantLookup, name: string): Promise<Tenant> {
  const id = parseTenantId(name) ?? (await lookup.findTenantIdByKey?.(name));
  const tenant = id && (await lookup.registry.findTenant(id));
  if (!tenant) throw new AppError('NOT_FOUND', `no tenant "${name}" (see \`tally tenants list\`)`);
  return tenant;
}
