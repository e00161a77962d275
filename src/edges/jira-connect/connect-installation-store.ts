import type { Kysely } from 'kysely';
import type { SecretBox } from '../../tenants/secret-box.js';
import type { Product, Tenant, TenantId } from '../../tenants/tenant.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';

/** The value the registry keeps in `platform` for tenants this edge installed. */
export const CONNECT_PLATFORM = 'connect';

/** What a verified `installed` lifecycle event tells the store. */
export interface ConnectInstallRecord {
  clientKey: string;
  product: Product;
  baseUrl: string;
  sharedSecret: string;
  /** The installed payload's `oauthClientId` (user impersonation); undefined when Jira sent none. */
  oauthClientId?: string | undefined;
}

/** The result of {@link ConnectInstallationStore.recordInstall}. */
export interface ConnectInstallOutcome {
  tenant: Tenant;
  /** True when this client key was never seen before (a new tenant id was minted). */
  created: boolean;
  /** True when the tenant had been uninstalled and is installed again. */
  reinstalled: boolean;
}

/** A tenant together with its client key and decrypted shared secret, for signing and verifying only. */
export interface ConnectCredentials {
  tenant: Tenant;
  clientKey: string;
  sharedSecret: string;
  /** From the latest `installed`; undefined for an installation recorded without one. */
  oauthClientId?: string | undefined;
}

interface InstallationRow {
  tenant_id: string;
  client_key: string;
  shared_secret_sealed: string | null;
  oauth_client_id: string | null;
}

/** The table as this store sees it (the core's `ControlSchema` does not name edge tables). */
interface ConnectSchema {
  jira_connect_installations: InstallationRow;
}

/**
 * The Connect edge's installation records (`jira_connect_installations`), beside the core's
 * tenant registry. Shared secrets are sealed under the tenant's id, so a sealed value copied to
 * another row does not open.
 */
export interface ConnectInstallationStore {
  /**
   * Records a verified install: a new tenant, or for a known client key an atomic replacement of
   * the shared secret and base URL (re-install). Idempotent for identical input.
   */
  recordInstall(record: ConnectInstallRecord): Promise<ConnectInstallOutcome>;
  /** The tenant with this client key and its decrypted secret, whatever its state; undefined once the purge wiped it. */
  findCredentialsByClientKey(clientKey: string): Promise<ConnectCredentials | undefined>;
  /** The tenant's credentials by Tally id. */
  findCredentials(tenantId: TenantId): Promise<ConnectCredentials | undefined>;
  /** The Tally id of the installation with this client key, whatever its state (operators name tenants by it). */
  findTenantIdByClientKey(clientKey: string): Promise<TenantId | undefined>;
}

/** What {@link createConnectInstallationStore} needs. */
export interface ConnectInstallationStoreDeps {
  /** The control database (the edge's table is there). */
  db: Kysely<any>;
  registry: Pick<TenantRegistry, 'findTenant' | 'transaction'>;
  secretBox: SecretBox;
}

const installations = (db: Kysely<any>) => (db as Kysely<ConnectSchema>).selectFrom('jira_connect_installations');

/**
 * Wipes the tenant's shared secret (the uninstall purge's last step, in its transaction; see
 * `EdgeModule.forgetTenant`). Idempotent; the row stays for the account record.
 */
export async function forgetConnectSecret(db: Kysely<any>, tenantId: TenantId): Promise<void> {
  await (db as Kysely<ConnectSchema>).updateTable('jira_connect_installations').set({ shared_secret_sealed: null }).where('tenant_id', '=', tenantId).execute();
}

/** The tenant of a client key, whatever its state (operators name Connect tenants by it; `EdgeModule.findTenantIdByKey`). */
export async function findConnectTenantId(db: Kysely<any>, clientKey: string): Promise<TenantId | undefined> {
  const row = await installations(db).select('tenant_id').where('client_key', '=', clientKey).executeTakeFirst();
  return row?.tenant_id as TenantId | undefined;
}

/** The {@link ConnectInstallationStore} over the control database (both dialects). */
export function createConnectInstallationStore({ db, registry, secretBox }: ConnectInstallationStoreDeps): ConnectInstallationStore {
  async function credentials(row: InstallationRow | undefined): Promise<ConnectCredentials | undefined> {
    // No row, or the uninstall purge already wiped the secret: nothing to sign or verify with.
    if (!row || row.shared_secret_sealed === null) return undefined;
    const tenant = await registry.findTenant(row.tenant_id as TenantId);
    return tenant && { tenant, clientKey: row.client_key, sharedSecret: secretBox.open(row.shared_secret_sealed, row.tenant_id), oauthClientId: row.oauth_client_id ?? undefined };
  }

  return {
    /**
     * One transaction. The tenant insert comes first, so SQLite takes its write lock at once (no
     * read-to-write upgrade to fail between processes), and the unique client key decides a race
     * of two first installs: the loser's installation insert does nothing, its minted tenant is
     * discarded and it updates the winner's. The known tenant's row is locked (reinstallTenant)
     * before its secret is replaced — the order the purge's last step locks them in, so the two
     * never deadlock. `reinstalled` is true for exactly one caller (see reinstallTenant).
     */
    recordInstall(record) {
      return registry.transaction(async (tx) => {
        const table = tx.db as Kysely<ConnectSchema>;
        const minted = await tx.createTenant({ platform: CONNECT_PLATFORM, product: record.product, baseUrl: record.baseUrl });
        const claimed = await table
          .insertInto('jira_connect_installations')
          .values({ tenant_id: minted.id, client_key: record.clientKey, shared_secret_sealed: secretBox.seal(record.sharedSecret, minted.id), oauth_client_id: record.oauthClientId ?? null })
          .onConflict((conflict) => conflict.column('client_key').doNothing())
          .returning('tenant_id')
          .executeTakeFirst();
        if (claimed) return { tenant: minted, created: true, reinstalled: false };

        await tx.discardTenant(minted.id);
        // A known client key: its tenant id never changes. The product is kept: a client key names one product instance for good.
        const { tenant_id } = await installations(tx.db).select('tenant_id').where('client_key', '=', record.clientKey).executeTakeFirstOrThrow();
        const id = tenant_id as TenantId;
        const { tenant, revived } = await tx.reinstallTenant(id, { atMs: minted.installedAtMs, baseUrl: record.baseUrl, restartsInstall: true });
        // The client id comes with every install; one Jira no longer sends is no longer current.
        await table
          .updateTable('jira_connect_installations')
          .set({ shared_secret_sealed: secretBox.seal(record.sharedSecret, id), oauth_client_id: record.oauthClientId ?? null })
          .where('tenant_id', '=', id)
          .execute();
        return { tenant, created: false, reinstalled: revived };
      });
    },

    async findCredentialsByClientKey(clientKey) {
      return credentials(await installations(db).selectAll().where('client_key', '=', clientKey).executeTakeFirst());
    },

    async findCredentials(tenantId) {
      return credentials(await installations(db).selectAll().where('tenant_id', '=', tenantId).executeTakeFirst());
    },

    findTenantIdByClientKey: (clientKey) => findConnectTenantId(db, clientKey),
  };
}
