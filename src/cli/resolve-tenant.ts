import { AppError } from '../platform/app-error.js';
import type { Tenant } from '../tenants/tenant.js';
import { parseTenantId } from '../tenants/tenant.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';

/** Finds a tenant by Tally id or Connect client key, as an operator would name it. */
export async function resolveTenant(registry: TenantRegistry, name: string): Promise<Tenant> {
  const id = parseTenantId(name);
  const tenant = id ? await registry.findTenant(id) : (await registry.findCredentialsByClientKey(name))?.tenant;
  if (!tenant) throw new AppError('NOT_FOUND', `no tenant "${name}" (see \`tally tenants list\`)`);
  return tenant;
}
