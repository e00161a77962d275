import type { Kysely, Selectable, Transaction } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { ControlSchema, TenantsTable } from './control-schema.js';
import type { SecretBox } from './secret-box.js';
import { newTenantId, type Product, type Tenant, type TenantId, type TenantPlatform, type TenantState } from './tenant.js';
import type { ForgeInstallOutcome, ForgeInstallRecord, InstallOutcome, InstallRecord, TenantCredentials, TenantRegistry } from './tenant-registry.js';

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
const PLATFORMS: readonly string[] = ['connect', 'forge', 'site'] satisfies TenantPlatform[];

function toTenant(row: TenantRow): Tenant {
  // The migrations allow any text; a value no code wrote means a hand-edited row, not a user error.
  if (!PRODUCTS.includes(row.product) || !STATES.includes(row.state) || !PLATFORMS.includes(row.platform)) {
    throw new AppError('INTERNAL', `Tenant ${row.id} has an unknown product, state or platform in the control database`);
  }
  const platform = row.platform as TenantPlatform;
  if (platform === 'forge' && (row.cloud_id === null || row.api_base_url === null)) {
    throw new AppError('INTERNAL', `Forge tenant ${row.id} has no cloud id or API base URL in the control database`);
  }
  return {
    id: row.id as TenantId,
    clientKey: row.client_key,
    platform,
    ...(platform === 'forge'
      ? {
          forge: {
            cloudId: row.cloud_id as string,
            apiBaseUrl: row.api_base_url as string,
            lastTickAtMs: row.last_tick_at_ms ?? undefined,
            suspectedSinceMs: row.suspected_since_ms ?? undefined,
          },
        }
      : {}),
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

/** The lifecycle columns of a tenant row that a first install writes, whatever the platform. */
function freshInstallColumns(nowMs: number) {
  return { state: 'installed', enabled: 1, installed_at_ms: nowMs, uninstalled_at_ms: null, updated_at_ms: nowMs, purge_step: null, purged_at_ms: null } as const;
}

/**
 * A re-installed tenant's row: a finished purge is history now and is cleared; an unfinished one
 * stays owed and runs before the new full sync (same job key, higher priority), so nothing old
 * reappears.
 */
async function forgetFinishedPurge(trx: Transaction<ControlSchema>, revived: TenantRow): Promise<TenantRow> {
  if (revived.purge_step !== 'done') return revived;
  return trx.updateTable('tenants').set({ purge_step: null, purged_at_ms: null }).where('id', '=', revived.id).returningAll().executeTakeFirstOrThrow();
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
            ...freshInstallColumns(nowMs),
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
        if (revived) return { tenant: toTenant(await forgetFinishedPurge(trx, revived)), created: false, reinstalled: true };
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

    /** One transaction: the state decides whether the secret and tokens go (uninstalled) or stay (re-installed). */
    finishPurge(tenantId, atMs) {
      return db.transaction().execute(async (trx) => {
        const wiped = await trx
          .updateTable('tenants')
          .set({ purge_step: 'done', purged_at_ms: atMs, shared_secret_sealed: null })
          .where('id', '=', tenantId)
          .where('state', '=', 'uninstalled')
          .returning('id')
          .executeTakeFirst();
        // Forge system tokens are the tenant's other secret (src/edges/jira-forge/forge-token-store.ts).
        if (wiped) await trx.deleteFrom('forge_system_tokens').where('tenant_id', '=', tenantId).execute();
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

    /** Insert first (SQLite takes its write lock at once); the unique client key decides a race. */
    createTenant(record) {
      return db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('tenants')
          .values({ id: newTenantId(), client_key: record.clientKey, platform: record.platform, product: record.product, base_url: record.baseUrl, shared_secret_sealed: null, ...freshInstallColumns(clock.nowMs()) })
          .onConflict((conflict) => conflict.column('client_key').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (created) return { tenant: toTenant(created), created: true };
        const known = await trx.selectFrom('tenants').selectAll().where('client_key', '=', record.clientKey).executeTakeFirstOrThrow();
        return { tenant: toTenant(known), created: false };
      });
    },

    recordForgeInstall: (record) => recordForgeInstall(db, clock, record),

    async findForgeTenant(installationId) {
      const row = await selectTenants().where('platform', '=', 'forge').where('client_key', '=', installationId).executeTakeFirst();
      return row && toTenant(row);
    },

    /** Only an installed tenant is re-keyed: an uninstalled one needs a lifecycle event to come back. */
    relinkForgeInstallation(record) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('tenants').selectAll().where('platform', '=', 'forge').where('cloud_id', '=', record.cloudId).where('state', '=', 'installed').executeTakeFirst();
        if (!row || row.client_key === record.installationId) return undefined;
        const updated = await trx
          .updateTable('tenants')
          .set({ client_key: record.installationId, api_base_url: record.apiBaseUrl, updated_at_ms: clock.nowMs() })
          .where('id', '=', row.id)
          .where('client_key', '=', row.client_key)
          .returningAll()
          .executeTakeFirst();
        return updated && { tenant: toTenant(updated), previousInstallationId: row.client_key };
      });
    },

    async setForgeSiteUrl(tenantId, siteUrl, atMs) {
      await db.updateTable('tenants').set({ base_url: siteUrl, updated_at_ms: atMs }).where('id', '=', tenantId).where('platform', '=', 'forge').execute();
    },

    /** The conditional clear makes `suspicionCleared` true for one of several concurrent ticks only. */
    recordForgeTick(tenantId, atMs) {
      return db.transaction().execute(async (trx) => {
        const installedForge = () => trx.updateTable('tenants').where('id', '=', tenantId).where('platform', '=', 'forge').where('state', '=', 'installed');
        const cleared = await installedForge().set({ suspected_since_ms: null }).where('suspected_since_ms', 'is not', null).returning('id').executeTakeFirst();
        const row = await installedForge().set({ last_tick_at_ms: atMs }).returningAll().executeTakeFirst();
        return row && { tenant: toTenant(row), suspicionCleared: cleared !== undefined };
      });
    },

    async markForgeSuspected(tenantId, atMs) {
      const marked = await db
        .updateTable('tenants')
        .set({ suspected_since_ms: atMs })
        .where('id', '=', tenantId)
        .where('platform', '=', 'forge')
        .where('state', '=', 'installed')
        .where('suspected_since_ms', 'is', null)
        .returning('id')
        .executeTakeFirst();
      return marked !== undefined;
    },
  };
}

