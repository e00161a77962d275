import { PgBoss, type JobResult, type Job as BossJob } from 'pg-boss';
import type { Logger } from '../platform/logger.js';
import type { Job, JobHandler, JobQueue, QueueHealth, QueueSnapshot } from './job-queue.js';
import { createPgKeyLease, type KeyLease, type LeasedWork, type RunExclusiveOptions } from './pgboss-key-lease.js';
import { queueOptionsOf, resolvePgBossSettings, type PgBossQueueSettings } from './pgboss-settings.js';


/** Tries of one enqueue or cancel, the waits between them doubling from the base (0.2 + 0.4 + 0.8 + 1.6 s). */
const OPERATION_ATTEMPTS = 5;
const OPERATION_RETRY_BASE_MS = 200;
/**
 * Most jobs one insert writes. Enqueues made in one event-loop turn (the scheduler's round of a
 * thousand incremental syncs) go to the database together: one transaction and three statements
 * per batch instead of a transaction and four round trips per job, which a thousand at once
 * turned into connection timeouts and a round that outlasted its interval.
 */
const ENQUEUE_BATCH_SIZE = 500;
/** What a Tally job looks like in pg-boss's `data` column (the key is also the job's `singleton_key`). */
interface JobEnvelope {
  kind: string;
  key: string;
  /** Absent when the job has no dedupe value (every such job runs). */
  dedupe?: string;
  payload: unknown;
}

/** What {@link createPgBossJobQueue} needs. */
export interface PgBossJobQueueOptions extends Partial<PgBossQueueSettings> {
  /** The database the jobs live in (the control database); also the lease's connections. */
  connectionString: string;
  /** A pg-boss instance to share (its owner starts and stops it); otherwise the queue creates its own. */
  boss?: PgBoss;
  /** Jobs this instance runs at once (each holds one lease connection while it runs). */
  concurrency: number;
  logger: Logger;
}

/** The pg-boss job queue: the {@link JobQueue} port plus what only a shared queue has. */
export interface PgBossJobQueue extends JobQueue {
  /** Starts this instance's workers; call once every kind is registered (composition). Enqueueing works before; `idle()` does not (it rejects). */
  start(): Promise<void>;
  /** Runs `work` under `key`'s lease: never beside a job of that key on any instance (`tally sync`). */
  runExclusive<T>(key: string, work: LeasedWork<T>, options?: RunExclusiveOptions): Promise<T>;
  /** The shared queue as every instance sees it: active jobs and waiting ones, next first. */
  inspect(): Promise<QueueSnapshot>;
  /** Resolves when every enqueue and cancel made so far has reached the database (a process about to exit). */
  flush(): Promise<void>;
  /**
   * Deletes the stored rows of `key`'s finished jobs, and of the job of `key` running here once
   * it returns — the uninstall purge's last step, so no job row names the tenant afterwards.
   * Jobs waiting now (a re-install's sync queued during the purge) are kept. Idempotent.
   */
  forgetKey(key: string): Promise<void>;
  /**
   * Whether this instance runs jobs now (`/readyz`), from state in memory (no query): `not_started`
   * before `start()`, `stopped` after `stop()` or once pg-boss stopped or a worker ended,
   * `failing` while a worker's last attempt to fetch jobs failed (pg-boss's own record of it,
   * `getWipData`; the database unreachable, pg-boss's schema gone) — running again after its next
   * fetch succeeds (every `pollingIntervalSeconds`).
   */
  health(): QueueHealth;
}

/**
 * Why a job running here was aborted: a stop, or a lease whose connection broke, releases it to
 * another instance (the work is unfinished); a cancel ends it.
 */
type LocalAbort = 'released' | 'cancelled';

interface RunningHere {
  kind: string;
  controller: AbortController;
  reason?: LocalAbort;
  /** Set by forgetKey: delete this job's row when its handler returns. */
  forget?: boolean;
}

