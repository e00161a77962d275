import { Worker } from 'node:worker_threads';
import { inspectSqliteFile, snapshotSqliteFile, type FileInspection, type SnapshotFacts } from './sqlite-backup-files.js';

/** A request to the backup worker (its `workerData`). */
export type BackupWorkerRequest = { op: 'snapshot'; sourcePath: string; destPath: string } | { op: 'inspect'; path: string };

/** The backup worker's one reply. */
export type BackupWorkerReply =
  | { ok: true; op: 'snapshot'; facts: SnapshotFacts }
  | { ok: true; op: 'inspect'; inspection: FileInspection }
  | { ok: false; message: string; code: string | undefined };

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

function runInWorker(request: BackupWorkerRequest): Promise<BackupWorkerReply & { ok: true }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_ENTRY, { workerData: request });
    let settled = false;
    worker.once('message', (reply: BackupWorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply);
      else reject(new BackupFileError(reply.message, reply.code));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (exitCode) => {
      if (!settled) reject(new BackupFileError(`The backup worker stopped (exit code ${exitCode}) before it answered`, undefined));
    });
  });
}

/**
 * {@link BackupFileOps} on a fresh worker thread per operation: backups are rare (one per tenant
 * and interval), so a thread's start-up (~100 ms with the TypeScript loader) is noise next to the
 * copy, and nothing stays alive between backups.
 */
export function createWorkerBackupFileOps(): BackupFileOps {
  return {
    async snapshot(sourcePath, destPath) {
      const reply = await runInWorker({ op: 'snapshot', sourcePath, destPath });
      if (reply.op !== 'snapshot') throw new BackupFileError('The backup worker answered another operation', undefined);
      return reply.facts;
    },
    async inspect(path) {
      const reply = await runInWorker({ op: 'inspect', path });
      if (reply.op !== 'inspect') throw new BackupFileError('The backup worker answered another operation', undefined);
      return reply.inspection;
    },
  };
}

/** {@link BackupFileOps} on the calling thread (tests, and one-off CLI runs where blocking is harmless). */
export const inlineBackupFileOps: BackupFileOps = {
  snapshot: async (sourcePath, destPath) => snapshotSqliteFile(sourcePath, destPath),
  inspect: async (path) => inspectSqliteFile(path),
};
