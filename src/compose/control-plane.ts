import type { Config } from '../config/load-config.js';
import type { Clock } from '../platform/clock.js';
import type { OwnedData } from '../privacy/data-statement/data-statement.js';
import { createSqlAuditLog, type AuditLog } from '../tenants/audit-log.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import { createSecretBox, demoSecretKey, type SecretBox } from '../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../tenants/sql-tenant-registry.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';

/** The control database and what lives in it: the tenant registry, the audit log, sealed secrets. */
export interface ControlPlane {
  control: ControlDb;
  registry: TenantRegistry;
  audit: AuditLog;
  /** Undefined without `TALLY_SECRET_KEY` (outside demo mode): edges that keep secrets refuse to start. */
  secretBox: SecretBox | undefined;
  close(): Promise<void>;
}

/**
 * The secret box of the configuration's key (demo mode: a key file in the data directory), or
 * undefined without one — the self-hosted site edge keeps no secret.
 */
function openSecretBox(config: Config): SecretBox | undefined {
  const secretKey = config.secretKey ?? (config.mode === 'demo' ? demoSecretKey(config.dataDir) : undefined);
  return secretKey ? createSecretBox(secretKey) : undefined;
}

/**
 * Opens (and migrates, with every edge's own tables from `owned`) the control database of the
 * configuration — SQLite under the data directory, or `DATABASE_URL` — with its registry and
 * audit log. Safe beside a running server (WAL, or PostgreSQL).
 */
export async function openControlPlane(config: Config, clock: Clock, owned: OwnedData): Promise<ControlPlane> {
  const control = await openControlDb({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }), ownedMigrations: owned.migrations });
  const secretBox = openSecretBox(config);
  return {
    control,
    registry: createSqlTenantRegistry({ db: control.db, clock }),
    audit: createSqlAuditLog({ db: control.db, clock }),
    secretBox,
    close: () => control.close(),
  };
}
