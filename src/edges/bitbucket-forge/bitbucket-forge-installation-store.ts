import type { Kysely } from 'kysely';
import type {
  BitbucketInstallation,
  BitbucketInstallationId,
  BitbucketInstallations,
  BitbucketInstallationTransaction,
  BitbucketInstaller,
} from '../../bitbucket/bitbucket-installations.js';
import type { Clock } from '../../platform/clock.js';

/** The edge id, as the core record's `edge` names it. */
export const BITBUCKET_FORGE_EDGE_ID = 'bitbucket-forge';

/**
 * The installer of an installation Tally re-created without an install event (a tick or a page
 * call of an installation it did not hold): Forge names the installer in the install event only.
 */
export const UNKNOWN_INSTALLER: Readonly<BitbucketInstaller> = Object.freeze({ uuid: '', username: null, avatarUrl: null });

/** The edge's row of one installation, with the core record it belongs to. */
export interface BitbucketForgeInstallation {
  installation: BitbucketInstallation;
  forgeInstallationId: string;
  workspaceId: string;
  lastTickAtMs: number;
}

/** How Forge names an installation, as verified from a token. */
export interface ForgeWorkspaceInstallation {
  forgeInstallationId: string;
  workspaceId: string;
}

/** What {@link BitbucketForgeInstallationStore.register} did. */
export interface RegisterOutcome {
  installation: BitbucketInstallation;
  /** True when this call created the record (false: it was there already — a re-delivery). */
  created: boolean;
  /** True when an older installation of the same workspace was deleted to make room. */
  replacedPrevious: boolean;
}

/**
 * The Bitbucket Forge edge's installations: its own `bitbucket_forge_installations` rows, each
 * beside a core record it creates and deletes through the `BitbucketInstallations` port.
 */
export interface BitbucketForgeInstallationStore {
  find(forgeInstallationId: string): Promise<BitbucketForgeInstallation | undefined>;
  /**
   * Makes sure the installation is held, in one transaction: idempotent for a known Forge
   * installation id (an unknown installer is filled in when `installer` is given); a new one of a
   * workspace Tally holds under an older id replaces that one whole (link included — a reinstall
   * is a new consent); otherwise a new active, unlinked record. Counts as a sign of life.
   */
  register(named: ForgeWorkspaceInstallation, installer: BitbucketInstaller | undefined): Promise<RegisterOutcome>;
  /** Records a tick; false when the installation is not held. */
  recordTick(forgeInstallationId: string, atMs: number): Promise<boolean>;
  /** Deletes the installation (core record and row) for good; false when it was not held. Idempotent. */
  remove(forgeInstallationId: string): Promise<boolean>;
  /** The installations whose last sign of life is before `beforeMs`, oldest first. */
  listSilentSince(beforeMs: number): Promise<BitbucketForgeInstallation[]>;
}

interface Row {
  installation_id: string;
  forge_installation_id: string;
  workspace_id: string;
  last_tick_at_ms: number | string;
}

const TABLE = 'bitbucket_forge_installations';

/** Dependencies of {@link createBitbucketForgeInstallationStore}. */
export interface BitbucketForgeInstallationStoreDeps {
  /** The control database (migrated with the edge's and the core's migrations). */
  db: Kysely<any>;
  installations: BitbucketInstallations;
  clock: Clock;
}

/** The store over the control database (SQLite or PostgreSQL). */
export function createBitbucketForgeInstallationStore({ db, installations, clock }: BitbucketForgeInstallationStoreDeps): BitbucketForgeInstallationStore {
  const rowBy = (on: Kysely<any>, column: 'forge_installation_id' | 'workspace_id', value: string) =>
    on.selectFrom(TABLE).selectAll().where(column, '=', value).executeTakeFirst() as Promise<Row | undefined>;

  async function withRecord(row: Row | undefined, findRecord: (id: BitbucketInstallationId) => Promise<BitbucketInstallation | undefined>): Promise<BitbucketForgeInstallation | undefined> {
    if (!row) return undefined;
    const installation = await findRecord(row.installation_id as BitbucketInstallationId);
    if (!installation) return undefined;
    return { installation, forgeInstallationId: row.forge_installation_id, workspaceId: row.workspace_id, lastTickAtMs: Number(row.last_tick_at_ms) };
  }

  async function registerIn(tx: BitbucketInstallationTransaction, named: ForgeWorkspaceInstallation, installer: BitbucketInstaller | undefined): Promise<RegisterOutcome> {
    const nowMs = clock.nowMs();
    const known = await withRecord(await rowBy(tx.db, 'forge_installation_id', named.forgeInstallationId), tx.find);
    if (known) {
      if (installer && known.installation.installer.uuid === UNKNOWN_INSTALLER.uuid) await tx.update(known.installation.id, { installer });
      await tx.db.updateTable(TABLE).set({ last_tick_at_ms: nowMs }).where('installation_id', '=', known.installation.id).execute();
      return { installation: (await tx.find(known.installation.id)) ?? known.installation, created: false, replacedPrevious: false };
    }
    const previous = await rowBy(tx.db, 'workspace_id', named.workspaceId);
    // The workspace's older installation is gone from Forge (uninstalled without a pre-uninstall call).
    if (previous) await tx.remove(previous.installation_id as BitbucketInstallationId);
    const installation = await tx.create({ edge: BITBUCKET_FORGE_EDGE_ID, state: 'active', installer: installer ?? UNKNOWN_INSTALLER });
    await tx.db
      .insertInto(TABLE)
      .values({ installation_id: installation.id, forge_installation_id: named.forgeInstallationId, workspace_id: named.workspaceId, last_tick_at_ms: nowMs })
      .execute();
    return { installation, created: true, replacedPrevious: previous !== undefined };
  }

  return {
    find: async (forgeInstallationId) => withRecord(await rowBy(db, 'forge_installation_id', forgeInstallationId), installations.find),
    async register(named, installer) {
      try {
        return await installations.transaction((tx) => registerIn(tx, named, installer));
      } catch (error) {
        // Two first deliveries at once: the loser's insert breaks a unique key; the winner's record stands.
        const winner = await withRecord(await rowBy(db, 'forge_installation_id', named.forgeInstallationId), installations.find);
        if (winner) return { installation: winner.installation, created: false, replacedPrevious: false };
        throw error;
      }
    },
    async recordTick(forgeInstallationId, atMs) {
      const result = await db.updateTable(TABLE).set({ last_tick_at_ms: atMs }).where('forge_installation_id', '=', forgeInstallationId).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async remove(forgeInstallationId) {
      const row = await rowBy(db, 'forge_installation_id', forgeInstallationId);
      if (!row) return false;
      await installations.remove(row.installation_id as BitbucketInstallationId);
      return true;
    },
    async listSilentSince(beforeMs) {
      const rows = (await db.selectFrom(TABLE).selectAll().where('last_tick_at_ms', '<', beforeMs).orderBy('last_tick_at_ms').execute()) as Row[];
      const found = await Promise.all(rows.map((row) => withRecord(row, installations.find)));
      return found.filter((entry): entry is BitbucketForgeInstallation => entry !== undefined);
    },
  };
}
