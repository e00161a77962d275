// The file work of SQLite backups: snapshots and inspections (types: sqlite-backup-files.d.mts).
// Plain JavaScript on purpose: the backup worker thread (backup-worker.mjs) runs it without the
// TypeScript loader, which cost each worker ~200 ms of start-up and ~36 MB for as long as it lived.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Another process (the server's sync) may hold the write lock; a reader only waits at WAL recovery. */
const BUSY_TIMEOUT_MS = 5000;
const READ_CHUNK_BYTES = 1 << 20;

/** Size and SHA-256 of a file, read in 1 MiB chunks (bounded memory for multi-GB files). */
export function hashFile(path) {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, read));
      bytes += read;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

function fsyncFile(path) {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readFacts(database) {
  const tables = new Set(
    database.prepare("select name from sqlite_schema where type = 'table'").all().map((row) => row.name),
  );
  const worklogs = tables.has('worklogs') ? database.prepare('select count(*) as n from worklogs').get().n : undefined;
  const schemaVersion = tables.has('kysely_migration')
    ? database.prepare('select max(name) as name from kysely_migration').get().name ?? undefined
    : undefined;
  return { worklogs, schemaVersion };
}

/**
 * Writes a consistent snapshot of the SQLite database at `sourcePath` to `destPath` with
 * `VACUUM INTO` on a read-only connection of its own: one read transaction, so the snapshot is
 * one committed state even while another connection or process writes (WAL readers never block
 * writers, and nothing restarts the copy as the backup API would on every foreign commit).
 * The result is compact (no free pages), fsynced, then measured. `destPath` must not exist.
 * Synchronous and CPU/IO heavy: run it on a worker thread (see backup-file-ops.ts).
 */
export function snapshotSqliteFile(sourcePath, destPath) {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    // A bound parameter, not string splicing: the path may hold any character.
    source.prepare('vacuum into ?').run(destPath);
  } catch (error) {
    rmSync(destPath, { force: true });
    throw error;
  } finally {
    source.close();
  }
  fsyncFile(destPath);
  const snapshot = new Database(destPath, { readonly: true, fileMustExist: true });
  let facts;
  try {
    facts = readFacts(snapshot);
  } finally {
    snapshot.close();
  }
  if (facts.worklogs === undefined) throw new Error('The snapshot has no worklogs table: the source is not a tenant database');
  return { ...hashFile(destPath), worklogs: facts.worklogs, schemaVersion: facts.schemaVersion };
}

/**
 * Checks a backup file without changing it: size and SHA-256 of its bytes, then (opened read-only)
 * `PRAGMA integrity_check`, the worklog count and the schema version. A file SQLite cannot read
 * at all is reported through `integrityErrors`, never thrown. Synchronous: run it on a worker.
 */
export function inspectSqliteFile(path) {
  const { bytes, sha256 } = hashFile(path);
  let database;
  try {
    database = new Database(path, { readonly: true, fileMustExist: true });
    const rows = database.pragma('integrity_check');
    const integrityErrors = rows.map((row) => row.integrity_check).filter((message) => message !== 'ok');
    const facts = integrityErrors.length === 0 ? readFacts(database) : { worklogs: undefined, schemaVersion: undefined };
    return { bytes, sha256, integrityErrors, ...facts };
  } catch (error) {
    // SQLite's own words ("file is not a database", "database disk image is malformed"): no content.
    return { bytes, sha256, integrityErrors: [error instanceof Error ? error.message : String(error)], worklogs: undefined, schemaVersion: undefined };
  } finally {
    database?.close();
  }
}
