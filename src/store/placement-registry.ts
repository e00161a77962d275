import { sql, type Kysely } from 'kysely';
import type { TenantId } from '../tenants/tenant.js';

/** Where tenant databases live (`store_placements` in the control database). */
export interface PlacementRegistry {
  /** The server key (`host:port`) recorded for the tenant, if any. */
  findServer(tenantId: TenantId): Promise<string | undefined>;
  /**
   * The tenant's server: the recorded one, else the one of `serverKeys` holding the fewest
   * tenants (ties: the first listed), recorded now. Concurrent calls for the same tenant (several
   * instances) agree: the first insert wins and everyone reads it back.
   */
  place(tenantId: TenantId, serverKeys: readonly string[], nowMs: number): Promise<string>;
  /** Forgets the tenant's placement; idempotent. */
  forget(tenantId: TenantId): Promise<void>;
}

/** A {@link PlacementRegistry} over the control database (migration `store-placement/001_placements`). */
export function createPlacementRegistry(db: Kysely<any>): PlacementRegistry {
  const findServer = async (tenantId: TenantId): Promise<string | undefined> => {
    const row = await db.selectFrom('store_placements').select('server').where('tenant_id', '=', tenantId).executeTakeFirst();
    return row?.server as string | undefined;
  };
  return {
    findServer,
    async place(tenantId, serverKeys, nowMs) {
      const known = await findServer(tenantId);
      if (known !== undefined) return known;
      const counts = await db
        .selectFrom('store_placements')
        .select(['server', sql<number>`count(*)`.as('tenants')])
        .where('server', 'in', [...serverKeys])
        .groupBy('server')
        .execute();
      const load = new Map(counts.map((row) => [row.server as string, Number(row.tenants)]));
      const chosen = serverKeys.reduce((best, key) => ((load.get(key) ?? 0) < (load.get(best) ?? 0) ? key : best));
      await db.insertInto('store_placements').values({ tenant_id: tenantId, server: chosen, placed_at_ms: nowMs }).onConflict((conflict) => conflict.column('tenant_id').doNothing()).execute();
      return (await findServer(tenantId)) ?? chosen;
    },
    async forget(tenantId) {
      await db.deleteFrom('store_placements').where('tenant_id', '=', tenantId).execute();
    },
  };
}
