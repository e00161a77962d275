import type { Clock } from '../platform/clock.js';
import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { Logger } from '../platform/logger.js';
import type { TenantId } from '../tenants/tenant.js';
import type { ScheduleKey, ScheduleRow, ScheduleStore } from './schedule-store.js';
import type { Task, TaskHelpers, TaskOutcome } from './task.js';

/** An app-wide schedule: `task` every `everyMs`. */
export interface PeriodicSchedule {
  name: string;
  everyMs: number;
  task: Task<void>;
  /** Delay of the very first run (default 0: due at once); a stored next run wins after a restart. */
  firstRunAfterMs?: number;
  /** Delay after a `failed` outcome (default the interval, at most a minute: the next check). */
  failureRetryMs?: number;
}

/** A per-tenant schedule: for every tenant `tenants()` lists, `task({ tenantId })` every `everyMs`. */
export interface TenantSchedule {
  name: string;
  everyMs: number;
  /** The tenants that have this schedule now; rows of tenants no longer listed are dropped. */
  tenants(): Promise<readonly TenantId[]>;
  task: Task<{ tenantId: TenantId }>;
  /** Delay of a new tenant's first run (e.g. a stable offset that spreads a fleet); default 0. */
  firstRunAfterMs?(tenantId: TenantId): number;
  failureRetryMs?: number;
}

/**
 * The only owner of schedules (port). Declarations are made once at composition; the runner
 * claims due runs, runs their tasks and sets each next run from the task's {@link TaskOutcome}.
 * The control-database implementation is {@link createControlDbScheduler}; a pg-boss one can
 * take the same declarations (tasks only see their payload and helpers).
 */
export interface Scheduler {
  declarePeriodic(schedule: PeriodicSchedule): void;
  declarePerTenant(schedule: TenantSchedule): void;
  /**
   * Runs every due schedule once, one after another; returns what ran (`name`, or
   * `name:<tenant id>`). A pass while one runs joins it.
   */
  runDue(): Promise<string[]>;
  /** Deletes every schedule (and progress) of a tenant; idempotent. Returns how many there were. */
  cancelTenant(tenantId: TenantId): Promise<number>;
  /** Every stored schedule, for status pages and tests. */
  list(): Promise<ScheduleRow[]>;
  /** Runs due schedules until `stop`, waking when the next one is due (at most every `maxCheckMs`, default a minute). */
  start(maxCheckMs?: number): void;
  /** Stops the timer, aborts the running task and waits for it. */
  stop(): Promise<void>;
}

/** What {@link createControlDbScheduler} needs. */
export interface ControlDbSchedulerDeps {
  store: ScheduleStore;
  clock: Clock;
  logger: Logger;
}

const MIN_WAKE_MS = 50;

/**
 * The scheduler on the control database (`scheduled_jobs`, see schedule-store.ts). Safe with
 * several processes: a due run is claimed with a conditional update (its next run moved one
 * interval on while it runs, so a process that dies mid-run does not make it run twice at once),
 * and only the claimant runs it. After the task, its outcome sets the next run. Tasks run one at
 * a time in this process; a failing task is logged and does not stop the others.
 */
