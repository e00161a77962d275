import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type {
  BitbucketInstallation,
  BitbucketInstallationId,
  BitbucketInstallations,
  BitbucketInstallationState,
  BitbucketInstallationTransaction,
} from './bitbucket-installations.js';
import { hashPairingCode, newPairingCode, normalisePairingCode } from './pairing-code.js';

/** Dependencies of {@link createSqlBitbucketInstallations}. */
export interface SqlBitbucketInstallationsDeps {
  /** The control database (SQLite or PostgreSQL), migrated with `007_bitbucket`. */
  db: Kysely<any>;
  clock: Clock;
  /** How long a pairing code is valid (`TALLY_BITBUCKET_PAIRING_MINUTES`). */
  pairingMinutes: number;
  /**
   * The control database's engine. On SQLite a deleted installation's bytes would stay in the
   * write-ahead log until the next automatic checkpoint: every removal is followed by a
   * `wal_checkpoint(TRUNCATE)` (with `secure_delete` on, the freed pages are zeroed too).
   */
  dialect: 'sqlite' | 'postgres';
}

/** Row of `bitbucket_installations` (times in epoch ms; the control pool parses `bigint` to numbers). */
interface InstallationRow {
  id: string;
  edge: string;
  state: string;
  installer_uuid: string;
  installer_username: string | null;
  installer_avatar_url: string | null;
  jira_tenant_id: string | null;
  linked_at_ms: number | null;
  created_at_ms: number;
}

/** Wrong codes allowed per installation within {@link WRONG_CODE_WINDOW_MS} (issue 13). */
const WRONG_CODES_ALLOWED = 5;
const WRONG_CODE_WINDOW_MS = 15 * 60_000;
const STATES: readonly string[] = ['pending', 'active'] satisfies BitbucketInstallationState[];

function newInstallationId(): BitbucketInstallationId {
  return `bb_${randomBytes(12).toString('hex')}` as BitbucketInstallationId;
}

