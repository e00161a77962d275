import { randomBytes } from 'node:crypto';

/**
 * Tally's own identifier of a tenant (one Atlassian product instance). Never an edge's key for
 * the installation: those live only inside the edge that keeps it (src/edges/<edge>/); everything
 * else — stores, jobs, logs, backups — knows a tenant by this id.
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
 * Which platform edge a tenant came through: a value the edge chose when it created the tenant
 * (each edge's `owns` compares it). Opaque to the core; only the edges and the composition root
 * look at it: sync, store and reports serve every tenant the same way.
 */
export type TenantPlatform = string;

/**
 * A tenant as the registry returns it: the edge-neutral account record. What an edge keeps about
 * the installation (keys, secrets, tokens) is in the edge's own tables, keyed by this id.
 */
export interface Tenant {
  id: TenantId;
  platform: TenantPlatform;
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
