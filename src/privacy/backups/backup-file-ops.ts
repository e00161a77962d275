import { Worker } from 'node:worker_threads';
import { inspectSqliteFile, snapshotSqliteFile, type FileInspection, type SnapshotFacts } from './sqlite-backup-files.mjs';

/** One operation of the backup worker. */
type BackupOperation = { op: 'snapshot'; sourcePath: string; destPath: string } | { op: 'inspect'; path: string };

/** A request to the backup worker; its reply carries the same id. */
export type BackupWorkerRequest = { id: number } & BackupOperation;

/** The backup worker's reply to one request. */
export type BackupWorkerReply = { id: number } & (
  | { ok: true; op: 'snapshot'; facts: SnapshotFacts }
  | { ok: true; op: 'inspect'; inspection: FileInspection }
  | { ok: false; message: string; code: string | undefined }
);


/**
 * The heavy file work of backups (port): a consistent snapshot of a live SQLite file, and the
 * inspection of a backup file. Both are synchronous in better-sqlite3 and take seconds on a large
 * tenant (a 1M-worklog file is ~360 MB, see docs/benchmarks.md), so production runs them off the
 * event loop ({@link createWorkerBackupFileOps}); tests may run them inline.
 */
export interface BackupFileOps {
  /** See {@link snapshotSqliteFile}. Rejects with the foreign error (message and SQLite code kept). */
  snapshot(sourcePath: string, destPath: string): Promise<SnapshotFacts>;
  /** See {@link inspectSqliteFile}; rejects only when the file cannot be read at all. */
  inspect(path: string): Promise<FileInspection>;
}

/** The error a failed worker operation rejects with: SQLite's message, and its code when it had one. */
export class BackupFileError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'BackupFileError';
    this.code = code;
  }
}

const WORKER_ENTRY = new URL('./backup-worker.mjs', import.meta.url);

/**
 * {@link BackupFileOps} on one long-lived worker thread, started on the first backup. It used to
 * be a thread per operation, each loading the TypeScript loader (~200 ms of CPU beside the event
 * loop on a two-core machine, twice per backup with its check); the worker and its file work are
 * plain JavaScript now, and a fleet of a thousand tenants, backed up every ~90 s, keeps one thread.
 * Operations run one at a time in arrival order. The thread keeps no process alive while nothing
 * is pending, and stops after `idleStopMs` without an operation (default a minute: a small fleet's
 * backups hours apart keep no thread); if it dies, its pending operations reject. The next
 * operation after either starts a new thread. `close()` stops it too.
 */
export function createWorkerBackupFileOps(options: { idleStopMs?: number } = {}): BackupFileOps & { close(): Promise<void> } {
  const idleStopMs = options.idleStopMs ?? 60_000;
  let worker: Worker | undefined;
  let idleStop: NodeJS.Timeout | undefined;
  /** Operations sent and not answered, with the thread they were sent to. */
  const pending = new Map<number, { thread: Worker; resolve(reply: BackupWorkerReply & { ok: true }): void; reject(error: unknown): void }>();
  let nextId = 1;

  const started = (): Worker => {
    if (worker !== undefined) return worker;
    const thread = new Worker(WORKER_ENTRY);
    thread.unref();
    // Only this thread's operations fail: a thread stopped when idle may exit after the next one started.
    const gone = (error: unknown) => {
      if (worker === thread) worker = undefined;
      for (const [id, request] of pending) {
        if (request.thread !== thread) continue;
        pending.delete(id);
        request.reject(error);
      }
    };
    thread.on('message', (reply: BackupWorkerReply) => {
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0 && worker === thread) {
        thread.unref();
        // Cleared by the next operation: when it fires, nothing was asked of the thread since.
        idleStop = setTimeout(() => {
          if (worker === thread) worker = undefined;
          void thread.terminate();
        }, idleStopMs);
        idleStop.unref();
      }
      if (reply.ok) request.resolve(reply);
      else request.reject(new BackupFileError(reply.message, reply.code));
    });
    thread.on('error', gone);
    thread.on('exit', (exitCode) => gone(new BackupFileError(`The backup worker stopped (exit code ${exitCode}) before it answered`, undefined)));
    worker = thread;
    return thread;
  };

  const run = (operation: BackupOperation): Promise<BackupWorkerReply & { ok: true }> => {
    clearTimeout(idleStop);
    const thread = started();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { thread, resolve, reject });
      thread.ref();
      thread.postMessage({ ...operation, id } satisfies BackupWorkerRequest);
    });
  };

  return {
    async snapshot(sourcePath, destPath) {
      const reply = await run({ op: 'snapshot', sourcePath, destPath });
      if (reply.op !== 'snapshot') throw new BackupFileError('The backup worker answered another operation', undefined);
      return reply.facts;
    },
    async inspect(path) {
      const reply = await run({ op: 'inspect', path });
      if (reply.op !== 'inspect') throw new BackupFileError('The backup worker answered another operation', undefined);
      return reply.inspection;
    },
    async close() {
      clearTimeout(idleStop);
      const thread = worker;
      worker = undefined;
      await thread?.terminate();
    },
  };
}

/** {@link BackupFileOps} on the calling thread (tests, and one-off CLI runs where blocking is harmless). */
export const inlineBackupFileOps: BackupFileOps = {
  snapshot: async (sourcePath, destPath) => snapshotSqliteFile(sourcePath, destPath),
  inspect: async (path) => inspectSqliteFile(path),
};
