import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createScheduleStore } from '../../jobs/schedule-store.js';
import type { ControlSchema } from '../../tenants/control-schema.js';
import type { TenantId } from '../../tenants/tenant.js';

/*
 * Where the personal-data report cycle keeps its schedule: the scheduler's rows (src/jobs/), one
 * per tenant under {@link GLOBAL_JOB} with the cycle's progress, and the app-wide one with the
 * pause and the announced period. Only times, counts and tenant ids — never an account id (those
 * are tenant data, and the control database is shared by every tenant).
 */

/** The schedule's name: the app-wide row (a pause asked for by the API, the period it announced) and every tenant's row. */
export const GLOBAL_JOB = 'personal-data-report';

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

/**
 * Builds the {@link ReportSchedule} over the scheduler's store in the control database. Every
 * write is an idempotent upsert; the uninstall purge's `cancelTenant` removes a tenant's row.
 */
export function createReportSchedule(db: Kysely<ControlSchema>): ReportSchedule {
  const store = createScheduleStore(db);
  const tenantKey = (tenantId: TenantId | string) => ({ name: GLOBAL_JOB, tenantId: tenantId as TenantId });

  return {
    async findTenantJob(tenantId) {
      const row = await store.find(tenantKey(tenantId));
      return row && { nextRunAtMs: row.nextRunAtMs, progress: parse(progressSchema, row.progress ?? null) };
    },
    async saveTenantJob(tenantId, job) {
      await store.upsert(tenantKey(tenantId), job.nextRunAtMs, job.progress === undefined ? undefined : JSON.stringify(job.progress));
    },
    async listTenantJobIds() {
      return (await store.list(GLOBAL_JOB)).flatMap((row) => (row.tenantId === undefined ? [] : [row.tenantId]));
    },
    async deleteTenantJob(tenantId) {
      await store.delete(tenantKey(tenantId));
    },
    async readGlobal() {
      const row = await store.find({ name: GLOBAL_JOB });
      const cyclePeriodMs = row ? parse(globalSchema, row.progress ?? null)?.cyclePeriodMs : undefined;
      return { pausedUntilMs: row ? row.nextRunAtMs : 0, cyclePeriodMs };
    },
    async saveGlobal(job) {
      await store.upsert({ name: GLOBAL_JOB }, job.pausedUntilMs, JSON.stringify(job.cyclePeriodMs === undefined ? {} : { cyclePeriodMs: job.cyclePeriodMs }));
    },
  };
}
