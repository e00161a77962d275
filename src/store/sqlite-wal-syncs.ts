import { createWorkerRequests } from '../platform/worker-requests.js';

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

/** A failed checkpoint: SQLite's message and code. */
export class SqliteWalStepError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteWalStepError';
    this.code = code;
  }
}

/**
 * {@link SqliteWalSyncs} on one long-lived worker thread (src/platform/worker-requests.ts), started
 * on first use and kept until `close` (after which requests are refused): plain JavaScript, so no
 * TypeScript loader to start. Requests run one at a time in arrival order (each opens and closes
 * its own connection, about a millisecond plus its fsyncs).
 */
export function createWorkerWalSyncs(): SqliteWalSyncs {
  const worker = createWorkerRequests<{ path: string }, { complete?: boolean }>({
    entry: new URL('./sqlite-wal-worker.mjs', import.meta.url),
    name: 'The SQLite WAL worker',
    toError: (message, code) => new SqliteWalStepError(message, code),
    afterClose: 'refuse',
  });
  return {
    async checkpoint(path) {
      return (await worker.request({ path })).complete === true;
    },
    close: () => worker.close(),
  };
}
