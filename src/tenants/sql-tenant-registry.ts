import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { ControlSchema, TenantsTable } from './control-schema.js';
import type { SecretBox } from './secret-box.js';
import { newTenantId, type Product, type Tenant, type TenantId, type TenantState } from './tenant.js';
import type { InstallOutcome, InstallRecord, TenantCredentials, TenantRegistry } from './tenant-registry.js';

/** Dependencies of {@link createSqlTenantRegistry}. */
export interface SqlTenantRegistryDeps {
  /** The control database (see openControlDb), SQLite or PostgreSQL. */
  db: Kysely<ControlSchema>;
  /** Seals shared secrets with the tenant id as associated data. */
  secretBox: SecretBox;
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
    clientKey: row.client_key,
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

/**
 * The {@link TenantRegistry} over the control database (both dialects), with shared secrets sealed
 * by `secretBox` under the tenant's id, so a sealed value copied to another row does not open.
 *
 * Lifecycle rules, chosen so the final row never depends on the order Atlassian's callbacks arrive:
 * - an uninstall also clears `enabled`; `enabled`/`disabled` for an uninstalled tenant change
 *   nothing (a late `enabled` neither revives it nor flips the flag);
 * - only `recordInstall` brings a tenant back to `installed` (and enabled).
 */
export function createSqlTenantRegistry({ db, secretBox, clock }: SqlTenantRegistryDeps): TenantRegistry {
  const selectTenants = () => db.selectFrom('tenants').selectAll();

  async function findTenant(tenantId: TenantId): Promise<Tenant | undefined> {
    const row = await selectTenants().where('id', '=', tenantId).executeTakeFirst();
    return row && toTenant(row);
  }

  function credentials(row: TenantRow | undefined): TenantCredentials | undefined {
    // No row, or the uninstall purge already wiped the secret: nothing to sign or verify with.
    if (!row || row.shared_secret_sealed === null) return undefined;
    return { tenant: toTenant(row), sharedSecret: secretBox.open(row.shared_secret_sealed, row.id) };
  }

  return {
    /**
     * One transaction. The insert comes first, so SQLite takes its write lock at once (no
     * read-to-write upgrade to fail between processes), and the unique client key decides a race
     * of two first installs: the loser's insert does nothing and it updates the winner's row.
     * `reinstalled` is true for exactly one caller: only an update that finds the row
     * `uninstalled` reports it (PostgreSQL re-checks that condition after a concurrent commit).
     */
    recordInstall(record: InstallRecord): Promise<InstallOutcome> {
      return db.transaction().execute(async (trx) => {
        const nowMs = clock.nowMs();
        const mintedId = newTenantId();
        const created = await trx
          .insertInto('tenants')
          .values({
            id: mintedId,
            client_key: record.clientKey,
            product: record.product,
            base_url: record.baseUrl,
            shared_secret_sealed: secretBox.seal(record.sharedSecret, mintedId),
            state: 'installed',
            enabled: 1,
            installed_at_ms: nowMs,
            uninstalled_at_ms: null,
            updated_at_ms: nowMs,
            purge_step: null,
            purged_at_ms: null,
          })
          .onConflict((conflict) => conflict.column('client_key').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (created) return { tenant: toTenant(created), created: true, reinstalled: false };

        // A known client key: its id never changes, so it can be read before the update.
        const { id } = await trx.selectFrom('tenants').select('id').where('client_key', '=', record.clientKey).executeTakeFirstOrThrow();
        // The product is kept: a client key names one product instance for good.
        const replacement = {
          base_url: record.baseUrl,
          shared_secret_sealed: secretBox.seal(record.sharedSecret, id),
          state: 'installed',
          enabled: 1,
          installed_at_ms: nowMs,
          uninstalled_at_ms: null,
          updated_at_ms: nowMs,
        } as const;
        const update = () => trx.updateTable('tenants').set(replacement).where('id', '=', id).returningAll();
        const revived = await update().where('state', '=', 'uninstalled').executeTakeFirst();
        if (revived) {
          // A finished purge is history now; an unfinished one stays owed and runs before the new
          // full sync (same job key, higher priority), so nothing old reappears.
          const purge = revived.purge_step === 'done' ? { purge_step: null, purged_at_ms: null } : {};
          const tenant = Object.keys(purge).length > 0 ? await trx.updateTable('tenants').set(purge).where('id', '=', id).returningAll().executeTakeFirstOrThrow() : revived;
          return { tenant: toTenant(tenant), created: false, reinstalled: true };
        }
        const replaced = await update().executeTakeFirstOrThrow();
        return { tenant: toTenant(replaced), created: false, reinstalled: false };
      });
    },

    async findCredentialsByClientKey(clientKey) {
      return credentials(await selectTenants().where('client_key', '=', clientKey).executeTakeFirst());
    },

    async findCredentials(tenantId) {
      return credentials(await selectTenants().where('id', '=', tenantId).executeTakeFirst());
    },

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

    async recordPurgeStep(tenantId, step) {
      await db.updateTable('tenants').set({ purge_step: step }).where('id', '=', tenantId).where('purge_step', 'is not', null).where('purge_step', '!=', 'done').execute();
    },

    /** One transaction: the state decides whether the secret goes (uninstalled) or stays (re-installed). */
    finishPurge(tenantId, atMs) {
      return db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tenants')
          .set({ purge_step: 'done', purged_at_ms: atMs, shared_secret_sealed: null })
          .where('id', '=', tenantId)
          .where('state', '=', 'uninstalled')
          .execute();
        await trx.updateTable('tenants').set({ purge_step: null }).where('id', '=', tenantId).where('state', '=', 'installed').execute();
        const row = await trx.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
        return row && toTenant(row);
      });
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
  };
}
