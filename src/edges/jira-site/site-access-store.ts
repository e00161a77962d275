import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { SiteAccessSchema } from './site-access-schema.js';
import { constantTimeEquals, hashSecret, isSecretShaped, newSecret } from './site-access-secrets.js';

/**
 * How long a signed-in browser stays signed in: an absolute lifetime from sign-in, never extended
 * by use (no sliding). A working day plus margin; after it the access link signs in again.
 */
export const SITE_SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** A session just started: the id goes into the cookie and is never stored. */
export interface StartedSession {
  sessionId: string;
  expiresAtMs: number;
}

/** What {@link rotateSiteAccess} removed. */
export interface RotateResult {
  deletedKeys: number;
  deletedSessions: number;
}

/**
 * The site edge's sign-in records over the control database (tables of site-access-schema.ts).
 * One SQL operation per method; keys and session ids go in and out only as hashes.
 */
export interface SiteAccessStore {
  /** Mints a new access key, stores its hash and returns the key (shown once). Earlier keys stay valid. */
  mintAccessKey(): Promise<string>;
  /** Deletes every access key and every session, in one transaction: old links and signed-in browsers stop working. Idempotent. */
  rotate(): Promise<RotateResult>;
  /** Whether `key` is a current access key; malformed input is refused before any query. */
  isAccessKey(key: string | undefined): Promise<boolean>;
  /** Starts a session ending {@link SITE_SESSION_LIFETIME_MS} from now, first deleting expired ones (the sweep). */
  startSession(): Promise<StartedSession>;
  /** The session's expiry if `sessionId` is a live session; an expired one is deleted and undefined. */
  findSession(sessionId: string | undefined): Promise<{ expiresAtMs: number } | undefined>;
  /** Ends a session (sign-out). Idempotent; unknown or malformed ids are ignored. */
  endSession(sessionId: string | undefined): Promise<void>;
}

/** Builds the {@link SiteAccessStore}; `db` is the control database with `jira-site/002_access` applied. */
export function createSiteAccessStore(deps: { db: Kysely<any>; clock: Clock }): SiteAccessStore {
  const db = deps.db as Kysely<SiteAccessSchema>;
  const { clock } = deps;
  return {
    async mintAccessKey() {
      const key = newSecret();
      await db.insertInto('site_access_keys').values({ key_hash: hashSecret(key), created_at_ms: clock.nowMs() }).execute();
      return key;
    },
    async rotate() {
      return db.transaction().execute(async (trx) => {
        const sessions = await trx.deleteFrom('site_sessions').executeTakeFirst();
        const keys = await trx.deleteFrom('site_access_keys').executeTakeFirst();
        return { deletedKeys: Number(keys.numDeletedRows), deletedSessions: Number(sessions.numDeletedRows) };
      });
    },
    async isAccessKey(key) {
      if (!isSecretShaped(key)) return false;
      const hash = hashSecret(key);
      const row = await db.selectFrom('site_access_keys').select('key_hash').where('key_hash', '=', hash).executeTakeFirst();
      // The lookup compares hashes of a 256-bit secret, so its timing tells nothing usable; the
      // explicit constant-time comparison keeps the check independent of how the engine compares.
      return row !== undefined && constantTimeEquals(row.key_hash, hash);
    },
    async startSession() {
      const nowMs = clock.nowMs();
      const sessionId = newSecret();
      const expiresAtMs = nowMs + SITE_SESSION_LIFETIME_MS;
      await db.deleteFrom('site_sessions').where('expires_at_ms', '<=', nowMs).execute();
      await db.insertInto('site_sessions').values({ session_hash: hashSecret(sessionId), created_at_ms: nowMs, expires_at_ms: expiresAtMs }).execute();
      return { sessionId, expiresAtMs };
    },
    async findSession(sessionId) {
      if (!isSecretShaped(sessionId)) return undefined;
      const hash = hashSecret(sessionId);
      const row = await db.selectFrom('site_sessions').select(['session_hash', 'expires_at_ms']).where('session_hash', '=', hash).executeTakeFirst();
      if (row === undefined || !constantTimeEquals(row.session_hash, hash)) return undefined;
      if (Number(row.expires_at_ms) <= clock.nowMs()) {
        await db.deleteFrom('site_sessions').where('session_hash', '=', hash).execute();
        return undefined;
      }
      return { expiresAtMs: Number(row.expires_at_ms) };
    },
    async endSession(sessionId) {
      if (!isSecretShaped(sessionId)) return;
      await db.deleteFrom('site_sessions').where('session_hash', '=', hashSecret(sessionId)).execute();
    },
  };
}
