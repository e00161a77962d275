import type { ColumnType, Generated } from 'kysely';

/**
 * A boolean column: PostgreSQL returns `boolean`, SQLite (no boolean type) returns 0 or 1.
 * Written as 0/1 on both: PostgreSQL's boolean input accepts '1' and '0'.
 */
export type BooleanColumn = ColumnType<boolean | number, 0 | 1, 0 | 1>;

/**
 * Row of `tenants`. Times are epoch milliseconds in `bigint` columns; the PostgreSQL pool of the
 * control database parses them to numbers (see control-db.ts), so both dialects read numbers.
 */
export interface TenantsTable {
  id: string;
  client_key: string;
  product: string;
  base_url: string;
  /** AES-GCM sealed with the tenant id as associated data; null once the uninstall purge wiped it. */
  shared_secret_sealed: string | null;
  state: string;
  enabled: BooleanColumn;
  installed_at_ms: number;
  uninstalled_at_ms: number | null;
  updated_at_ms: number;
  /** The last completed step of a pending uninstall purge (see src/privacy/purge/tenant-purge.ts); null otherwise. */
  purge_step: string | null;
  /** When the purge of the tenant's data finished; the row itself is deleted after the retention period. */
  purged_at_ms: number | null;
  /** `connect` or `forge` (migration 003; existing rows are `connect`). */
  platform: ColumnType<string, string | undefined, string>;
  /** Forge: the site's cloud id, unique among Forge tenants; null for Connect. */
  cloud_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Forge: the `apiBaseUrl` Jira calls go to; null for Connect. */
  api_base_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Forge: when the last scheduled tick arrived. */
  last_tick_at_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** Forge: since when the tenant is suspected uninstalled; null otherwise. */
  suspected_since_ms: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Row of `forge_system_tokens`: the freshest Forge app system token of a tenant, sealed. */
export interface ForgeSystemTokensTable {
  tenant_id: string;
  /** AES-GCM sealed with the tenant id as associated data (src/tenants/secret-box.ts). */
  token_sealed: string;
  /** The token's `exp` (epoch ms), read from its payload without verifying; 55 min after receipt when unreadable. */
  expires_at_ms: number;
  received_at_ms: number;
}

/**
 * Row of `scheduled_jobs`: when a schedule runs next, and where it stopped. Keyed by
 * (name, tenant_id) since migration 004. Only src/jobs/ reads or writes it (schedule-store.ts).
 */
export interface ScheduledJobsTable {
  name: string;
  /** The tenant of a per-tenant schedule; `''` for an app-wide one. */
  tenant_id: ColumnType<string, string | undefined, string>;
  next_run_at_ms: number;
  /** JSON progress of a job that resumes (never personal data or secrets); null when none. */
  progress: string | null;
}

/** Row of `audit_log`: what happened to which tenant, never secrets or worklog content. */
export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string | null;
  event: string;
  at_ms: number;
  /** JSON of an {@link import('./audit-log.js').AuditDetail}, or null. */
  detail: string | null;
}

/** The control database as Kysely sees it. Migrations in control-migrations.ts create it. */
export interface ControlSchema {
  tenants: TenantsTable;
  audit_log: AuditLogTable;
  scheduled_jobs: ScheduledJobsTable;
  forge_system_tokens: ForgeSystemTokensTable;
}
