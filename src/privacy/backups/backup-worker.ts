import { parentPort, workerData } from 'node:worker_threads';
import { inspectSqliteFile, snapshotSqliteFile } from './sqlite-backup-files.js';
import type { BackupWorkerReply, BackupWorkerRequest } from './backup-file-ops.js';

/*
 * A one-shot backup worker: runs the request in `workerData` (a snapshot or an inspection, both
 * synchronous SQLite and file work that would otherwise stall the server's event loop for
 * seconds on a large tenant), posts one reply and ends. Errors travel back as SQLite's message and
 * code only: they name files and conditions, never row content.
 */
if (!parentPort) throw new Error('backup-worker runs only as a worker thread');
const request = workerData as BackupWorkerRequest;
let reply: BackupWorkerReply;
try {
  reply =
    request.op === 'snapshot'
      ? { ok: true, op: 'snapshot', facts: snapshotSqliteFile(request.sourcePath, request.destPath) }
      : { ok: true, op: 'inspect', inspection: inspectSqliteFile(request.path) };
} catch (error) {
  const code = (error as { code?: unknown } | null)?.code;
  reply = { ok: false, message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined };
}
parentPort.postMessage(reply);
