// The SQLite WAL worker thread (see sqlite-wal-syncs.ts): each request opens its own connection to
// a tenant file the main thread has open, checkpoints it (the step that syncs), and closes again.
// Plain JavaScript on purpose: it needs only better-sqlite3, so the thread starts without the
// TypeScript loader (which costs a worker ~200 ms of start-up and memory for as long as it lives).
// Errors travel back as SQLite's message and code only: they name files, never row content.
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';

if (!parentPort) throw new Error('sqlite-wal-worker runs only as a worker thread');

// Short: the main thread's own connection is idle while it waits; a lock held longer belongs to
// another process (the CLI), and then the main thread simply does the step itself.
const BUSY_TIMEOUT_MS = 200;

parentPort.on('message', ({ id, path }) => {
  let database;
  let reply;
  try {
    database = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    // As the main connection: in WAL mode NORMAL syncs the WAL and then the file at a checkpoint.
    database.pragma('synchronous = NORMAL');
    // TRUNCATE: copies the WAL into the database file (the main connection is idle: nothing holds
    // it back), syncing the WAL and then the file, and empties the WAL here — so the main
    // connection's close unlinks an empty file instead of freeing its blocks on the event loop.
    const [result] = database.pragma('wal_checkpoint(TRUNCATE)');
    reply = { id, ok: true, complete: result.busy === 0 };
  } catch (error) {
    const code = typeof error?.code === 'string' ? error.code : undefined;
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error), code };
  }
  try {
    // Closed before the reply, never after: the main thread closes its own connection as soon as
    // it hears back, and two closes at once would each see the other and neither delete the WAL
    // (the next open would then rebuild its index and checkpoint every frame again, syncing).
    // Not the file's last connection (the main thread's is open), so this close syncs nothing; its
    // descriptor stays open until the main connection closes (SQLite keeps it while the process
    // holds POSIX locks on the file, which closing it would drop).
    database?.close();
  } catch {
    // Nothing this step needs: the reply stands.
  }
  parentPort.postMessage(reply);
});