/**
 * {@link TenantRegistry.recordForgeInstall} in one transaction, insert first (as recordInstall:
 * SQLite takes its write lock at once; a conflict on the installation id or the cloud id decides a
 * race of two first installs, and the loser updates the winner's row).
 */
function recordForgeInstall(db: Kysely<ControlSchema>, clock: Clock, record: ForgeInstallRecord): Promise<ForgeInstallOutcome> {
  return db.transaction().execute(async (trx) => {
    const nowMs = clock.nowMs();
    const mintedId = newTenantId();
    const created = await trx
      .insertInto('tenants')
      .values({
        id: mintedId,
        client_key: record.installationId,
        platform: 'forge',
        product: record.product,
        // Until serverInfo answers, the API base URL stands in for the site URL (display only).
        base_url: record.siteUrl ?? record.apiBaseUrl,
        shared_secret_sealed: null,
        ...freshInstallColumns(nowMs),
        cloud_id: record.cloudId,
        api_base_url: record.apiBaseUrl,
        last_tick_at_ms: null,
        suspected_since_ms: null,
      })
      // No conflict target: either unique key (installation id, or platform + cloud id) means "known".
      .onConflict((conflict) => conflict.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (created) return { tenant: toTenant(created), created: true, reinstalled: false, previousInstallationId: undefined };

    const forgeRows = () => trx.selectFrom('tenants').selectAll().where('platform', '=', 'forge');
    const byInstallation = await forgeRows().where('client_key', '=', record.installationId).executeTakeFirst();
    const known = byInstallation ?? (await forgeRows().where('cloud_id', '=', record.cloudId).executeTakeFirst());
    if (!known) throw new AppError('INTERNAL', 'A Forge installation id collides with a Connect client key');
    const rekeyed = byInstallation === undefined;
    const kept = {
      client_key: record.installationId,
      cloud_id: record.cloudId,
      api_base_url: record.apiBaseUrl,
      ...(record.siteUrl !== undefined ? { base_url: record.siteUrl } : {}),
      state: 'installed',
      enabled: 1,
      uninstalled_at_ms: null,
      updated_at_ms: nowMs,
      suspected_since_ms: null,
    } as const;
    // A new installation starts over: its install time, and no tick seen yet.
    const fresh = { installed_at_ms: nowMs, last_tick_at_ms: null } as const;
    const previousInstallationId = rekeyed ? known.client_key : undefined;
    const update = (values: object) => trx.updateTable('tenants').set(values).where('id', '=', known.id).returningAll();
    const revived = await update({ ...kept, ...fresh }).where('state', '=', 'uninstalled').executeTakeFirst();
    if (revived) return { tenant: toTenant(await forgetFinishedPurge(trx, revived)), created: false, reinstalled: true, previousInstallationId };
    const updated = await update(rekeyed ? { ...kept, ...fresh } : kept).executeTakeFirstOrThrow();
    return { tenant: toTenant(updated), created: false, reinstalled: rekeyed, previousInstallationId };
  });
}
