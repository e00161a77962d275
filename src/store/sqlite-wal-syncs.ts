import { Worker } from 'node:worker_threads';

/**
 * The checkpoint of a tenant file's WAL, done away from the connection that uses it (port). In WAL
 * mode with `synchronous = NORMAL` a connection syncs at three moments: its first commit into an
 * empty WAL (the header, and the directory for a new WAL file), a checkpoint, and the close of
 * the file's last connection (which checkpoints: the WAL, then the file). The open-store pool
 * closes stores all the time, so every round of incremental syncs paid those two close fsyncs per
 * tenant on the event loop — 0.5 ms each on a quiet disk, up to 200 ms on a busy one
 * (bench:tenants, issue 14). An optimisation only: when it fails, the close syncs itself.
 *
 * Not done here: the first commit's two fsyncs. Starting the WAL on another connection would
 * keep that connection's descriptor open beside the store's (SQLite holds it while the process
 * has POSIX locks on the file), a fourth descriptor per open store.
 */
export interface SqliteWalSyncs {
  /**
   * Copies the file's WAL into the database file on another connection, syncing both, and
   * empties the WAL, so the close of the caller's connection (the last one) has nothing left to
   * sync or free. Resolves true when the whole WAL was copied. The caller's connection must be
   * open and idle.
   */
  checkpoint(path: string): Promise<boolean>;
  /** Stops the helper; later calls reject. Idempotent. */
  close(): Promise<void>;
}

type WalRequest = { id: number; path: string };
type WalReply = { id: number; ok: true; complete?: boolean } | { id: number; ok: false; message: string; code: string | undefined };

/** A failed checkpoint: SQLite's message and code. */
export class SqliteWalStepError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteWalStepError';
    this.code = code;
  }
}

const WORKER_ENTRY = new URL('./sqlite-wal-worker.mjs', import.meta.url);

/**
 * {@link SqliteWalSyncs} on one long-lived worker thread, started on first use (plain JavaScript:
 * no TypeScript loader to start): requests run one at a time in arrival order (each opens and
 * closes its own connection, about a millisecond plus its fsyncs). The thread keeps no process alive while nothing is pending; if it dies, its pending
 * requests reject and the next request starts a new one.
 */
export function createWorkerWalSyncs(): SqliteWalSyncs {
  let worker: Worker | undefined;
  /** Requests sent and not answered, with the thread they were sent to. */
  const pending = new Map<number, { thread: Worker; resolve(reply: WalReply & { ok: true }): void; reject(error: Error): void }>();
  let nextId = 1;
  let closed = false;

  /** Fails the requests sent to `thread` (every request when undefined). */
  const fail = (thread: Worker | undefined, error: Error) => {
    for (const [id, request] of pending) {
      if (thread !== undefined && request.thread !== thread) continue;
      pending.delete(id);
      request.reject(error);
    }
  };

  const started = (): Worker => {
    if (worker !== undefined) return worker;
    const thread = new Worker(WORKER_ENTRY);
    thread.unref();
    thread.on('message', (reply: WalReply) => {
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (![...pending.values()].some((other) => other.thread === thread)) thread.unref();
      if (reply.ok) request.resolve(reply);
      else request.reject(new SqliteWalStepError(reply.message, reply.code));
    });
    const gone = (error: Error) => {
      if (worker === thread) worker = undefined;
      fail(thread, error);
    };
    thread.on('error', (error) => gone(error));
    thread.on('exit', (exitCode) => gone(new SqliteWalStepError(`The SQLite WAL worker stopped (exit code ${exitCode})`, undefined)));
    worker = thread;
    return thread;
  };

  const request = (path: string): Promise<WalReply & { ok: true }> => {
    if (closed) return Promise.reject(new SqliteWalStepError('The SQLite WAL worker is closed', undefined));
    const thread = started();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { thread, resolve, reject });
      thread.ref();
      thread.postMessage({ id, path } satisfies WalRequest);
    });
  };

  return {
    async checkpoint(path) {
      return (await request(path)).complete === true;
    },
    async close() {
      closed = true;
      const thread = worker;
      worker = undefined;
      if (thread !== undefined) await thread.terminate();
      fail(undefined, new SqliteWalStepError('The SQLite WAL worker is closed', undefined));
    },
  };
}
