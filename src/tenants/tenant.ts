import { randomBytes } from 'node:crypto';

/**
 * Tally's own identifier of a tenant (one Atlassian product instance). Never the Connect client
 * key: that one lives only inside `connect/` and the registry; everything else — stores, jobs,
 * logs, backups — knows a tenant by this id.
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

const TENANT_ID_PATTERN = /^t_[0-9a-f]{24}$/;

/** A fresh, random tenant id (`t_` and 24 hex characters). */
export function newTenantId(): TenantId {
  return `t_${randomBytes(12).toString('hex')}` as TenantId;
}

/** The id, if `value` has a tenant id's shape; undefined otherwise (e.g. user input). */
export function parseTenantId(value: string): TenantId | undefined {
  return TENANT_ID_PATTERN.test(value) ? (value as TenantId) : undefined;
}

/** Which Atlassian product a tenant is. */
export type Product = 'jira' | 'bitbucket';

/** Lifecycle state: `installed` until a verified uninstall; a re-install returns to `installed`. */
export type TenantState = 'installed' | 'uninstalled';

/**
 * Which platform edge a tenant came through. Only the edges, the registry and the composition
 * root look at it: sync, store and reports serve every tenant the same way.
 */
export type TenantPlatform = 'connect' | 'forge' | 'site';

/** What the registry keeps of a Forge installation beside the common fields (src/edges/jira-forge). */
export interface ForgeTenantFacts {
  /** The site's cloud id: stable across reinstalls, unique among Forge tenants (detects a reinstall). */
  cloudId: string;
  /** Where Jira calls go, `https://api.atlassian.com/ex/jira/<cloudId>` (from the invocation token). */
  apiBaseUrl: string;
  /** When the last scheduled tick arrived (epoch ms); undefined before the first. */
  lastTickAtMs: number | undefined;
  /** Since when the tenant is suspected uninstalled (missed ticks and Jira refusing); undefined otherwise. */
  suspectedSinceMs: number | undefined;
}

/** A tenant as the registry returns it; the shared secret is only ever handed out decrypted on request. */
export interface Tenant {
  id: TenantId;
  /**
   * The Connect client key, or for Forge the installation id (`ari:cloud:ecosystem::installation/<uuid>`);
   * treat as opaque outside the platform edges.
   */
  clientKey: string;
  /**
   * The registry always sets it; optional only so tenants built by hand (tests, tools) that predate
   * Forge stay valid — read it through {@link tenantPlatform}, where absent means `connect`.
   */
  platform?: TenantPlatform;
  /** Present exactly for `platform: 'forge'`. */
  forge?: ForgeTenantFacts | undefined;
  product: Product;
  /** The site's base URL from the last verified install, e.g. `https://acme.atlassian.net`. */
  baseUrl: string;
  state: TenantState;
  /** False between a `disabled` and the next `enabled`. */
  enabled: boolean;
  installedAtMs: number;
  uninstalledAtMs: number | undefined;
  updatedAtMs: number;
  /**
   * Where the uninstall purge of the tenant's data stands: undefined when none is owed, `pending`
   * or the last step done while it runs, `done` once everything but the account record is gone.
   */
  purgeStep?: string | undefined;
  /** When the purge finished (the account record is deleted a retention period after the uninstall). */
  purgedAtMs?: number | undefined;
}

/** The platform edge a tenant came through (`connect` when the object does not say). */
export function tenantPlatform(tenant: Pick<Tenant, 'platform'>): TenantPlatform {
  return tenant.platform ?? 'connect';
}
