import Database from 'better-sqlite3';

/**
 * True when another connection — in practice another process, such as the running server — has
 * the SQLite file at `path` open. A WAL-mode connection holds a shared lock on the database file
 * for as long as it is open, so an exclusive lock (locking_mode EXCLUSIVE, no busy wait) is only
 * granted when nobody else has the file open. Open the file only when it exists.
 */
export function isSqliteFileInUse(path: string): boolean {
  const probe = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('begin exclusive');
    probe.exec('commit');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

/**
 * Replaces the content of the database at `livePath` (created when absent) with the backup at
 * `backupPath`, through SQLite's online backup API: the destination is written in ONE write
 * transaction, so a crash or an error leaves the old content, never a mix, and the file keeps its
 * journal mode (WAL), `-wal` and `-shm` being handled by SQLite. Pages are copied in steps with
 * the event loop free in between.
 */
export async function restoreSqliteFile(backupPath: string, livePath: string): Promise<void> {
  const source = new Database(backupPath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(livePath);
  } finally {
    source.close();
  }
}
