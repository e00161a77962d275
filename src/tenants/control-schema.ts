import type { ColumnType, Generated } from 'kysely';

/**
 * A boolean column: PostgreSQL returns `boolean`, SQLite (no boolean type) returns 0 or 1.
 * Written as 0/1 on both: PostgreSQL's boolean input accepts '1' and '0'.
 */
export type BooleanColumn = ColumnType<boolean | number, 0 | 1, 0 | 1>;

/**
 * Row of `tenants` (since migration 005: the edge-neutral account record; each edge keeps its
 * installation records in its own tables). Times are epoch milliseconds in `bigint` columns; the
 * PostgreSQL pool of the control database parses them to numbers (see control-db.ts), so both
 * dialects read numbers.
 */
export interface TenantsTable {
  id: string;
  /** The edge the tenant came through (the value that edge chose). */
  platform: string;
  product: string;
  base_url: string;
  state: string;
  enabled: BooleanColumn;
  installed_at_ms: number;
  uninstalled_at_ms: number | null;
  updated_at_ms: number;
  /** The last completed step of a pending uninstall purge (see src/privacy/purge/tenant-purge.ts); null otherwise. */
  purge_step: string | null;
  /** When the purge of the tenant's data finished; the row itself is deleted after the retention period. */
  purged_at_ms: number | null;
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
}
