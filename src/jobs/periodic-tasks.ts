import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ControlSchema } from '../tenants/control-schema.js';

/** One periodic task: `run` every `everyMs`, the next time kept in `scheduled_jobs` under `name`. */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/** Runs periodic tasks when due. */
export interface PeriodicTasks {
  /** Runs every task that is due now (or has never run), one after another; returns their names. */
  runDue(): Promise<string[]>;
  /** Checks every `checkEveryMs` (default a minute) until `stop`. */
  start(checkEveryMs?: number): void;
  stop(): Promise<void>;
}

/**
 * Periodic work of the server — account retention, backups, personal-data reporting — whose next
 * run is stored in the control database, so a restart neither repeats a daily task nor skips it,
 * and a task that failed is tried again at the next check (its time is moved on only after it
 * succeeded). Tasks run one at a time; a check while one runs is skipped.
 */
export function createPeriodicTasks(deps: { db: Kysely<ControlSchema>; clock: Clock; logger: Logger; tasks: readonly PeriodicTask[] }): PeriodicTasks {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<string[]> | undefined;

  async function isDue(task: PeriodicTask, nowMs: number): Promise<boolean> {
    const row = await deps.db.selectFrom('scheduled_jobs').select('next_run_at_ms').where('name', '=', task.name).executeTakeFirst();
    return row === undefined || row.next_run_at_ms <= nowMs;
  }

  async function runDueOnce(): Promise<string[]> {
    const ran: string[] = [];
    for (const task of deps.tasks) {
      if (!(await isDue(task, deps.clock.nowMs()))) continue;
      try {
        await task.run();
      } catch (error) {
        deps.logger.error({ err: error, task: task.name }, 'periodic task failed; retried at the next check');
        continue;
      }
      const next = deps.clock.nowMs() + task.everyMs;
      await deps.db
        .insertInto('scheduled_jobs')
        .values({ name: task.name, next_run_at_ms: next, progress: null })
        .onConflict((conflict) => conflict.column('name').doUpdateSet({ next_run_at_ms: next }))
        .execute();
      ran.push(task.name);
    }
    return ran;
  }

  return {
    runDue() {
      running ??= runDueOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    start(checkEveryMs = 60_000) {
      const check = () => void this.runDue().catch((error: unknown) => deps.logger.error({ err: error }, 'periodic tasks check failed'));
      check();
      timer = setInterval(check, checkEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