export function createControlDbScheduler(deps: ControlDbSchedulerDeps): Scheduler {
  const { store, clock, logger } = deps;
  const periodic: PeriodicSchedule[] = [];
  const perTenant: TenantSchedule[] = [];
  let controller = new AbortController();
  let running: Promise<string[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const names = new Set<string>();
  const declare = (name: string, everyMs: number) => {
    if (names.has(name)) throw new Error(`schedule ${name} declared twice`);
    if (!(everyMs > 0)) throw new RangeError(`schedule ${name}: everyMs must be positive, got ${everyMs}`);
    names.add(name);
  };

  function nextRunAfter(outcome: TaskOutcome, schedule: { everyMs: number; failureRetryMs?: number }, nowMs: number): number {
    if (outcome.status === 'done') return nowMs + schedule.everyMs;
    if (outcome.status === 'retry') return nowMs + Math.max(0, outcome.retryAfterMs);
    return nowMs + (schedule.failureRetryMs ?? Math.min(schedule.everyMs, 60_000));
  }

  async function runClaimed<P>(schedule: PeriodicSchedule | TenantSchedule, key: ScheduleKey, task: Task<P>, payload: P): Promise<void> {
    const scoped = logger.child({ schedule: key.name, ...(key.tenantId ? { tenantId: key.tenantId } : {}) });
    const helpers: TaskHelpers = {
      logger: scoped,
      clock,
      signal: controller.signal,
      progress: {
        async read() {
          const text = (await store.find(key))?.progress;
          if (text === undefined) return undefined;
          try {
            return JSON.parse(text) as unknown;
          } catch {
            return undefined;
          }
        },
        save: (value) => store.saveProgress(key, value === undefined ? undefined : JSON.stringify(value)),
      },
    };
    let outcome: TaskOutcome;
    try {
      outcome = await task(payload, helpers);
    } catch (error) {
      outcome = { status: 'failed', reason: 'threw', error };
    }
    if (outcome.status === 'failed') scoped.error({ err: outcome.error, reason: outcome.reason }, 'scheduled task failed; retried later');
    else if (outcome.status === 'retry') scoped.info({ reason: outcome.reason, retryAfterMs: outcome.retryAfterMs }, 'scheduled task retries later');
    await store.setNextRun(key, nextRunAfter(outcome, schedule, clock.nowMs()));
  }

  /** Claims the run of `key` if it is due; undefined when not due or taken by another process. */
  async function claimIfDue(key: ScheduleKey, row: ScheduleRow | undefined, everyMs: number): Promise<boolean> {
    const nowMs = clock.nowMs();
    if (!row || row.nextRunAtMs > nowMs) return false;
    return store.claim(key, row.nextRunAtMs, nowMs + everyMs);
  }

  async function runPeriodic(schedule: PeriodicSchedule, ran: string[]): Promise<void> {
    const key = { name: schedule.name };
    let row = await store.find(key);
    if (!row) {
      await store.insertIfMissing(key, clock.nowMs() + (schedule.firstRunAfterMs ?? 0));
      row = await store.find(key);
    }
    if (!(await claimIfDue(key, row, schedule.everyMs))) return;
    await runClaimed(schedule, key, schedule.task, undefined);
    ran.push(schedule.name);
  }

  async function runPerTenant(schedule: TenantSchedule, ran: string[]): Promise<void> {
    const tenants = await schedule.tenants();
    const rows = new Map((await store.list(schedule.name)).map((row) => [row.tenantId, row]));
    const listed = new Set<TenantId | undefined>(tenants);
    for (const tenantId of rows.keys()) if (!listed.has(tenantId)) await store.delete({ name: schedule.name, tenantId });
    for (const tenantId of tenants) {
      /*
       * A turn per tenant: on SQLite every statement below is synchronous and their promises
       * settle as microtasks, so a pass over a thousand tenants (a new schedule's first insert and
       * find for each) ran as one unbroken 170 ms stretch of the event loop (issue 14).
       */
      await takeEventLoopTurn();
      if (controller.signal.aborted) return;
      const key = { name: schedule.name, tenantId };
      let row = rows.get(tenantId);
      if (!row) {
        await store.insertIfMissing(key, clock.nowMs() + (schedule.firstRunAfterMs?.(tenantId) ?? 0));
        row = await store.find(key);
      }
      if (!(await claimIfDue(key, row, schedule.everyMs))) continue;
      await runClaimed(schedule, key, schedule.task, { tenantId });
      ran.push(`${schedule.name}:${tenantId}`);
    }
  }

  async function runDueOnce(): Promise<string[]> {
    const ran: string[] = [];
    for (const schedule of periodic) {
      if (controller.signal.aborted) break;
      try {
        await runPeriodic(schedule, ran);
      } catch (error) {
        logger.error({ err: error, schedule: schedule.name }, 'schedule check failed');
      }
    }
    for (const schedule of perTenant) {
      if (controller.signal.aborted) break;
      try {
        await runPerTenant(schedule, ran);
      } catch (error) {
        logger.error({ err: error, schedule: schedule.name }, 'schedule check failed');
      }
    }
    return ran;
  }

  /** When this process should look again: the earliest stored next run of a declared schedule. */
  async function nextWakeMs(maxCheckMs: number): Promise<number> {
    const nowMs = clock.nowMs();
    const due = (await store.list()).filter((row) => names.has(row.name)).map((row) => row.nextRunAtMs - nowMs);
    return Math.min(maxCheckMs, Math.max(MIN_WAKE_MS, Math.min(maxCheckMs, ...due)));
  }

  return {
    declarePeriodic(schedule) {
      declare(schedule.name, schedule.everyMs);
      periodic.push(schedule);
    },
    declarePerTenant(schedule) {
      declare(schedule.name, schedule.everyMs);
      perTenant.push(schedule);
    },
    runDue() {
      running ??= runDueOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    cancelTenant: (tenantId) => store.deleteTenant(tenantId),
    list: () => store.list(),
    start(maxCheckMs = 60_000) {
      stopped = false;
      if (controller.signal.aborted) controller = new AbortController();
      const tick = async () => {
        timer = undefined;
        try {
          await this.runDue();
        } catch (error) {
          logger.error({ err: error }, 'scheduler pass failed');
        }
        if (stopped) return;
        const wakeMs = await nextWakeMs(maxCheckMs).catch(() => maxCheckMs);
        if (stopped) return;
        timer = setTimeout(() => void tick(), wakeMs);
        timer.unref();
      };
      void tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      controller.abort(new Error('scheduler stopped'));
      await running?.catch(() => undefined);
    },
  };
}
