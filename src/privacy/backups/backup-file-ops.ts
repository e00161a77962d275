import { Worker } from 'node:worker_threads';
import { inspectSqliteFile, snapshotSqliteFile, type FileInspection, type SnapshotFacts } from './sqlite-backup-files.js';

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
 * {@link BackupFileOps} on one long-lived worker thread, started on the first backup: its start-up
 * (the TypeScript loader, ~200 ms of CPU beside the event loop on a two-core machine) is paid once,
 * not twice per backup as with a thread per operation — a fleet of a thousand tenants takes a
 * backup every ~90 s. Operations run one at a time in arrival order. The thread keeps no process
 * alive while nothing is pending; if it dies, its pending operations reject and the next one
 * starts a new thread. `close()` stops it (later operations start it again).
 */
export function createWorkerBackupFileOps(): BackupFileOps & { close(): Promise<void> } {
  let worker: Worker | undefined;
  const pending = new Map<number, { resolve(reply: BackupWorkerReply & { ok: true }): void; reject(error: unknown): void }>();
  let nextId = 1;

  const started = (): Worker => {
    if (worker !== undefined) return worker;
    const thread = new Worker(WORKER_ENTRY);
    thread.unref();
    const gone = (error: unknown) => {
      if (worker === thread) worker = undefined;
      for (const request of pending.values()) request.reject(error);
      pending.clear();
    };
    thread.on('message', (reply: BackupWorkerReply) => {
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) thread.unref();
      if (reply.ok) request.resolve(reply);
      else request.reject(new BackupFileError(reply.message, reply.code));
    });
    thread.on('error', gone);
    thread.on('exit', (exitCode) => gone(new BackupFileError(`The backup worker stopped (exit code ${exitCode}) before it answered`, undefined)));
    worker = thread;
    return thread;
  };

  const run = (operation: BackupOperation): Promise<BackupWorkerReply & { ok: true }> => {
    const thread = started();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
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
