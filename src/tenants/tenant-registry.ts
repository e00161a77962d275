import type { Product, Tenant, TenantId } from './tenant.js';

/** What a verified `installed` lifecycle event tells the registry. */
export interface InstallRecord {
  clientKey: string;
  product: Product;
  baseUrl: string;
  sharedSecret: string;
}

/** The result of {@link TenantRegistry.recordInstall}. */
export interface InstallOutcome {
  tenant: Tenant;
  /** True when this client key was never seen before (a new tenant id was minted). */
  created: boolean;
  /** True when the tenant had been uninstalled and is installed again. */
  reinstalled: boolean;
}

/** A tenant together with its decrypted shared secret, for signing and verifying only. */
export interface TenantCredentials {
  tenant: Tenant;
  sharedSecret: string;
}

/**
 * The tenant registry in the control database (port). Implementations keep shared secrets
 * encrypted at rest; every method is safe to call concurrently and idempotent where it says so.
 */
export interface TenantRegistry {
  /**
   * Records a verified install: a new tenant, or for a known client key an atomic replacement of
   * the shared secret and base URL (re-install). Idempotent for identical input.
   */
  recordInstall(record: InstallRecord): Promise<InstallOutcome>;
  /** The tenant with this client key and its decrypted secret, whatever its state. */
  findCredentialsByClientKey(clientKey: string): Promise<TenantCredentials | undefined>;
  /** The tenant and its decrypted secret by Tally id. */
  findCredentials(tenantId: TenantId): Promise<TenantCredentials | undefined>;
  findTenant(tenantId: TenantId): Promise<Tenant | undefined>;
  /**
   * Marks a tenant uninstalled at `atMs`. Idempotent; an `enabled`/`disabled` arriving later never
   * revives it. Returns the tenant, or undefined for an unknown id.
   */
  markUninstalled(tenantId: TenantId, atMs: number): Promise<Tenant | undefined>;
  /** Sets the enabled flag (lifecycle `enabled`/`disabled`); no effect on an uninstalled tenant's state. */
  setEnabled(tenantId: TenantId, enabled: boolean, atMs: number): Promise<Tenant | undefined>;
  /** Records the last completed step of a tenant's uninstall purge (see src/lifecycle/tenant-purge.ts). */
  recordPurgeStep(tenantId: TenantId, step: string): Promise<void>;
  /**
   * Ends a purge: when the tenant is still uninstalled its shared secret is wiped and the purge is
   * `done`; when it was re-installed meanwhile (new secret) only the purge mark is cleared.
   */
  finishPurge(tenantId: TenantId, atMs: number): Promise<Tenant | undefined>;
  /** Tenants whose purge is owed and not finished, oldest uninstall first (resumed at start). */
  listPurgesOwed(): Promise<Tenant[]>;
  /**
   * Deletes for good the account records of tenants uninstalled before `beforeMs` whose purge is
   * done; returns their ids. Never touches an installed tenant or an unfinished purge.
   */
  deleteExpiredAccounts(beforeMs: number): Promise<TenantId[]>;
  /** Installed tenants, oldest first (for the sync scheduler). */
  listInstalled(): Promise<Tenant[]>;
  /** Every tenant the registry holds, installed or not, oldest first (operators' listing). */
  listTenants(): Promise<Tenant[]>;
}