/**
 * The job queue on pg-boss (v12), shared by every Tally instance on one PostgreSQL database.
 * All kinds go to one pg-boss queue with the `singleton` policy and the job key as
 * `singletonKey`: pg-boss's unique index on (queue, key) among active jobs means a key never has
 * two active jobs on any instance, whatever the kind (a tenant's sync, webhook and purge share it).
 * Each running job also holds the key's lease ({@link createPgKeyLease}), which `tally sync`
 * shares and which keeps the next job of a key waiting until a cancelled or taken-over handler
 * has really settled. Jobs are fetched by priority (Tally's lower number first), then age.
 *
 * - A killed instance: its jobs stop heartbeating; after `heartbeatSeconds` pg-boss's supervisor
 *   (any live instance) moves them to `retry` and another instance runs them (up to `retryLimit`).
 * - `stop()`: workers stop fetching, running handlers are aborted (the sync commits the page in
 *   hand and returns) and their jobs are failed into `retry`, released to the other instances.
 * - `cancel(key)`: pg-boss cancels the key's waiting and active jobs; the instance running the
 *   active one notices at its next heartbeat (every `heartbeatRefreshSeconds`; at once when it is
 *   this instance) and aborts it.
 * - A handler that throws is logged and its job failed for good (no pg-boss retry: retries are the
 *   handler's decision, as in the in-process queue).
 * - `dedupe`: the check and the insert run in one transaction under a transaction-scoped advisory
 *   lock on (kind, key, dedupe), so two instances cannot both queue the same waiting job.
 * - Enqueues made in one event-loop turn are written together (`insert`, up to 500 a transaction);
 *   a failed write is tried again a few times, then logged.
 */
