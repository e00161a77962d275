import type { Kysely } from 'kysely';
import type { Product, Tenant, TenantId, TenantPlatform } from './tenant.js';

/** What an edge tells the registry about a tenant it creates (its own installation record goes in its own table). */
export interface NewTenantRecord {
  /** The edge's value for `platform` (its `owns` recognises it). */
  platform: TenantPlatform;
  product: Product;
  /** The site's URL, for display and the operator's listing. */
  baseUrl: string;
}

/** What {@link TenantTransaction.reinstallTenant} changes besides the state. */
export interface ReinstallChange {
  atMs: number;
  /** The site's URL from the verified install; undefined keeps the known one. */
  baseUrl?: string | undefined;
  /**
   * Whether an already installed tenant's install time restarts at `atMs` too (a new
   * installation of the site); a revived tenant's always does.
   */
  restartsInstall: boolean;
}

/**
 * The core operations of the registry inside one transaction of the control database, for an
 * edge that writes its own installation row together with the tenant's.
 *
 * Why a transaction and not edge-side compensation: the lifecycle rules are race properties
 * (one tenant for two racing first installs, `reinstalled` for exactly one caller, a purge that
 * never wipes the secret of a re-install that committed first). Compensation ("create the tenant,
 * then undo it if the edge's insert lost") would let other processes see the loser's tenant in
 * between; one transaction lets the edge's unique key decide the race exactly as the single
 * `tenants` table did. The edge's statements go through {@link db}, the same transaction.
 */
export interface TenantTransaction {
  /** The transaction itself, for the edge's own tables (the core's schema names none of them). */
  readonly db: Kysely<any>;
  /**
   * Inserts a new installed, enabled tenant with a fresh id. Call it first: in SQLite the insert
   * takes the write lock at once (no read-to-write upgrade to fail between processes); then let
   * the edge's unique key decide whether this tenant is kept or discarded.
   */
  createTenant(record: NewTenantRecord): Promise<Tenant>;
  /**
   * Deletes a tenant this same transaction created, when the edge's unique key showed that the
   * installation is known after all (the loser of a race). Throws for any other tenant.
   */
  discardTenant(tenantId: TenantId): Promise<void>;
  findTenant(tenantId: TenantId): Promise<Tenant | undefined>;
  /**
   * The tenant, with its row locked until the transaction ends (a no-op write: SQLite's write
   * lock, PostgreSQL's row lock), so the edge's conditional writes that follow see the tenant's
   * state as it stays until commit. Undefined for an unknown id.
   */
  lockTenant(tenantId: TenantId): Promise<Tenant | undefined>;
  /**
   * A verified install of a known tenant: back to `installed` and enabled, the uninstall time
   * cleared. `revived` is true when it was uninstalled — for exactly one of several concurrent
   * callers (only an update that finds the row `uninstalled` reports it; PostgreSQL re-checks the
   * condition after a concurrent commit). A finished purge is history then and is cleared; an
   * unfinished one stays owed and runs before the new full sync (same job key, higher priority).
   */
  reinstallTenant(tenantId: TenantId, change: ReinstallChange): Promise<{ tenant: Tenant; revived: boolean }>;
  /** Sets `updated_at_ms` (and the base URL, when given) of a tenant; undefined for an unknown id. */
  touchTenant(tenantId: TenantId, change: { atMs: number; baseUrl?: string }): Promise<Tenant | undefined>;
  /**
   * Ends a purge: when the tenant is still uninstalled the purge is `done`; when it was
   * re-installed meanwhile only the purge mark is cleared. The caller wipes the edges' secrets in
   * the same transaction when the returned tenant is uninstalled (src/privacy/purge/tenant-purge.ts).
   */
  finishPurge(tenantId: TenantId, atMs: number): Promise<Tenant | undefined>;
}

/**
 * The tenant registry in the control database (port): the edge-neutral account records. Each
 * platform edge keeps its installation records (keys, secrets, tokens) in its own tables
 * (src/edges/<edge>/) referencing `tenants(id)` with a cascading delete. Every method is safe to
 * call concurrently and idempotent where it says so.
 */
export interface TenantRegistry {
  findTenant(tenantId: TenantId): Promise<Tenant | undefined>;
  /**
   * Marks a tenant uninstalled at `atMs`. Idempotent; an `enabled`/`disabled` arriving later never
   * revives it. Returns the tenant, or undefined for an unknown id.
   */
  markUninstalled(tenantId: TenantId, atMs: number): Promise<Tenant | undefined>;
  /** Sets the enabled flag (lifecycle `enabled`/`disabled`); no effect on an uninstalled tenant's state. */
  setEnabled(tenantId: TenantId, enabled: boolean, atMs: number): Promise<Tenant | undefined>;
  /** Replaces the site URL of a tenant (e.g. once Jira told it); no effect for an unknown id. */
  setBaseUrl(tenantId: TenantId, baseUrl: string, atMs: number): Promise<void>;
  /** Records the last completed step of a tenant's uninstall purge (see src/privacy/purge/tenant-purge.ts). */
  recordPurgeStep(tenantId: TenantId, step: string): Promise<void>;
  /** Tenants whose purge is owed and not finished, oldest uninstall first (resumed at start). */
  listPurgesOwed(): Promise<Tenant[]>;
  /**
   * Deletes for good the account records of tenants uninstalled before `beforeMs` whose purge is
   * done; returns their ids. The edges' rows of those tenants go with them (cascade). Never
   * touches an installed tenant or an unfinished purge.
   */
  deleteExpiredAccounts(beforeMs: number): Promise<TenantId[]>;
  /** Installed tenants, oldest first (for the sync scheduler). */
  listInstalled(): Promise<Tenant[]>;
  /** Every tenant the registry holds, installed or not, oldest first (operators' listing). */
  listTenants(): Promise<Tenant[]>;
  /**
   * Runs `work` in one transaction of the control database (see {@link TenantTransaction}):
   * committed when it resolves, rolled back when it throws.
   */
  transaction<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T>;
}
