import type { Logger } from '../platform/logger.js';
import type { Job, JobHandler, JobQueue, QueueHealth } from './job-queue.js';

interface Running {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

/** The in-process queue: the {@link JobQueue} port and its health. */
export interface InProcessJobQueue extends JobQueue {
  /** Running from creation (jobs run as they are queued) until `stop()`. */
  health(): QueueHealth;
}

/**
 * The embedded job queue: jobs run in this process, at most `concurrency` at once and one per
 * key, lowest priority number first, in arrival order within a priority. A failing job is logged
 * and does not stop the queue; retries are the handler's decision (sync steps are re-runnable).
 */
export function createInProcessJobQueue(options: { concurrency: number; logger: Logger }): InProcessJobQueue {
  const handlers = new Map<string, JobHandler>();
  const waiting: Job[] = [];
  const running = new Map<string, Running>();
  const idleWaiters: (() => void)[] = [];
  let stopped = false;

  const notifyIdle = () => {
    if (running.size === 0 && waiting.length === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const pump = () => {
    while (!stopped && running.size < options.concurrency) {
      const index = waiting.findIndex((job) => !running.has(job.key));
      if (index < 0) break;
      const [job] = waiting.splice(index, 1) as [Job];
      const handler = handlers.get(job.kind);
      if (!handler) {
        options.logger.error({ kind: job.kind }, 'no handler for job kind');
        continue;
      }
      const controller = new AbortController();
      const done = handler(job.payload, { signal: controller.signal, logger: options.logger.child({ job: job.kind, key: job.key }) })
        .catch((error: unknown) => {
          if (!controller.signal.aborted) options.logger.error({ err: error, job: job.kind, key: job.key }, 'job failed');
        })
        .finally(() => {
          running.delete(job.key);
          pump();
          notifyIdle();
        });
      running.set(job.key, { job, controller, done });
    }
    notifyIdle();
  };

  return {
    register(kind, handler) {
      handlers.set(kind, handler as JobHandler);
    },
    enqueue(job) {
      if (stopped) return;
      if (job.dedupe !== undefined && waiting.some((w) => w.kind === job.kind && w.key === job.key && w.dedupe === job.dedupe)) return;
      let index = waiting.findIndex((w) => w.priority > job.priority);
      if (index < 0) index = waiting.length;
      waiting.splice(index, 0, job);
      queueMicrotask(pump);
    },
    cancel(key) {
      for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i]!.key === key) waiting.splice(i, 1);
      running.get(key)?.controller.abort(new Error('cancelled'));
      notifyIdle();
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        queueMicrotask(() => {
          pump();
          notifyIdle();
        });
      });
    },
    health() {
      return stopped ? { state: 'stopped', reason: 'the job queue has stopped (the process is shutting down)' } : { state: 'running' };
    },
    snapshot() {
      return { running: [...running.values()].map((r) => `${r.job.kind}:${r.job.key}`), queued: waiting.map((j) => `${j.kind}:${j.key}`) };
    },
    async stop() {
      stopped = true;
      waiting.splice(0);
      const all = [...running.values()];
      for (const r of all) r.controller.abort(new Error('queue stopped'));
      await Promise.all(all.map((r) => r.done));
      notifyIdle();
    },
  };
}
