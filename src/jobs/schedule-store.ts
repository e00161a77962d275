import type { Kysely } from 'kysely';
import type { ControlSchema } from '../tenants/control-schema.js';
import type { TenantId } from '../tenants/tenant.js';

/*
 * The only SQL on `scheduled_jobs` (control database; test/architecture/schedules-owner.test.ts
 * keeps it that way). One statement per function. A row is keyed by (name, tenant_id); app-wide
 * schedules have the empty tenant id, because a primary-key column cannot be null in PostgreSQL.
 */

/** Which schedule: a name, and the tenant for a per-tenant schedule. */
export interface ScheduleKey {
  name: string;
  tenantId?: TenantId | undefined;
}

/** One stored schedule. */
export interface ScheduleRow {
  name: string;
  /** Undefined for an app-wide schedule. */
  tenantId: TenantId | undefined;
  nextRunAtMs: number;
  /** JSON text, or undefined. */
  progress: string | undefined;
}

/** The schedule rows' operations. Every write is idempotent, every claim conditional. */
export interface ScheduleStore {
  find(key: ScheduleKey): Promise<ScheduleRow | undefined>;
  /** The rows of one name (every tenant's, for a per-tenant schedule), or all rows. */
  list(name?: string): Promise<ScheduleRow[]>;
  /** Inserts the row unless it exists; returns whether it inserted. */
  insertIfMissing(key: ScheduleKey, nextRunAtMs: number): Promise<boolean>;
  /**
   * Moves a due run to `nextRunAtMs` only if it is still at `dueAtMs`: of several processes
   * claiming the same run, exactly one gets `true`.
   */
  claim(key: ScheduleKey, dueAtMs: number, nextRunAtMs: number): Promise<boolean>;
  setNextRun(key: ScheduleKey, nextRunAtMs: number): Promise<void>;
  saveProgress(key: ScheduleKey, progress: string | undefined): Promise<void>;
  /** Writes both, creating the row if needed. */
  upsert(key: ScheduleKey, nextRunAtMs: number, progress: string | undefined): Promise<void>;
  delete(key: ScheduleKey): Promise<void>;
  /** Deletes every row of a tenant; returns how many. */
  deleteTenant(tenantId: TenantId): Promise<number>;
}

const tenantColumn = (key: ScheduleKey): string => key.tenantId ?? '';

/** Builds the {@link ScheduleStore} over the control database (SQLite or PostgreSQL). */
export function createScheduleStore(db: Kysely<ControlSchema>): ScheduleStore {
  const toRow = (row: { name: string; tenant_id: string; next_run_at_ms: number; progress: string | null }): ScheduleRow => ({
    name: row.name,
    tenantId: row.tenant_id === '' ? undefined : (row.tenant_id as TenantId),
    nextRunAtMs: Number(row.next_run_at_ms),
    progress: row.progress ?? undefined,
  });
  const byKey = <Q extends { where: (...args: any[]) => any }>(query: Q, key: ScheduleKey) =>
    query.where('name', '=', key.name).where('tenant_id', '=', tenantColumn(key)) as Q;

  return {
    async find(key) {
      const row = await byKey(db.selectFrom('scheduled_jobs').selectAll(), key).executeTakeFirst();
      return row && toRow(row);
    },
    async list(name) {
      let query = db.selectFrom('scheduled_jobs').selectAll();
      if (name !== undefined) query = query.where('name', '=', name);
      return (await query.orderBy('name').orderBy('tenant_id').execute()).map(toRow);
    },
    async insertIfMissing(key, nextRunAtMs) {
      const result = await db
        .insertInto('scheduled_jobs')
        .values({ name: key.name, tenant_id: tenantColumn(key), next_run_at_ms: nextRunAtMs, progress: null })
        .onConflict((conflict) => conflict.columns(['name', 'tenant_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async claim(key, dueAtMs, nextRunAtMs) {
      const result = await byKey(db.updateTable('scheduled_jobs').set({ next_run_at_ms: nextRunAtMs }), key).where('next_run_at_ms', '=', dueAtMs).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async setNextRun(key, nextRunAtMs) {
      await byKey(db.updateTable('scheduled_jobs').set({ next_run_at_ms: nextRunAtMs }), key).execute();
    },
    async saveProgress(key, progress) {
      await byKey(db.updateTable('scheduled_jobs').set({ progress: progress ?? null }), key).execute();
    },
    async upsert(key, nextRunAtMs, progress) {
      await db
        .insertInto('scheduled_jobs')
        .values({ name: key.name, tenant_id: tenantColumn(key), next_run_at_ms: nextRunAtMs, progress: progress ?? null })
        .onConflict((conflict) => conflict.columns(['name', 'tenant_id']).doUpdateSet({ next_run_at_ms: nextRunAtMs, progress: progress ?? null }))
        .execute();
    },
    async delete(key) {
      await byKey(db.deleteFrom('scheduled_jobs'), key).execute();
    },
    async deleteTenant(tenantId) {
      const result = await db.deleteFrom('scheduled_jobs').where('tenant_id', '=', tenantId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