export function createPgBossJobQueue(options: PgBossJobQueueOptions): PgBossJobQueue {
  const settings = resolvePgBossSettings(options);
  const { logger } = options;
  const name = settings.queueName;
  const ownsBoss = options.boss === undefined;
  const boss =
    options.boss ??
    new PgBoss({
      connectionString: options.connectionString,
      schema: settings.schema,
      application_name: 'tally-jobs',
      max: settings.bossMaxConnections,
      // Schedules stay with the control-database scheduler (docs/jobs-on-postgres.md).
      schedule: false,
      superviseIntervalSeconds: settings.superviseIntervalSeconds,
      monitorIntervalSeconds: settings.superviseIntervalSeconds,
    });
  if (ownsBoss) {
    boss.on('error', (error) => logger.error({ err: error }, 'pg-boss error'));
    boss.on('warning', (warning) => logger.warn({ warning: warning.message }, 'pg-boss warning'));
  }
  // A shared pg-boss may be stopped by its owner: this queue's workers end with it.
  let bossStopped = false;
  boss.on('stopped', () => {
    bossStopped = true;
  });
  // One connection per running job, and one for `runExclusive` beside them.
  const lease: KeyLease = createPgKeyLease({ connectionString: options.connectionString, maxConnections: options.concurrency + 1 });
  const handlers = new Map<string, JobHandler>();
  const running = new Map<string, RunningHere>();
  let lastQueued: string[] = [];
  const workerIds: string[] = [];
  // A pg-boss worker waits a polling interval after every job, even with more waiting (batchSize
  // 1 never bursts): short jobs (webhooks) would run one per interval per slot. Waking the
  // workers when a job ends lets a backlog drain at the speed of the jobs.
  const wakeWorkers = () => {
    for (const id of workerIds) boss.notifyWorker(id);
  };
  let ready: Promise<void> | undefined;
  let bossStarted = false;
  let started = false;
  let startFailed = false;
  let stopped = false;
  // A key's enqueues and cancels reach the database one after another in call order (a purge
  // queued right after `cancel(key)` must not be cancelled by it; a key's jobs keep their order);
  // different keys proceed side by side. The port's calls are synchronous, hence the chains.
  const chains = new Map<string, Promise<void>>();
  /*
   * An enqueue or cancel that fails (a connection timeout when a thousand are queued at once, a
   * server restart) is tried again a few times before it is only logged: a lost enqueue was an
   * install's first sync left waiting for the next interval.
   */
  const withRetries = async (operation: () => Promise<void>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (stopped || attempt >= OPERATION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, OPERATION_RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  };
  const inKeyOrder = (key: string, what: string, operation: () => Promise<void>) => {
    const next = (chains.get(key) ?? Promise.resolve())
      .then(() => withRetries(operation))
      .catch((error: unknown) => logger.error({ err: error, queue: name, key }, `job queue: ${what} failed`))
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
  };
  const settled = async () => {
    while (chains.size > 0) await Promise.all(chains.values());
  };

  // Retried on the next call when it fails (the database was down at start).
  const ensureReady = () =>
    (ready ??= (async () => {
      if (ownsBoss && !bossStarted) {
        await boss.start();
        bossStarted = true;
      }
      // createQueue does nothing for an existing queue; updateQueue applies today's settings to it
      // (the instance started last sets them for all).
      await boss.createQueue(name, { policy: 'singleton', ...queueOptionsOf(settings) });
      await boss.updateQueue(name, queueOptionsOf(settings));
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));

  /** What a waiting job with a dedupe value is unique by (and its advisory lock's name). */
  const dedupeIdentity = (kind: string, key: string, dedupe: string) => `${kind}\n${key}\n${dedupe}`;

  /**
   * Writes `batch` in one transaction. Jobs with a dedupe value are checked and inserted under
   * transaction-scoped advisory locks on (kind, key, dedupe), taken in sorted order so that two
   * instances' batches cannot deadlock: neither instance can then queue a second waiting copy.
   * A job equal to a waiting one (or to an earlier one in the batch) is dropped.
   */
  async function insertBatch(batch: readonly { job: Job; envelope: JobEnvelope }[]): Promise<void> {
    const tx = await boss.getDb().beginTransaction!();
    try {
      const deduplicated = batch.filter(({ job }) => job.dedupe !== undefined);
      const present = new Set<string>();
      if (deduplicated.length > 0) {
        const identities = [...new Set(deduplicated.map(({ job }) => dedupeIdentity(job.kind, job.key, job.dedupe!)))].sort();
        await tx.db.executeSql(
          'select count(pg_advisory_xact_lock(hashtext($1), hashtext(identity))) from (select identity from unnest($2::text[]) as identity order by identity) as sorted',
          [name, identities],
        );
        // Read-only look at pg-boss's job table (its documented schema), as inspect() does; `state < 'active'` is findJobs' "queued".
        const { rows } = await tx.db.executeSql(
          `select data->>'kind' as kind, singleton_key as key, data->>'dedupe' as dedupe from ${settings.schema}.job
           where name = $1 and state < 'active' and singleton_key = any($2::text[]) and data ? 'dedupe'`,
          [name, [...new Set(deduplicated.map(({ job }) => job.key))]],
        );
        for (const row of rows as { kind: string; key: string; dedupe: string }[]) present.add(dedupeIdentity(row.kind, row.key, row.dedupe));
      }
      const inserts = [];
      for (const { job, envelope } of batch) {
        if (job.dedupe !== undefined) {
          const identity = dedupeIdentity(job.kind, job.key, job.dedupe);
          if (present.has(identity)) continue;
          present.add(identity);
        }
        inserts.push({ data: envelope, singletonKey: job.key, priority: -job.priority });
      }
      if (inserts.length > 0) await boss.insert(name, inserts, { db: tx.db });
      await tx.commit();
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  }

  let waitingSends: { job: Job; envelope: JobEnvelope; resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Writes every send asked for in this turn, {@link ENQUEUE_BATCH_SIZE} per transaction; each send settles with its batch. */
  const writeWaitingSends = async () => {
    const sends = waitingSends;
    waitingSends = [];
    for (let start = 0; start < sends.length; start += ENQUEUE_BATCH_SIZE) {
      const batch = sends.slice(start, start + ENQUEUE_BATCH_SIZE);
      try {
        await insertBatch(batch);
        for (const send of batch) send.resolve();
      } catch (error) {
        for (const send of batch) send.reject(error);
      }
    }
  };
  /** Resolves once `job` is in the database, written together with the other sends of this turn. */
  const send = (job: Job, envelope: JobEnvelope) =>
    new Promise<void>((resolve, reject) => {
      if (waitingSends.length === 0) setImmediate(() => void writeWaitingSends());
      waitingSends.push({ job, envelope, resolve, reject });
    });

  /** Every stored job of `key` (any state), oldest first, a page at a time. */
  async function listStored(key: string) {
    const jobs: { id: string; state: string }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await boss.findJobs(name, { key, limit: 1000, ...(after ? { after } : {}) });
      jobs.push(...page.map((job) => ({ id: job.id, state: job.state })));
      if (page.length < 1000) return jobs;
      after = page.at(-1)!.id;
    }
  }

  async function cancelStored(key: string): Promise<void> {
    const ids = (await listStored(key)).filter((job) => job.state === 'created' || job.state === 'retry' || job.state === 'active').map((job) => job.id);
    if (ids.length > 0) await boss.cancel(name, ids);
  }

  async function forgetStored(key: string): Promise<void> {
    const ids = (await listStored(key)).filter((job) => job.state === 'completed' || job.state === 'cancelled' || job.state === 'failed').map((job) => job.id);
    if (ids.length > 0) await boss.deleteJob(name, ids);
  }

  async function runOne(job: BossJob<JobEnvelope>): Promise<JobResult> {
    // Fetched while this instance stops: another instance runs it.
    if (stopped) return released(job);
    const { kind, key, payload } = job.data;
    const handler = handlers.get(kind);
    // Another instance (a rolling upgrade) may know the kind: release the job to it.
    if (!handler) {
      logger.error({ kind, key }, 'no handler for job kind on this instance; released');
      return { id: job.id, status: 'failed', output: { error: 'no handler' } };
    }
    const here: RunningHere = { kind, controller: new AbortController() };
    running.set(key, here);
    const signal = AbortSignal.any([job.signal, here.controller.signal]);
    const scoped = logger.child({ job: kind, key });
    let leased: AbortSignal | undefined;
    let failure: { error: unknown } | undefined;
    try {
      await lease.runExclusive(
        key,
        (leaseSignal) => {
          leased = leaseSignal;
          return handler(payload, { signal: leaseSignal, logger: scoped });
        },
        { signal },
      );
    } catch (error) {
      failure = { error };
    } finally {
      running.delete(key);
    }
    // Unfinished work goes back to the queue: stopping, the lease's connection broke, or the lease
    // could not be taken (database unreachable) — another instance, or this one later, runs it.
    const leaseFailed = leased === undefined ? failure !== undefined && !signal.aborted : leased.aborted && !signal.aborted;
    if (here.reason === 'released' || leaseFailed) return released(job);
    // Cancelled, or pg-boss took the claim away (heartbeat lapsed): the job is no longer ours.
    if (!failure || signal.aborted) {
      // Deleting its own row before pg-boss completes it is pg-boss's documented way to leave none.
      if (here.forget) await boss.deleteJob(name, job.id);
      return { id: job.id, status: 'completed' };
    }
    scoped.error({ err: failure.error }, 'job failed');
    return { id: job.id, status: 'deadletter', output: { error: 'handler failed' } };
  }
  const released = (job: BossJob): JobResult => ({ id: job.id, status: 'failed', output: { error: 'released unfinished' } });

  async function inspect(): Promise<QueueSnapshot> {
    await ensureReady();
    // Read-only look at pg-boss's job table (its documented schema): pg-boss's own counts are cached for up to a minute.
    const { rows } = await boss.getDb().executeSql(
      `select state, singleton_key as key, data->>'kind' as kind from ${settings.schema}.job
       where name = $1 and state in ('created', 'retry', 'active') order by priority desc, created_on, id`,
      [name],
    );
    const label = (row: { kind: string; key: string }) => `${row.kind}:${row.key}`;
    const snapshot = { running: rows.filter((r) => r.state === 'active').map(label), queued: rows.filter((r) => r.state !== 'active').map(label) };
    lastQueued = snapshot.queued;
    return snapshot;
  }

  return {
    register(kind, handler) {
      handlers.set(kind, handler as JobHandler);
    },
    enqueue(job) {
      if (stopped) return;
      const envelope: JobEnvelope = { kind: job.kind, key: job.key, payload: job.payload, ...(job.dedupe !== undefined ? { dedupe: job.dedupe } : {}) };
      inKeyOrder(job.key, 'enqueue', async () => {
        await ensureReady();
        await send(job, envelope);
      });
    },
    cancel(key) {
      const here = running.get(key);
      if (here) {
        here.reason = 'cancelled';
        here.controller.abort(new Error('cancelled'));
      }
      inKeyOrder(key, 'cancel', async () => {
        await ensureReady();
        await cancelStored(key);
      });
    },
    async start() {
      if (started || stopped) return;
      started = true;
      await ensureReady().catch((error: unknown) => {
        startFailed = true;
        throw error;
      });
      // One work() per slot rather than localConcurrency: each call's id can be woken with
      // notifyWorker (see wakeWorkers), which pg-boss offers per worker id only.
      for (let slot = 0; slot < options.concurrency; slot++) {
        workerIds.push(
          await boss.work<JobEnvelope>(
            name,
            { batchSize: 1, perJobResults: true, pollingIntervalSeconds: settings.pollingIntervalSeconds, heartbeatRefreshSeconds: settings.heartbeatRefreshSeconds },
            async ([job]) => {
              try {
                return [await runOne(job!)];
              } finally {
                wakeWorkers();
              }
            },
          ),
        );
      }
    },
    runExclusive: (key, work, runOptions) => lease.runExclusive(key, work, runOptions),
    async forgetKey(key) {
      const here = running.get(key);
      if (here) here.forget = true;
      // After the key's enqueues and cancels made so far: a job cancelled just before is forgotten too.
      await chains.get(key)?.catch(() => undefined);
      await ensureReady();
      await forgetStored(key);
    },
    inspect,
    flush: settled,
    async idle() {
      // Waiting on a queue whose workers never started would hang until another instance ran
      // everything: a composition that forgot `start()` (main.ts calls it) fails here instead.
      if (!started && !stopped) throw new Error('job queue: idle() before start(); this instance runs no jobs until start() is called (composed Tally: await tally.queue.start())');
      for (;;) {
        await settled();
        if (stopped) return;
        const { running: active, queued } = await inspect();
        if (active.length === 0 && queued.length === 0 && running.size === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    snapshot() {
      return { running: [...running].map(([key, r]) => `${r.kind}:${key}`), queued: lastQueued };
    },
    health() {
      if (stopped || bossStopped) return { state: 'stopped', reason: 'the job queue has stopped' };
      if (!started) return { state: 'not_started', reason: 'the job queue has not been started' };
      if (startFailed) return { state: 'failing', reason: 'the job queue could not start (the log says why)' };
      // Start in flight: its workers are not registered yet.
      if (workerIds.length < options.concurrency) return { state: 'not_started', reason: 'the job queue is starting' };
      const workers = new Map(boss.getWipData().map((worker) => [worker.id, worker]));
      // pg-boss lists live workers only: one missing has stopped.
      if (!workerIds.every((id) => workers.get(id)?.state === 'active')) return { state: 'stopped', reason: 'the job queue\'s workers have stopped' };
      const lastFetchFailed = (id: string) => {
        const worker = workers.get(id)!;
        return worker.lastErrorOn !== null && (worker.lastFetchedOn === null || worker.lastErrorOn >= worker.lastFetchedOn);
      };
      if (workerIds.some(lastFetchFailed)) return { state: 'failing', reason: 'the job queue cannot fetch jobs from the database (the log says why)' };
      return { state: 'running' };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const here of running.values()) {
        here.reason ??= 'released';
        here.controller.abort(new Error('queue stopped'));
      }
      // Enqueues already made reach the database before its pool closes; a start in flight ends first.
      await settled();
      await ready?.catch(() => undefined);
      // pg-boss's stop waits for the (aborted) handlers, up to the timeout, then releases what still runs.
      if (ownsBoss) {
        if (bossStarted) await boss.stop({ graceful: true, timeout: settings.stopTimeoutMs });
      } else if (started) {
        await boss.offWork(name, { wait: true });
      }
      await lease.close();
    },
  };
}
