import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../tenants/secret-box.js';
import type { TenantId } from '../../tenants/tenant.js';

/*
 * The app system token (`x-forge-oauth-system`) that every Forge trigger delivers: Tally's only
 * way to call Jira for a Forge site. "There is no endpoint for proactively refreshing the access
 * token"; a delivered one "will always be valid for another ~2 to ~4 hours" and may be cached
 * until its `exp` (forge-migration.md §3.4). Kept in the control database, sealed, so every
 * instance uses the freshest one; never logged.
 */

/** Assumed lifetime of a token whose `exp` cannot be read: the oldest documented minimum (§3.4). */
export const UNREADABLE_TOKEN_LIFETIME_MS = 55 * 60_000;
/** Delivered tokens are a few hundred bytes to a few KB; anything larger is not stored. */
const MAX_TOKEN_CHARS = 16 * 1024;

/** A usable system token. */
export interface ForgeSystemToken {
  token: string;
  expiresAtMs: number;
}

/** The sealed, shared store of Forge system tokens. */
export interface ForgeTokenStore {
  /**
   * Stores a delivered token for an installed tenant, replacing the held one only when the new
   * one expires later (a late, older delivery never replaces a fresher token). Tokens that are
   * already expired, empty, over-long or contain whitespace are not stored. Idempotent.
   * Returns whether this token is now the held one.
   */
  storeSystemToken(tenantId: TenantId, token: string): Promise<boolean>;
  /** The held token if it is still valid at `validAtMs` (callers pass now plus a margin); undefined otherwise. */
  findSystemToken(tenantId: TenantId, validAtMs: number): Promise<ForgeSystemToken | undefined>;
  /** Deletes the tenant's token (the purge does it with {@link forgetForgeToken}; this is for tools and tests). */
  deleteSystemToken(tenantId: TenantId): Promise<void>;
}

/**
 * The token's `exp` in epoch ms, read from its payload WITHOUT verifying it: the token is opaque
 * to Tally ("Tokens must be treated as opaque"), and `exp` only decides how long to keep it.
 * Unreadable → `receivedAtMs` + {@link UNREADABLE_TOKEN_LIFETIME_MS}. Pure.
 */
export function readTokenExpiryMs(token: string, receivedAtMs: number): number {
  const fallback = receivedAtMs + UNREADABLE_TOKEN_LIFETIME_MS;
  const payload = token.split('.')[1];
  if (payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) return fallback;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? Math.floor(exp * 1000) : fallback;
  } catch {
    return fallback;
  }
}

/** Row of `jira_forge_system_tokens` (jira-forge/001_installations). */
interface SystemTokenRow {
  tenant_id: string;
  /** AES-GCM sealed with the tenant id as associated data (src/tenants/secret-box.ts). */
  token_sealed: string;
  /** The token's `exp` (epoch ms), read from its payload without verifying; 55 min after receipt when unreadable. */
  expires_at_ms: number;
  received_at_ms: number;
}

/** The table as this store sees it (the core's `ControlSchema` does not name edge tables). */
interface TokenSchema {
  jira_forge_system_tokens: SystemTokenRow;
}

/** Deletes the tenant's token in `db` (the purge's last step, in its transaction: `EdgeModule.forgetTenant`). Idempotent. */
export async function forgetForgeToken(db: Kysely<any>, tenantId: TenantId): Promise<void> {
  await (db as Kysely<TokenSchema>).deleteFrom('jira_forge_system_tokens').where('tenant_id', '=', tenantId).execute();
}

/** Builds the {@link ForgeTokenStore} over the control database; tokens sealed with the tenant id as associated data. */
export function createSqlForgeTokenStore(deps: { db: Kysely<any>; secretBox: SecretBox; clock: Clock }): ForgeTokenStore {
  const { secretBox, clock } = deps;
  const db = deps.db as Kysely<TokenSchema>;
  return {
    async storeSystemToken(tenantId, token) {
      if (token === '' || token.length > MAX_TOKEN_CHARS || /\s/.test(token)) return false;
      const receivedAtMs = clock.nowMs();
      const expiresAtMs = readTokenExpiryMs(token, receivedAtMs);
      if (expiresAtMs <= receivedAtMs) return false;
      const row = { tenant_id: tenantId, token_sealed: secretBox.seal(token, tenantId), expires_at_ms: expiresAtMs, received_at_ms: receivedAtMs };
      // One statement decides a race between instances: the later `exp` wins whatever the order.
      const written = await db
        .insertInto('jira_forge_system_tokens')
        .values(row)
        .onConflict((conflict) =>
          conflict
            .column('tenant_id')
            .doUpdateSet({ token_sealed: row.token_sealed, expires_at_ms: row.expires_at_ms, received_at_ms: row.received_at_ms })
            .where('jira_forge_system_tokens.expires_at_ms', '<', expiresAtMs),
        )
        .returning('tenant_id')
        .executeTakeFirst();
      return written !== undefined;
    },

    async findSystemToken(tenantId, validAtMs) {
      const row = await db.selectFrom('jira_forge_system_tokens').select(['token_sealed', 'expires_at_ms']).where('tenant_id', '=', tenantId).executeTakeFirst();
      if (!row || row.expires_at_ms <= validAtMs) return undefined;
      return { token: secretBox.open(row.token_sealed, tenantId), expiresAtMs: row.expires_at_ms };
    },

    deleteSystemToken: (tenantId) => forgetForgeToken(db, tenantId),
  };
}
