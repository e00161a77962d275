import type { Kysely, Selectable, Transaction } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { ControlSchema, TenantsTable } from './control-schema.js';
import { newTenantId, type Product, type Tenant, type TenantId, type TenantState } from './tenant.js';
import type { TenantRegistry, TenantTransaction } from './tenant-registry.js';

/** Dependencies of {@link createSqlTenantRegistry}. */
export interface SqlTenantRegistryDeps {
  /** The control database (see openControlDb), SQLite or PostgreSQL. */
  db: Kysely<ControlSchema>;
  clock: Clock;
}

type TenantRow = Selectable<TenantsTable>;

const PRODUCTS: readonly string[] = ['jira', 'bitbucket'] satisfies Product[];
const STATES: readonly string[] = ['installed', 'uninstalled'] satisfies TenantState[];

function toTenant(row: TenantRow): Tenant {
  // The migrations allow any text; a value no code wrote means a hand-edited row, not a user error.
  if (!PRODUCTS.includes(row.product) || !STATES.includes(row.state)) {
    throw new AppError('INTERNAL', `Tenant ${row.id} has an unknown product or state in the control database`);
  }
  return {
    id: row.id as TenantId,
    platform: row.platform,
    product: row.product as Product,
    baseUrl: row.base_url,
    state: row.state as TenantState,
    // PostgreSQL returns a boolean, SQLite 0/1.
    enabled: row.enabled === true || row.enabled === 1,
    installedAtMs: row.installed_at_ms,
    uninstalledAtMs: row.uninstalled_at_ms ?? undefined,
    updatedAtMs: row.updated_at_ms,
    purgeStep: row.purge_step ?? undefined,
    purgedAtMs: row.purged_at_ms ?? undefined,
  };
}

