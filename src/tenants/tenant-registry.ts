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
  /** Installed tenants, oldest first (for the sync scheduler). */
  listInstalled(): Promise<Tenant[]>;
  /** Every tenant the registry holds, installed or not, oldest first (operators' listing). */
  listTenants(): Promise<Tenant[]>;
}
