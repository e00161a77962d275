import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ControlSchema } from '../../tenants/control-schema.js';
import type { TenantId } from '../../tenants/tenant.js';

/*
 * Where the personal-data report cycle keeps its schedule: rows of `scheduled_jobs` in the control
 * database. Only times, counts and tenant ids — never an account id (those are tenant data, and
 * the control database is shared by every tenant).
 */

/** The app-wide row: a pause asked for by the API, and the period it announced. */
export const GLOBAL_JOB = 'personal-data-report';
const TENANT_JOB_PREFIX = `${GLOBAL_JOB}:`;

/** Progress of a tenant's cycle under way. Positions refer to the tenant's account ids in ascending order. */
export interface CycleProgress {
  cycleStartedAtMs: number;
  /** Accounts of the ascending list reported so far in this cycle (a prefix of it). */
  reportedCount: number;
  /**
   * Accounts erased from this tenant since `reportedCount` was counted: they left the list, so
   * the list position to resume at is `reportedCount - erasedCount` (possibly a little early,
   * when an erased account came after the prefix: a few accounts are then reported twice, none skipped).
   */
  erasedCount: number;
  /** Failed attempts in a row, for the backoff. */
  failures: number;
}

/** A tenant's row: when it is due, and its cycle under way (undefined between cycles). */
export interface TenantReportJob {
  nextRunAtMs: number;
  progress: CycleProgress | undefined;
}

/** The app-wide row. */
export interface GlobalReportJob {
  /** No request before this time (a long `Retry-After`); 0 when not paused. */
  pausedUntilMs: number;
  /** The last believable `Cycle-Period`; undefined until one was seen. */
  cyclePeriodMs: number | undefined;
}

const count = z.number().int().nonnegative();
const progressSchema = z.object({ cycleStartedAtMs: count, reportedCount: count, erasedCount: count, failures: count });
const globalSchema = z.object({ cyclePeriodMs: count.optional() });

/** Reads a stored JSON progress; anything unreadable counts as none (the cycle restarts: safe). */
function parse<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The schedule's operations, one SQL statement each (both control dialects). */
export interface ReportSchedule {
  findTenantJob(tenantId: TenantId): Promise<TenantReportJob | undefined>;
  saveTenantJob(tenantId: TenantId, job: TenantReportJob): Promise<void>;
  /** Tenant ids that have a row, to drop rows of tenants no longer installed. */
  listTenantJobIds(): Promise<string[]>;
  deleteTenantJob(tenantId: string): Promise<void>;
  readGlobal(): Promise<GlobalReportJob>;
  saveGlobal(job: GlobalReportJob): Promise<void>;
}

/** Builds the {@link ReportSchedule} over the control database. Every write is an idempotent upsert. */
export function createReportSchedule(db: Kysely<ControlSchema>): ReportSchedule {
  const upsert = (name: string, nextRunAtMs: number, progress: string | null) =>
    db
      .insertInto('scheduled_jobs')
      .values({ name, next_run_at_ms: nextRunAtMs, progress })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ next_run_at_ms: nextRunAtMs, progress }))
      .execute();
  const find = (name: string) => db.selectFrom('scheduled_jobs').selectAll().where('name', '=', name).executeTakeFirst();

  return {
    async findTenantJob(tenantId) {
      const row = await find(TENANT_JOB_PREFIX + tenantId);
      return row && { nextRunAtMs: Number(row.next_run_at_ms), progress: parse(progressSchema, row.progress) };
    },
    async saveTenantJob(tenantId, job) {
      await upsert(TENANT_JOB_PREFIX + tenantId, job.nextRunAtMs, job.progress === undefined ? null : JSON.stringify(job.progress));
    },
    async listTenantJobIds() {
      const rows = await db.selectFrom('scheduled_jobs').select('name').where('name', 'like', `${TENANT_JOB_PREFIX}%`).execute();
      return rows.map((row) => row.name.slice(TENANT_JOB_PREFIX.length));
    },
    async deleteTenantJob(tenantId) {
      await db.deleteFrom('scheduled_jobs').where('name', '=', TENANT_JOB_PREFIX + tenantId).execute();
    },
    async readGlobal() {
      const row = await find(GLOBAL_JOB);
      const cyclePeriodMs = row ? parse(globalSchema, row.progress)?.cyclePeriodMs : undefined;
      return { pausedUntilMs: row ? Number(row.next_run_at_ms) : 0, cyclePeriodMs };
    },
    async saveGlobal(job) {
      await upsert(GLOBAL_JOB, job.pausedUntilMs, JSON.stringify(job.cyclePeriodMs === undefined ? {} : { cyclePeriodMs: job.cyclePeriodMs }));
    },
  };
}