/** The core operations on one transaction (see {@link TenantTransaction}). */
function transactionOn(trx: Transaction<ControlSchema>, clock: Clock): TenantTransaction {
  const created = new Set<string>();
  const findTenant = async (tenantId: TenantId) => {
    const row = await trx.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    return row && toTenant(row);
  };
  return {
    db: trx as unknown as Kysely<any>,

    async createTenant(record) {
      const nowMs = clock.nowMs();
      const row = await trx
        .insertInto('tenants')
        .values({ id: newTenantId(), platform: record.platform, product: record.product, base_url: record.baseUrl, state: 'installed', enabled: 1, installed_at_ms: nowMs, uninstalled_at_ms: null, updated_at_ms: nowMs, purge_step: null, purged_at_ms: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      created.add(row.id);
      return toTenant(row);
    },

    async discardTenant(tenantId) {
      if (!created.has(tenantId)) throw new AppError('INTERNAL', 'Only a tenant created in the same transaction can be discarded');
      created.delete(tenantId);
      await trx.deleteFrom('tenants').where('id', '=', tenantId).execute();
    },

    findTenant,

    async lockTenant(tenantId) {
      // A write that changes nothing: the portable "select … for update" (SQLite has no FOR UPDATE).
      const row = await trx.updateTable('tenants').set((eb) => ({ updated_at_ms: eb.ref('updated_at_ms') })).where('id', '=', tenantId).returningAll().executeTakeFirst();
      return row && toTenant(row);
    },

    async reinstallTenant(tenantId, change) {
      const baseUrl = change.baseUrl !== undefined ? { base_url: change.baseUrl } : {};
      const installed = { ...baseUrl, state: 'installed', enabled: 1, uninstalled_at_ms: null, updated_at_ms: change.atMs } as const;
      const update = (values: object) => trx.updateTable('tenants').set(values).where('id', '=', tenantId).returningAll();
      const revived = await update({ ...installed, installed_at_ms: change.atMs }).where('state', '=', 'uninstalled').executeTakeFirst();
      if (revived) {
        // A finished purge is history now; an unfinished one stays owed (see the port).
        const row = revived.purge_step === 'done' ? await update({ purge_step: null, purged_at_ms: null }).executeTakeFirstOrThrow() : revived;
        return { tenant: toTenant(row), revived: true };
      }
      const row = await update(change.restartsInstall ? { ...installed, installed_at_ms: change.atMs } : installed).executeTakeFirst();
      if (!row) throw new AppError('INTERNAL', `No tenant ${tenantId} to reinstall`);
      return { tenant: toTenant(row), revived: false };
    },

    async touchTenant(tenantId, change) {
      const row = await trx
        .updateTable('tenants')
        .set({ updated_at_ms: change.atMs, ...(change.baseUrl !== undefined ? { base_url: change.baseUrl } : {}) })
        .where('id', '=', tenantId)
        .returningAll()
        .executeTakeFirst();
      return row && toTenant(row);
    },

    /** The write comes first (the lock); the state decides whether the purge is done or just cleared. */
    async finishPurge(tenantId, atMs) {
      await trx.updateTable('tenants').set({ purge_step: 'done', purged_at_ms: atMs }).where('id', '=', tenantId).where('state', '=', 'uninstalled').execute();
      await trx.updateTable('tenants').set({ purge_step: null }).where('id', '=', tenantId).where('state', '=', 'installed').execute();
      return findTenant(tenantId);
    },
  };
}

/**
 * The {@link TenantRegistry} over the control database (both dialects): the neutral account
 * records only — the edges keep their keys and secrets in their own tables.
 *
 * Lifecycle rules, chosen so the final row never depends on the order Atlassian's callbacks arrive:
 * - an uninstall also clears `enabled`; `enabled`/`disabled` for an uninstalled tenant change
 *   nothing (a late `enabled` neither revives it nor flips the flag);
 * - only a verified install (an edge's `reinstallTenant`) brings a tenant back to `installed`.
 */
export function createSqlTenantRegistry({ db, clock }: SqlTenantRegistryDeps): TenantRegistry {
  const selectTenants = () => db.selectFrom('tenants').selectAll();

  async function findTenant(tenantId: TenantId): Promise<Tenant | undefined> {
    const row = await selectTenants().where('id', '=', tenantId).executeTakeFirst();
    return row && toTenant(row);
  }

  return {
    findTenant,

    /** Keeps the first uninstall time: a repeated call matches no installed row and changes nothing. */
    async markUninstalled(tenantId, atMs) {
      await db
        .updateTable('tenants')
        .set({ state: 'uninstalled', enabled: 0, uninstalled_at_ms: atMs, updated_at_ms: atMs, purge_step: 'pending', purged_at_ms: null })
        .where('id', '=', tenantId)
        .where('state', '=', 'installed')
        .execute();
      return findTenant(tenantId);
    },

    /** Changes only installed tenants; returns the tenant as it is afterwards. */
    async setEnabled(tenantId, enabled, atMs) {
      await db
        .updateTable('tenants')
        .set({ enabled: enabled ? 1 : 0, updated_at_ms: atMs })
        .where('id', '=', tenantId)
        .where('state', '=', 'installed')
        .execute();
      return findTenant(tenantId);
    },

    async setBaseUrl(tenantId, baseUrl, atMs) {
      await db.updateTable('tenants').set({ base_url: baseUrl, updated_at_ms: atMs }).where('id', '=', tenantId).execute();
    },

    async recordPurgeStep(tenantId, step) {
      await db.updateTable('tenants').set({ purge_step: step }).where('id', '=', tenantId).where('purge_step', 'is not', null).where('purge_step', '!=', 'done').execute();
    },

    async listPurgesOwed() {
      const rows = await selectTenants().where('purge_step', 'is not', null).where('purge_step', '!=', 'done').orderBy('uninstalled_at_ms').orderBy('id').execute();
      return rows.map(toTenant);
    },

    async deleteExpiredAccounts(beforeMs) {
      const rows = await db
        .deleteFrom('tenants')
        .where('state', '=', 'uninstalled')
        .where('purge_step', '=', 'done')
        .where('uninstalled_at_ms', '<', beforeMs)
        .returning('id')
        .execute();
      return rows.map((row) => row.id as TenantId);
    },

    /** Every installed tenant, enabled or not (the caller decides what `disabled` means to it). */
    async listInstalled() {
      const rows = await selectTenants().where('state', '=', 'installed').orderBy('installed_at_ms').orderBy('id').execute();
      return rows.map(toTenant);
    },

    async listTenants() {
      const rows = await selectTenants().orderBy('installed_at_ms').orderBy('id').execute();
      return rows.map(toTenant);
    },

    transaction(work) {
      return db.transaction().execute((trx) => work(transactionOn(trx, clock)));
    },
  };
}
