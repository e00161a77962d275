import { createWorkerRequests } from '../../platform/worker-requests.js';
import { inspectSqliteFile, snapshotSqliteFile, type FileInspection, type SnapshotFacts } from './sqlite-backup-files.mjs';

/** One operation of the backup worker. */
type BackupOperation = { op: 'snapshot'; sourcePath: string; destPath: string } | { op: 'inspect'; path: string };

/** What the backup worker (backup-worker.mjs) answers to an operation, inside worker-requests.ts's reply envelope. */
type BackupResult = { op: 'snapshot'; facts: SnapshotFacts } | { op: 'inspect'; inspection: FileInspection };


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

/**
 * {@link BackupFileOps} on one long-lived worker thread (src/platform/worker-requests.ts), started
 * on the first backup. It used to be a thread per operation, each loading the TypeScript loader
 * (~200 ms of CPU beside the event loop on a two-core machine, twice per backup with its check);
 * the worker and its file work are plain JavaScript now, and a fleet of a thousand tenants,
 * backed up every ~90 s, keeps one thread. Operations run one at a time in arrival order. The
 * thread stops after `idleStopMs` without an operation (default a minute: a small fleet's backups
 * hours apart keep no thread); the next operation after that, or after `close()`, starts a new one.
 */
export function createWorkerBackupFileOps(options: { idleStopMs?: number } = {}): BackupFileOps & { close(): Promise<void> } {
  const worker = createWorkerRequests<BackupOperation, BackupResult>({
    entry: new URL('./backup-worker.mjs', import.meta.url),
    name: 'The backup worker',
    toError: (message, code) => new BackupFileError(message, code),
    idleStopMs: options.idleStopMs ?? 60_000,
    afterClose: 'restart',
  });
  return {
    async snapshot(sourcePath, destPath) {
      const result = await worker.request({ op: 'snapshot', sourcePath, destPath });
      if (result.op !== 'snapshot') throw new BackupFileError('The backup worker answered another operation', undefined);
      return result.facts;
    },
    async inspect(path) {
      const result = await worker.request({ op: 'inspect', path });
      if (result.op !== 'inspect') throw new BackupFileError('The backup worker answered another operation', undefined);
      return result.inspection;
    },
    close: () => worker.close(),
  };
}

/** {@link BackupFileOps} on the calling thread (tests, and one-off CLI runs where blocking is harmless). */
export const inlineBackupFileOps: BackupFileOps = {
  snapshot: async (sourcePath, destPath) => snapshotSqliteFile(sourcePath, destPath),
  inspect: async (path) => inspectSqliteFile(path),
};
