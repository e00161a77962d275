/**
 * The core's record of Bitbucket installations (issue 13) — the Bitbucket counterpart of the
 * tenant registry. A Bitbucket workspace is not a tenant: Tally keeps no database, no file and no
 * backup for it, only the record the second data statement allows — who installed the app
 * (UUID, username, avatar URL) and which Jira tenant the workspace is linked to. How the platform
 * names the installation (a client key and its sealed secret; an installation id and workspace id) lives in the edge's own table, keyed by this record's id and deleted with it by
 * cascade. Pairing codes (created on the Jira side, redeemed on the Bitbucket side) live here too.
 *
 * Owned tables (core control migration `007_bitbucket`): `bitbucket_installations`,
 * `bitbucket_pairing_codes`. Nothing else writes them; edges go through this port.
 */
import type { Kysely } from 'kysely';
import type { TenantId } from '../tenants/tenant.js';

/** Tally's id of a Bitbucket installation (`bb_` and 24 hex characters); never a platform key. */
export type BitbucketInstallationId = string & { readonly __brand: 'BitbucketInstallationId' };

/** The user who installed the app, as Bitbucket named them at install time. Nothing else about them is kept. */
export interface BitbucketInstaller {
  /** Bitbucket user UUID, with braces as Bitbucket writes it (`{1f0…}`). */
  uuid: string;
  username: string | null;
  avatarUrl: string | null;
}

/**
 * `pending`: an unsigned first install not yet confirmed by one authenticated call to Bitbucket
 * with the received secret (it shows nothing and can be replaced by another unsigned install);
 * `active`: confirmed (an edge whose install event is signed creates it active at once).
 */
export type BitbucketInstallationState = 'pending' | 'active';

export interface BitbucketInstallation {
  id: BitbucketInstallationId;
  /** The edge that created it (its id, e.g. `bitbucket-…`); only that edge reads its own row. */
  edge: string;
  state: BitbucketInstallationState;
  installer: BitbucketInstaller;
  /** The Jira tenant the workspace is linked to; null until a pairing code is redeemed, and after unlinking. */
  jiraTenantId: TenantId | null;
  /** When the link was made (epoch ms); null when not linked. */
  linkedAtMs: number | null;
  createdAtMs: number;
}

/** The core operations inside one control-database transaction, with the edge's own statements through `db`. */
export interface BitbucketInstallationTransaction {
  /** The transaction itself, for the edge's own table. */
  readonly db: Kysely<any>;
  create(record: { edge: string; state: BitbucketInstallationState; installer: BitbucketInstaller }): Promise<BitbucketInstallation>;
  find(id: BitbucketInstallationId): Promise<BitbucketInstallation | undefined>;
  update(id: BitbucketInstallationId, change: { state?: BitbucketInstallationState; installer?: BitbucketInstaller }): Promise<void>;
  /** Deletes the record for good; the edge's row goes with it by cascade. Idempotent. */
  remove(id: BitbucketInstallationId): Promise<void>;
}

/** A fresh one-time pairing code as shown once to the Jira admin; only its hash is stored. */
export interface PairingCode {
  /** `XXXX-XXXX-XXXX-XXXX`, Crockford base32 (80 bits): typed by a person, compared case-insensitively. */
  code: string;
  expiresAtMs: number;
}

export interface BitbucketInstallations {
  transaction<T>(work: (tx: BitbucketInstallationTransaction) => Promise<T>): Promise<T>;
  find(id: BitbucketInstallationId): Promise<BitbucketInstallation | undefined>;
  /** Deletes the record (and by cascade the edge's row) for good. Idempotent. */
  remove(id: BitbucketInstallationId): Promise<void>;

  /** A new single-use code for the Jira tenant, valid `TALLY_BITBUCKET_PAIRING_MINUTES` (15). */
  createPairingCode(tenantId: TenantId): Promise<PairingCode>;
  /**
   * Links the installation to the code's tenant and deletes the code, in one transaction.
   * `BITBUCKET_PAIRING_CODE_INVALID` for an unknown, expired or used code;
   * `BITBUCKET_PAIRING_RATE_LIMITED` after 5 wrong codes for the installation within 15 minutes.
   * A linked installation is re-linked to the new tenant.
   */
  redeemPairingCode(id: BitbucketInstallationId, code: string): Promise<BitbucketInstallation>;
  /** Removes the installation's link (Bitbucket side); idempotent. */
  unlink(id: BitbucketInstallationId): Promise<void>;
  /** Removes a link from the Jira side: only an installation linked to `tenantId`; false when there was none. */
  unlinkFromTenant(tenantId: TenantId, id: BitbucketInstallationId): Promise<boolean>;
  /** The active installations linked to the tenant, oldest link first. */
  listLinked(tenantId: TenantId): Promise<BitbucketInstallation[]>;
}