function toInstallation(row: InstallationRow): BitbucketInstallation {
  if (!STATES.includes(row.state)) throw new AppError('INTERNAL', `Bitbucket installation ${row.id} has an unknown state in the control database`);
  return {
    id: row.id as BitbucketInstallationId,
    edge: row.edge,
    state: row.state as BitbucketInstallationState,
    installer: { uuid: row.installer_uuid, username: row.installer_username, avatarUrl: row.installer_avatar_url },
    jiraTenantId: row.jira_tenant_id as TenantId | null,
    linkedAtMs: row.linked_at_ms === null ? null : Number(row.linked_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}

/**
 * Wrong pairing codes per installation, in memory. Why not a column: the second data statement
 * lists everything stored about an installation (who installed it, the link), and a counter
 * would be one more thing to describe and delete; and the limit is hygiene, not the defence —
 * 80 random bits cannot be guessed at 5 tries per 15 minutes in one process or in a hundred, and
 * a restart forgetting the count changes nothing about that. Bounded: an installation's entry is
 * dropped once its window has passed (swept on every wrong code).
 */
function createWrongCodeLimiter(clock: Clock) {
  const failures = new Map<string, number[]>();
  const recent = (id: string, nowMs: number) => (failures.get(id) ?? []).filter((atMs) => atMs > nowMs - WRONG_CODE_WINDOW_MS);
  return {
    isLimited(id: string): boolean {
      return recent(id, clock.nowMs()).length >= WRONG_CODES_ALLOWED;
    },
    recordWrong(id: string): void {
      const nowMs = clock.nowMs();
      for (const [key, times] of failures) if (times.every((atMs) => atMs <= nowMs - WRONG_CODE_WINDOW_MS)) failures.delete(key);
      failures.set(id, [...recent(id, nowMs), nowMs]);
    },
  };
}

/** The core operations on one transaction (see {@link BitbucketInstallationTransaction}). */
function transactionOn(trx: Transaction<any>, clock: Clock): BitbucketInstallationTransaction {
  const find = async (id: BitbucketInstallationId) => {
    const row = (await trx.selectFrom('bitbucket_installations').selectAll().where('id', '=', id).executeTakeFirst()) as InstallationRow | undefined;
    return row && toInstallation(row);
  };
  return {
    db: trx as unknown as Kysely<any>,
    find,
    async create(record) {
      const row: InstallationRow = {
        id: newInstallationId(),
        edge: record.edge,
        state: record.state,
        installer_uuid: record.installer.uuid,
        installer_username: record.installer.username,
        installer_avatar_url: record.installer.avatarUrl,
        jira_tenant_id: null,
        linked_at_ms: null,
        created_at_ms: clock.nowMs(),
      };
      await trx.insertInto('bitbucket_installations').values(row).execute();
      return toInstallation(row);
    },
    async update(id, change) {
      const installer = change.installer && { installer_uuid: change.installer.uuid, installer_username: change.installer.username, installer_avatar_url: change.installer.avatarUrl };
      const values = { ...(change.state !== undefined ? { state: change.state } : {}), ...installer };
      if (Object.keys(values).length > 0) await trx.updateTable('bitbucket_installations').set(values).where('id', '=', id).execute();
    },
    async remove(id) {
      await trx.deleteFrom('bitbucket_installations').where('id', '=', id).execute();
    },
  };
}

/**
 * The {@link BitbucketInstallations} port over the control database (both dialects).
 *
 * Guarantees: a code is stored only as its hash and works once (deleted by the same statement
 * that claims it, inside the transaction that links — two concurrent redemptions cannot both
 * win); a code of a Jira tenant that is not installed links nothing; expired codes are deleted
 * whenever a code is made or redeemed. The link's tenant row is locked while linking, so an
 * uninstall that commits meanwhile is seen (see {@link BitbucketInstallations.redeemPairingCode}).
 */
export function createSqlBitbucketInstallations({ db, clock, pairingMinutes, dialect }: SqlBitbucketInstallationsDeps): BitbucketInstallations {
  const limiter = createWrongCodeLimiter(clock);
  /** Uninstall means "for good": on SQLite, the deleted rows leave the WAL too (see the deps). */
  const eraseDeletedBytes = async () => {
    if (dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  };
  const transaction = async <T>(work: (tx: BitbucketInstallationTransaction) => Promise<T>) => {
    let removed = false;
    const result = await db.transaction().execute((trx) => {
      const tx = transactionOn(trx, clock);
      return work({ ...tx, db: tx.db, remove: async (id) => ((removed = true), await tx.remove(id)) });
    });
    if (removed) await eraseDeletedBytes();
    return result;
  };
  const find = async (id: BitbucketInstallationId) => {
    const row = (await db.selectFrom('bitbucket_installations').selectAll().where('id', '=', id).executeTakeFirst()) as InstallationRow | undefined;
    return row && toInstallation(row);
  };
  const deleteExpiredCodes = (on: Kysely<any>) => on.deleteFrom('bitbucket_pairing_codes').where('expires_at_ms', '<=', clock.nowMs()).execute();

  return {
    transaction,
    find,

    async remove(id) {
      await db.deleteFrom('bitbucket_installations').where('id', '=', id).execute();
      await eraseDeletedBytes();
    },

    async createPairingCode(tenantId) {
      return db.transaction().execute(async (trx) => {
        const tenant = await trx.selectFrom('tenants').select('state').where('id', '=', tenantId).executeTakeFirst();
        if (tenant?.state !== 'installed') throw new AppError('AUTH_FORBIDDEN', 'Only an installed Jira site can create pairing codes');
        await deleteExpiredCodes(trx);
        const code = newPairingCode();
        const nowMs = clock.nowMs();
        const expiresAtMs = nowMs + pairingMinutes * 60_000;
        await trx.insertInto('bitbucket_pairing_codes').values({ code_hash: hashPairingCode(normalisePairingCode(code)!), tenant_id: tenantId, created_at_ms: nowMs, expires_at_ms: expiresAtMs }).execute();
        return { code, expiresAtMs };
      });
    },

    async redeemPairingCode(id, typed) {
      const installation = await find(id);
      if (!installation) throw new AppError('NOT_FOUND', 'No such Bitbucket installation');
      if (installation.state !== 'active') throw new AppError('BITBUCKET_INSTALLATION_PENDING', 'The Bitbucket installation is not confirmed yet');
      if (limiter.isLimited(id)) throw new AppError('BITBUCKET_PAIRING_RATE_LIMITED', 'Too many wrong pairing codes for this workspace; wait 15 minutes', { retryAfterMs: WRONG_CODE_WINDOW_MS });
      const canonical = normalisePairingCode(typed);
      const linked = canonical === undefined ? undefined : await db.transaction().execute(async (trx) => {
        const nowMs = clock.nowMs();
        // Claiming the code is its deletion: of two concurrent redemptions only one gets the row.
        const claimed = await trx.deleteFrom('bitbucket_pairing_codes').where('code_hash', '=', hashPairingCode(canonical)).returning(['tenant_id', 'expires_at_ms']).executeTakeFirst();
        await deleteExpiredCodes(trx);
        if (!claimed || Number(claimed.expires_at_ms) <= nowMs) return undefined;
        // A no-op write locks the tenant row (SQLite's write lock, PostgreSQL's row lock): an
        // uninstall committing meanwhile is seen here, or waits and then unlinks this link.
        const tenant = await trx.updateTable('tenants').set((eb) => ({ updated_at_ms: eb.ref('updated_at_ms') })).where('id', '=', claimed.tenant_id).returning('state').executeTakeFirst();
        if (tenant?.state !== 'installed') return undefined;
        const row = (await trx
          .updateTable('bitbucket_installations')
          .set({ jira_tenant_id: claimed.tenant_id, linked_at_ms: nowMs })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst()) as InstallationRow | undefined;
        // Uninstalled between the check above and here: its link must not appear.
        if (!row) throw new AppError('NOT_FOUND', 'No such Bitbucket installation');
        return toInstallation(row);
      });
      if (linked) return linked;
      limiter.recordWrong(id);
      throw new AppError('BITBUCKET_PAIRING_CODE_INVALID', 'The pairing code is unknown, expired or already used');
    },

    async unlink(id) {
      await db.updateTable('bitbucket_installations').set({ jira_tenant_id: null, linked_at_ms: null }).where('id', '=', id).execute();
    },

    async unlinkFromTenant(tenantId, id) {
      const rows = await db.updateTable('bitbucket_installations').set({ jira_tenant_id: null, linked_at_ms: null }).where('id', '=', id).where('jira_tenant_id', '=', tenantId).returning('id').execute();
      return rows.length > 0;
    },

    async listLinked(tenantId) {
      const rows = (await db
        .selectFrom('bitbucket_installations')
        .selectAll()
        .where('jira_tenant_id', '=', tenantId)
        .where('state', '=', 'active')
        .orderBy('linked_at_ms')
        .orderBy('id')
        .execute()) as InstallationRow[];
      return rows.map(toInstallation);
    },
  };
}

/**
 * Cuts every link of a Jira tenant and deletes its pairing codes: what an uninstall of the Jira
 * site does, so a site installed again must pair again. Two statements on `db` — pass a
 * transaction (the purge's last one) or use {@link forgetBitbucketLinksOf}. Idempotent.
 */
export async function cutBitbucketLinks(db: Kysely<any>, tenantId: TenantId): Promise<{ unlinked: number }> {
  const rows = await db.updateTable('bitbucket_installations').set({ jira_tenant_id: null, linked_at_ms: null }).where('jira_tenant_id', '=', tenantId).returning('id').execute();
  await db.deleteFrom('bitbucket_pairing_codes').where('tenant_id', '=', tenantId).execute();
  return { unlinked: rows.length };
}

/** {@link cutBitbucketLinks} in a transaction of its own. Idempotent. */
export async function forgetBitbucketLinksOf(db: Kysely<any>, tenantId: TenantId): Promise<{ unlinked: number }> {
  return db.transaction().execute((trx) => cutBitbucketLinks(trx, tenantId));
}
