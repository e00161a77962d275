import type { Kysely } from 'kysely';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Product, Tenant, TenantId } from '../../tenants/tenant.js';
import type { TenantRegistry, TenantTransaction } from '../../tenants/tenant-registry.js';

/** The value the registry keeps in `platform` for tenants this edge installed. */
export const FORGE_PLATFORM = 'forge';

/** What the Forge edge keeps of an installation beside the tenant's account record (`jira_forge_installations`). */
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

/** A Forge tenant: the account record with its installation id and installation facts. */
export type ForgeTenant = Tenant & {
  /** The normalised installation id, `ari:cloud:ecosystem::installation/<uuid>`. */
  installationId: string;
  forge: ForgeTenantFacts;
};

/** What a verified Forge `installed`/`upgraded` event tells the store. */
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

/** The result of {@link ForgeInstallationStore.recordInstall}. */
export interface ForgeInstallOutcome {
  tenant: ForgeTenant;
  /** True when neither the installation id nor the cloud id was known (a new tenant id was minted). */
  created: boolean;
  /** True when the tenant had been uninstalled, or was re-keyed (the sync then starts a fresh full sync). */
  reinstalled: boolean;
  /**
   * The installation id the tenant was known by, when a new installation id arrived for a known
   * cloud id (a reinstall, a site recreation or an import): the tenant was re-keyed to the new id.
   */
  previousInstallationId: string | undefined;
}

/** The Forge edge's installation records, beside the core's tenant registry. */
export interface ForgeInstallationStore {
  /**
   * Records a verified Forge install or upgrade, in one transaction: a new tenant; or the tenant
   * of this installation id (updated, revived if it was uninstalled); or — a new installation id
   * for a known cloud id — that tenant re-keyed to the new id. Idempotent.
   */
  recordInstall(record: ForgeInstallRecord): Promise<ForgeInstallOutcome>;
  /** The Forge tenant of this (normalised) installation id, whatever its state. */
  findByInstallationId(installationId: string): Promise<ForgeTenant | undefined>;
  /** The Forge tenant of a Tally id, whatever its state; undefined for another edge's tenant. */
  findByTenant(tenantId: TenantId): Promise<ForgeTenant | undefined>;
  /** The installed Forge tenants, oldest first. */
  listInstalled(): Promise<ForgeTenant[]>;
  /**
   * Re-keys the *installed* Forge tenant of `cloudId` to a new installation id that arrived on a
   * verified invocation without a lifecycle event. Undefined when no installed Forge tenant has
   * that cloud id (an uninstalled one comes back only through {@link recordInstall}).
   */
  relink(record: Pick<ForgeInstallRecord, 'installationId' | 'cloudId' | 'apiBaseUrl'>): Promise<{ tenant: ForgeTenant; previousInstallationId: string } | undefined>;
  /** Replaces the site URL of a Forge tenant once `serverInfo` answered. */
  setSiteUrl(tenantId: TenantId, siteUrl: string, atMs: number): Promise<void>;
  /**
   * Records a scheduled tick of an installed Forge tenant and clears a suspected uninstall.
   * `suspicionCleared` is true for exactly one caller when a suspicion was cleared. Undefined for
   * a tenant that is not an installed Forge tenant (nothing changes).
   */
  recordTick(tenantId: TenantId, atMs: number): Promise<{ tenant: ForgeTenant; suspicionCleared: boolean } | undefined>;
  /** Marks an installed Forge tenant suspected uninstalled at `atMs`; true only when it was not already. */
  markSuspected(tenantId: TenantId, atMs: number): Promise<boolean>;
}

interface InstallationRow {
  tenant_id: string;
  installation_id: string;
  cloud_id: string;
  api_base_url: string;
  last_tick_at_ms: number | null;
  suspected_since_ms: number | null;
}

/** The table as this store sees it (the core's `ControlSchema` does not name edge tables). */
interface ForgeSchema {
  jira_forge_installations: InstallationRow;
}

