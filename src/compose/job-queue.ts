import type { Config } from '../config/load-config.js';
import type { Logger } from '../platform/logger.js';
import type { JobQueue, QueueHealth, QueueSnapshot } from '../jobs/job-queue.js';
import { createInProcessJobQueue } from '../jobs/in-process-job-queue.js';
import { createPgBossJobQueue } from '../jobs/pgboss-job-queue.js';
import { createPgKeyLease, type LeasedWork, type RunExclusiveOptions } from '../jobs/pgboss-key-lease.js';
import type { PgBossQueueSettings } from '../jobs/pgboss-settings.js';

/*
 * Which job queue a Tally instance runs on, chosen from the configuration (docs/jobs-on-postgres.md):
 * with `DATABASE_URL` the control database is PostgreSQL and the jobs live there on pg-boss, shared
 * by every instance on that database; without it the embedded in-process queue. The tenant store
 * does not decide: jobs go where the control database is, since that is what instances share.
 */


/** How the composition may tune the queue (tests shorten pg-boss's timings; production uses the defaults). */
export interface JobQueueOptions {
  concurrency?: number;
  /** Overrides of {@link PgBossQueueSettings} (heartbeat, supervise and polling intervals, …); ignored in process. */
  pgBoss?: Partial<PgBossQueueSettings>;
}

/** The queue the composition runs on: the {@link JobQueue} port plus its start and, when shared, a look at every instance's jobs. */
export interface ComposedJobQueue extends JobQueue {
  /** `pg-boss`: shared by every instance on the control database; `in-process`: this process only. */
  readonly mechanism: 'pg-boss' | 'in-process';
  /**
   * Starts taking jobs; call once every kind is registered (after composition, before serving).
   * Rejects when pg-boss cannot start (the database is unreachable): start-up should stop then.
   * In process jobs run as they are queued and this does nothing. Idempotent.
   */
  start(): Promise<void>;
  /** Whether this instance runs jobs now (`/readyz`); no I/O. */
  health(): QueueHealth;
  /** Every instance's running and waiting jobs (pg-boss only; `/metrics` reads it). */
  inspect?(): Promise<QueueSnapshot>;
  /** Resolves once the enqueues and cancels made so far are in the database (pg-boss only). */
  flush?(): Promise<void>;
}

/** Builds the configuration's job queue; nothing runs and nothing connects until `start()` or the first enqueue. */
export function createConfiguredJobQueue(config: Pick<Config, 'databaseUrl' | 'jobHeartbeatSeconds' | 'jobConcurrency'>, logger: Logger, options: JobQueueOptions = {}): ComposedJobQueue {
  // Jobs this instance runs at once, each of another tenant (on pg-boss each holds one lease connection).
  const concurrency = options.concurrency ?? config.jobConcurrency;
  if (config.databaseUrl === undefined) {
    return { ...createInProcessJobQueue({ concurrency, logger }), mechanism: 'in-process', start: async () => {} };
  }
  // TALLY_JOB_HEARTBEAT_SECONDS sets the take-over time; a composition's explicit settings (tests) come last.
  const heartbeatSeconds = options.pgBoss?.heartbeatSeconds ?? config.jobHeartbeatSeconds;
  const queue = createPgBossJobQueue({ ...options.pgBoss, heartbeatSeconds, connectionString: config.databaseUrl, concurrency, logger });
  return { ...queue, mechanism: 'pg-boss' };
}

/**
 * The per-tenant lease a `tally` command takes around work the server's jobs also do (`sync`,
 * `reconcile`), so the two never run on one tenant at once.
 */
export interface TenantLease {
  /** Whether the lease excludes the server's jobs (PostgreSQL) or is a pass-through (SQLite: see docs/jobs-on-postgres.md). */
  readonly excludesServer: boolean;
  /** Runs `work` once no job or command of any process holds `key`; `onWait` is told when it has to wait. */
  runExclusive<T>(key: string, work: LeasedWork<T>, options?: RunExclusiveOptions): Promise<T>;
  close(): Promise<void>;
}

/**
 * On PostgreSQL, the same advisory-lock lease the pg-boss queue's jobs hold (same database, same
 * key: the tenant id), on one connection of its own. On SQLite nothing is shared with the server's
 * in-process queue to lock with, so the work just runs (today's behaviour).
 */
export function openTenantLease(config: Pick<Config, 'databaseUrl'>): TenantLease {
  if (config.databaseUrl === undefined) {
    return {
      excludesServer: false,
      async runExclusive(_key, work, runOptions = {}) {
        runOptions.signal?.throwIfAborted();
        return work(runOptions.signal ?? new AbortController().signal);
      },
      close: async () => {},
    };
  }
  const lease = createPgKeyLease({ connectionString: config.databaseUrl, maxConnections: 1 });
  return { excludesServer: true, runExclusive: (key, work, runOptions) => lease.runExclusive(key, work, runOptions), close: () => lease.close() };
}
