import type { Product, Tenant, TenantId, TenantPlatform } from './tenant.js';

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

/** What a verified Forge `installed`/`upgraded` event tells the registry (src/edges/jira-forge). */
export interface ForgeInstallRecord {
  /** The normalised installation id, `ari:cloud:ecosystem::installation/<uuid>`. */
  installationId: string;
  cloudId: string;
  /** `https://api.atlassian.com/ex/jira/<cloudId>`, from the invocation token. */
  apiBaseUrl: string;
  product: Product;
  /**
   * The site's URL from Jira's `serverInfo`; undefined when it could not be read yet (permissions
   * arrive late): the known one is kept, or for a new tenant `apiBaseUrl` stands in until then.
   */
  siteUrl: string | undefined;
}

/** The result of {@link TenantRegistry.recordForgeInstall}. */
export interface ForgeInstallOutcome extends InstallOutcome {
  /**
   * The installation id the tenant was known by, when a new installation id arrived for a known
   * cloud id (a reinstall, a site recreation or an import): the tenant was re-keyed to the new id.
   */
  previousInstallationId: string | undefined;
}

/** What an edge without install lifecycle or secret tells the registry about a new tenant (see {@link TenantRegistry.createTenant}). */
export interface NewTenantRecord {
  /** The edge the tenant comes through (any but `connect` and `forge`, which have their own install records). */
  platform: Exclude<TenantPlatform, 'connect' | 'forge'>;
  product: Product;
  /** The site's URL, for display and the operator's listing. */
  baseUrl: string;
  /**
   * The edge's own unique name for the installation (opaque; stored as the client key). A second
   * call with the same key returns the tenant it already names, so two racing creators make one.
   */
  clientKey: string;
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
  /** Records the last completed step of a tenant's uninstall purge (see src/privacy/purge/tenant-purge.ts). */
  recordPurgeStep(tenantId: TenantId, step: string): Promise<void>;
  /**
   * Ends a purge: when the tenant is still uninstalled its shared secret and Forge tokens are wiped
   * and the purge is `done`; when it was re-installed meanwhile only the purge mark is cleared.
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
  /**
   * Creates an installed, enabled tenant without a shared secret for an edge that keeps its own
   * installation record (e.g. a team's own site reached with an API token), or returns the tenant
   * `clientKey` already names, whatever its state (`created: false`). Idempotent; one transaction.
   */
  createTenant(record: NewTenantRecord): Promise<{ tenant: Tenant; created: boolean }>;

  /**
   * Records a verified Forge install or upgrade, in one transaction: a new tenant; or the tenant
   * of this installation id (updated, revived if it was uninstalled); or — a new installation id
   * for a known cloud id — that tenant re-keyed to the new id. `reinstalled` is true when the
   * tenant was uninstalled or re-keyed (the sync then starts a fresh full sync). Idempotent.
   */
  recordForgeInstall(record: ForgeInstallRecord): Promise<ForgeInstallOutcome>;
  /** The Forge tenant of this (normalised) installation id, whatever its state. */
  findForgeTenant(installationId: string): Promise<Tenant | undefined>;
  /**
   * Re-keys the *installed* Forge tenant of `cloudId` to a new installation id that arrived on a
   * verified invocation without a lifecycle event. Undefined when no installed Forge tenant has
   * that cloud id (an uninstalled one comes back only through {@link recordForgeInstall}).
   */
  relinkForgeInstallation(record: Pick<ForgeInstallRecord, 'installationId' | 'cloudId' | 'apiBaseUrl'>): Promise<{ tenant: Tenant; previousInstallationId: string } | undefined>;
  /** Replaces the site URL of a Forge tenant once `serverInfo` answered. */
  setForgeSiteUrl(tenantId: TenantId, siteUrl: string, atMs: number): Promise<void>;
  /**
   * Records a scheduled tick of an installed Forge tenant and clears a suspected uninstall.
   * `suspicionCleared` is true for exactly one caller when a suspicion was cleared. Undefined for
   * a tenant that is not an installed Forge tenant (nothing changes).
   */
  recordForgeTick(tenantId: TenantId, atMs: number): Promise<{ tenant: Tenant; suspicionCleared: boolean } | undefined>;
  /** Marks an installed Forge tenant suspected uninstalled at `atMs`; true only when it was not already. */
  markForgeSuspected(tenantId: TenantId, atMs: number): Promise<boolean>;
}