function toForgeTenant(tenant: Tenant, row: InstallationRow): ForgeTenant {
  return {
    ...tenant,
    installationId: row.installation_id,
    forge: {
      cloudId: row.cloud_id,
      apiBaseUrl: row.api_base_url,
      // The control database's PostgreSQL pool parses int8 to numbers; SQLite returns numbers.
      lastTickAtMs: row.last_tick_at_ms ?? undefined,
      suspectedSinceMs: row.suspected_since_ms ?? undefined,
    },
  };
}

/** What {@link createForgeInstallationStore} needs. */
export interface ForgeInstallationStoreDeps {
  /** The control database (the edge's table is there). */
  db: Kysely<any>;
  registry: Pick<TenantRegistry, 'findTenant' | 'listInstalled' | 'setBaseUrl' | 'transaction'>;
  clock: Clock;
}

/**
 * The {@link ForgeInstallationStore} over the control database (both dialects). Every write that
 * depends on the tenant's state runs in a registry transaction that locks the tenant's row first
 * (`lockTenant`), so the state it checked is the state it commits against.
 */
export function createForgeInstallationStore({ db, registry, clock }: ForgeInstallationStoreDeps): ForgeInstallationStore {
  const table = (on: Kysely<any>) => on as Kysely<ForgeSchema>;
  const rows = (on: Kysely<any>) => table(on).selectFrom('jira_forge_installations').selectAll();

  async function withTenant(row: InstallationRow | undefined, find: (id: TenantId) => Promise<Tenant | undefined>): Promise<ForgeTenant | undefined> {
    if (!row) return undefined;
    const tenant = await find(row.tenant_id as TenantId);
    return tenant && toForgeTenant(tenant, row);
  }

  /** The installed Forge tenant, its row locked for the rest of `tx`; undefined otherwise. */
  async function lockInstalled(tx: TenantTransaction, tenantId: TenantId): Promise<Tenant | undefined> {
    const tenant = await tx.lockTenant(tenantId);
    return tenant?.state === 'installed' && tenant.platform === FORGE_PLATFORM ? tenant : undefined;
  }

  return {
    /**
     * Insert first (as the Connect edge's install: SQLite takes its write lock at once); a
     * conflict on the installation id or the cloud id decides a race of two first installs, and
     * the loser discards its minted tenant and updates the winner's. The tenant row is written
     * (reinstallTenant: `reinstalled` for exactly one caller) before the installation row.
     */
    recordInstall(record) {
      return registry.transaction(async (tx) => {
        // Until serverInfo answers, the API base URL stands in for the site URL (display only).
        const minted = await tx.createTenant({ platform: FORGE_PLATFORM, product: record.product, baseUrl: record.siteUrl ?? record.apiBaseUrl });
        const fresh = { tenant_id: minted.id, installation_id: record.installationId, cloud_id: record.cloudId, api_base_url: record.apiBaseUrl, last_tick_at_ms: null, suspected_since_ms: null };
        // No conflict target: either unique key (installation id, or cloud id) means "known".
        const claimed = await table(tx.db).insertInto('jira_forge_installations').values(fresh).onConflict((conflict) => conflict.doNothing()).returningAll().executeTakeFirst();
        if (claimed) return { tenant: toForgeTenant(minted, claimed), created: true, reinstalled: false, previousInstallationId: undefined };

        await tx.discardTenant(minted.id);
        const byInstallation = await rows(tx.db).where('installation_id', '=', record.installationId).executeTakeFirst();
        const known = byInstallation ?? (await rows(tx.db).where('cloud_id', '=', record.cloudId).executeTakeFirst());
        if (!known) throw new AppError('INTERNAL', 'A Forge installation conflicted with no known installation');
        const rekeyed = byInstallation === undefined;
        // A new installation starts over: its install time, and no tick seen yet.
        const { tenant, revived } = await tx.reinstallTenant(known.tenant_id as TenantId, { atMs: minted.installedAtMs, baseUrl: record.siteUrl, restartsInstall: rekeyed });
        const updated = await table(tx.db)
          .updateTable('jira_forge_installations')
          .set({ installation_id: record.installationId, cloud_id: record.cloudId, api_base_url: record.apiBaseUrl, suspected_since_ms: null, ...(revived || rekeyed ? { last_tick_at_ms: null } : {}) })
          .where('tenant_id', '=', known.tenant_id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { tenant: toForgeTenant(tenant, updated), created: false, reinstalled: revived || rekeyed, previousInstallationId: rekeyed ? known.installation_id : undefined };
      });
    },

    async findByInstallationId(installationId) {
      return withTenant(await rows(db).where('installation_id', '=', installationId).executeTakeFirst(), registry.findTenant);
    },

    async findByTenant(tenantId) {
      return withTenant(await rows(db).where('tenant_id', '=', tenantId).executeTakeFirst(), registry.findTenant);
    },

    async listInstalled() {
      const byTenant = new Map((await rows(db).execute()).map((row) => [row.tenant_id, row]));
      return (await registry.listInstalled()).flatMap((tenant) => {
        const row = byTenant.get(tenant.id);
        return row && tenant.platform === FORGE_PLATFORM ? [toForgeTenant(tenant, row)] : [];
      });
    },

    /** Only an installed tenant is re-keyed: an uninstalled one needs a lifecycle event to come back. */
    relink(record) {
      return registry.transaction(async (tx) => {
        const row = await rows(tx.db).where('cloud_id', '=', record.cloudId).executeTakeFirst();
        if (!row || row.installation_id === record.installationId) return undefined;
        if (!(await lockInstalled(tx, row.tenant_id as TenantId))) return undefined;
        const updated = await table(tx.db)
          .updateTable('jira_forge_installations')
          .set({ installation_id: record.installationId, api_base_url: record.apiBaseUrl })
          .where('tenant_id', '=', row.tenant_id)
          .where('installation_id', '=', row.installation_id)
          .returningAll()
          .executeTakeFirst();
        if (!updated) return undefined;
        const tenant = await tx.touchTenant(row.tenant_id as TenantId, { atMs: clock.nowMs() });
        return tenant && { tenant: toForgeTenant(tenant, updated), previousInstallationId: row.installation_id };
      });
    },

    async setSiteUrl(tenantId, siteUrl, atMs) {
      if (await rows(db).where('tenant_id', '=', tenantId).executeTakeFirst()) await registry.setBaseUrl(tenantId, siteUrl, atMs);
    },

    /** The conditional clear makes `suspicionCleared` true for one of several concurrent ticks only. */
    recordTick(tenantId, atMs) {
      return registry.transaction(async (tx) => {
        const tenant = await lockInstalled(tx, tenantId);
        if (!tenant) return undefined;
        const installation = () => table(tx.db).updateTable('jira_forge_installations').where('tenant_id', '=', tenantId);
        const cleared = await installation().set({ suspected_since_ms: null }).where('suspected_since_ms', 'is not', null).returning('tenant_id').executeTakeFirst();
        const row = await installation().set({ last_tick_at_ms: atMs }).returningAll().executeTakeFirst();
        return row && { tenant: toForgeTenant(tenant, row), suspicionCleared: cleared !== undefined };
      });
    },

    markSuspected(tenantId, atMs) {
      return registry.transaction(async (tx) => {
        if (!(await lockInstalled(tx, tenantId))) return false;
        const marked = await table(tx.db)
          .updateTable('jira_forge_installations')
          .set({ suspected_since_ms: atMs })
          .where('tenant_id', '=', tenantId)
          .where('suspected_since_ms', 'is', null)
          .returning('tenant_id')
          .executeTakeFirst();
        return marked !== undefined;
      });
    },
  };
}
