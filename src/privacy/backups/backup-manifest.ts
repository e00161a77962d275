import { z } from 'zod';
import { parseBackupId, type BackupId } from './backup-id.js';
import { parseTenantId, type TenantId } from '../../tenants/tenant.js';

/** One backup of one tenant's database, as its manifest describes it. */
export interface BackupInfo {
  backupId: BackupId;
  /** The tenant whose database this is a copy of; a restore into any other tenant is refused. */
  tenantId: TenantId;
  /** When it was taken (the injected clock's epoch ms). */
  createdAtMs: number;
  /** Size of the backup file. */
  bytes: number;
  /** Hex SHA-256 of the backup file, checked by every verify and restore. */
  sha256: string;
  /** Rows of `worklogs` in the backup. */
  worklogs: number;
  /** The newest tenant migration the backup's schema went through, e.g. `001_worklogs`. */
  schemaVersion: string | undefined;
}

/** Version of the manifest's own format; a reader refuses any other. */
const MANIFEST_FORMAT = 1;

const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    backupId: z.string().refine((value) => parseBackupId(value) !== undefined, 'not a backup id'),
    tenantId: z.string().refine((value) => parseTenantId(value) !== undefined, 'not a tenant id'),
    createdAtMs: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    worklogs: z.number().int().nonnegative(),
    schemaVersion: z.string().max(200).optional(),
  })
  .strict();

/** The manifest's JSON for `info` (pretty-printed: operators read it). */
export function formatManifest(info: BackupInfo): string {
  const { schemaVersion, ...rest } = info;
  return `${JSON.stringify({ format: MANIFEST_FORMAT, ...rest, ...(schemaVersion !== undefined && { schemaVersion }) }, null, 2)}\n`;
}

/** The backup a manifest's text describes, or undefined when it is not a well-formed manifest. */
export function parseManifest(text: string): BackupInfo | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { format: _format, schemaVersion, ...rest } = parsed.data;
  return { ...rest, backupId: rest.backupId as BackupId, tenantId: rest.tenantId as TenantId, schemaVersion };
}
