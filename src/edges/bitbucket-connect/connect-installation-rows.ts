import type { Kysely } from 'kysely';
import type { BitbucketInstallationId } from '../../bitbucket/bitbucket-installations.js';
import type { SecretBox } from '../../tenants/secret-box.js';
import { BITBUCKET_CONNECT_TABLE } from './installation-migrations.js';

/** One Connect installation as the edge uses it: the secret opened, never logged. */
export interface ConnectInstallationRow {
  installationId: BitbucketInstallationId;
  clientKey: string;
  sharedSecret: string;
  baseApiUrl: string;
}

interface StoredRow {
  installation_id: string;
  client_key: string;
  shared_secret_sealed: string;
  base_api_url: string;
}

/**
 * The edge's own statements on `bitbucket_connect_installations`, one operation per function,
 * each on the `db` it is given (the control database, or the transaction of the core's
 * `BitbucketInstallations.transaction`). The secret is sealed bound to the installation id, so a
 * sealed value copied to another row does not open.
 */
export function createConnectInstallationRows(secretBox: SecretBox) {
  const open = (row: StoredRow): ConnectInstallationRow => ({
    installationId: row.installation_id as BitbucketInstallationId,
    clientKey: row.client_key,
    sharedSecret: secretBox.open(row.shared_secret_sealed, row.installation_id),
    baseApiUrl: row.base_api_url,
  });
  const table = (db: Kysely<any>) => db.selectFrom(BITBUCKET_CONNECT_TABLE).select(['installation_id', 'client_key', 'shared_secret_sealed', 'base_api_url']);

  return {
    async findByClientKey(db: Kysely<any>, clientKey: string): Promise<ConnectInstallationRow | undefined> {
      const row = (await table(db).where('client_key', '=', clientKey).executeTakeFirst()) as StoredRow | undefined;
      return row && open(row);
    },

    async findByInstallationId(db: Kysely<any>, installationId: BitbucketInstallationId): Promise<ConnectInstallationRow | undefined> {
      const row = (await table(db).where('installation_id', '=', installationId).executeTakeFirst()) as StoredRow | undefined;
      return row && open(row);
    },

    async insert(db: Kysely<any>, row: ConnectInstallationRow): Promise<void> {
      await db
        .insertInto(BITBUCKET_CONNECT_TABLE)
        .values({
          installation_id: row.installationId,
          client_key: row.clientKey,
          shared_secret_sealed: secretBox.seal(row.sharedSecret, row.installationId),
          base_api_url: row.baseApiUrl,
        })
        .execute();
    },

    /** Replaces the secret and API base URL of a re-install (the clientKey stays). */
    async replaceSecret(db: Kysely<any>, installationId: BitbucketInstallationId, change: { sharedSecret: string; baseApiUrl: string }): Promise<void> {
      await db
        .updateTable(BITBUCKET_CONNECT_TABLE)
        .set({ shared_secret_sealed: secretBox.seal(change.sharedSecret, installationId), base_api_url: change.baseApiUrl })
        .where('installation_id', '=', installationId)
        .execute();
    },
  };
}

/** The row operations, as built by {@link createConnectInstallationRows}. */
export type ConnectInstallationRows = ReturnType<typeof createConnectInstallationRows>;
