import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../platform/app-error.js';
import { parseTenantId, type TenantId } from '../tenants/tenant.js';

/**
 * Deletes `<backupDir>/<tenant id>/` with everything in it (backups, manifests, unfinished
 * temporary files); nothing when it does not exist. The path is built only from a checked tenant
 * id, so no value can reach outside the backup directory.
 */
export async function deleteTenantBackupDir(backupDir: string, tenantId: TenantId): Promise<void> {
  const checked = parseTenantId(tenantId);
  if (checked === undefined) throw new AppError('STORE_TENANT_ID_INVALID', 'Refused to delete backups: the tenant id is malformed');
  await rm(join(backupDir, checked), { recursive: true, force: true });
}
