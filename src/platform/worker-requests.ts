import { Worker } from 'node:worker_threads';

/** What a request worker answers to request `id`: its result, or the failure's message and code. */
export type WorkerReply<Result> = { id: number } & (({ ok: true } & Result) | { ok: false; message: string; code: string | undefined });

/** Options of {@link createWorkerRequests}. */
export interface WorkerRequestsOptions {
  /** The worker's entry file (plain JavaScript: a thread with the TypeScript loader costs ~200 ms and ~20 MB). */
  entry: URL;
  /** The error a failed reply or a lost thread rejects with. */
  toError(message: string, code: string | undefined): Error;
  /** The worker's name in those errors, e.g. "The backup worker". */
  name: string;
  /** Stops the thread after this long without a request; the next request starts a new one. Unset: it lives until `close`. */
  idleStopMs?: number;
  /** After `close`: `refuse` later requests, or `restart` a thread for them. */
  afterClose: 'refuse' | 'restart';
}

/** Requests to one long-lived worker thread, each answered by id. */
export interface WorkerRequests<Request, Result> {
  request(payload: Request): Promise<Result>;
  /** Stops the thread (requests still pending reject). */
  close(): Promise<void>;
}

/**
 * One long-lived worker thread that answers requests by id (`{ id, ...payload }` in,
 * {@link WorkerReply} out), one at a time in arrival order, started on the first request. The
 * thread keeps no process alive while nothing is pending. If it dies, only the requests sent to
 * it reject (one stopped when idle may exit after the next one started), and the next request
 * starts a new thread. Shared by the SQLite WAL checkpoints and the backups' file work.
 */
export function createWorkerRequests<Request extends object, Result>(options: WorkerRequestsOptions): WorkerRequests<Request, Result> {
  let worker: Worker | undefined;
  let idleStop: NodeJS.Timeout | undefined;
  /** Requests sent and not answered, with the thread they were sent to. */
  const pending = new Map<number, { thread: Worker; resolve(result: Result): void; reject(error: Error): void }>();
  let nextId = 1;
  let closed = false;

  const fail = (thread: Worker | undefined, error: Error) => {
    for (const [id, request] of pending) {
      if (thread !== undefined && request.thread !== thread) continue;
      pending.delete(id);
      request.reject(error);
    }
  };

  const started = (): Worker => {
    if (worker !== undefined) return worker;
    const thread = new Worker(options.entry);
    thread.unref();
    const gone = (error: Error) => {
      if (worker === thread) worker = undefined;
      fail(thread, error);
    };
    thread.on('message', (reply: WorkerReply<Result>) => {
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (![...pending.values()].some((other) => other.thread === thread)) {
        thread.unref();
        if (options.idleStopMs !== undefined && worker === thread) {
          // Cleared by the next request: when it fires, nothing was asked of the thread since.
          idleStop = setTimeout(() => {
            if (worker === thread) worker = undefined;
            void thread.terminate();
          }, options.idleStopMs);
          idleStop.unref();
        }
      }
      if (reply.ok) {
        const { id: _id, ok: _ok, ...result } = reply;
        request.resolve(result as Result);
      } else {
        request.reject(options.toError(reply.message, reply.code));
      }
    });
    thread.on('error', (error) => gone(error));
    thread.on('exit', (exitCode) => gone(options.toError(`${options.name} stopped (exit code ${exitCode}) before it answered`, undefined)));
    worker = thread;
    return thread;
  };

  return {
    request(payload) {
      if (closed && options.afterClose === 'refuse') return Promise.reject(options.toError(`${options.name} is closed`, undefined));
      clearTimeout(idleStop);
      const thread = started();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { thread, resolve, reject });
        thread.ref();
        thread.postMessage({ ...payload, id });
      });
    },
    async close() {
      closed = true;
      clearTimeout(idleStop);
      const thread = worker;
      worker = undefined;
      if (thread !== undefined) await thread.terminate();
      fail(undefined, options.toError(`${options.name} is closed`, undefined));
    },
  };
}
