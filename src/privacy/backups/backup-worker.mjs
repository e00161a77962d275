// The backup worker: a long-lived thread that runs each request it is sent (a snapshot or an
// inspection, both synchronous SQLite and file work that would otherwise stall the server's event
// loop for seconds on a large tenant), one at a time, and answers each with its id (the message
// shapes: BackupOperation and BackupResult in backup-file-ops.ts, inside worker-requests.ts's
// envelope). Plain JavaScript, as the file work it runs, so the thread starts without the
// TypeScript loader. Errors travel back as
// SQLite's message and code only: they name files and conditions, never row content.
import { parentPort } from 'node:worker_threads';
import { inspectSqliteFile, snapshotSqliteFile } from './sqlite-backup-files.mjs';

if (!parentPort) throw new Error('backup-worker runs only as a worker thread');
const port = parentPort;
port.on('message', (request) => {
  let reply;
  try {
    reply =
      request.op === 'snapshot'
        ? { id: request.id, ok: true, op: 'snapshot', facts: snapshotSqliteFile(request.sourcePath, request.destPath) }
        : { id: request.id, ok: true, op: 'inspect', inspection: inspectSqliteFile(request.path) };
  } catch (error) {
    const code = error?.code;
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined };
  }
  port.postMessage(reply);
});
