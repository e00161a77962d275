/** What a fresh snapshot file holds, measured on the file itself. */
export interface SnapshotFacts {
  bytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  /** Rows of `worklogs` in the snapshot. */
  worklogs: number;
  /** The newest migration the snapshot's schema went through (`kysely_migration`), if any. */
  schemaVersion: string | undefined;
}

/** What a backup file turned out to be when checked. */
export interface FileInspection {
  bytes: number;
  sha256: string;
  /** `PRAGMA integrity_check`'s complaints (or why the file would not open); empty when sound. */
  integrityErrors: string[];
  /** Rows of `worklogs`, when the file is readable and has the table. */
  worklogs: number | undefined;
  schemaVersion: string | undefined;
}

/** Size and SHA-256 of a file, read in 1 MiB chunks (bounded memory for multi-GB files). */
export function hashFile(path: string): { bytes: number; sha256: string };

/**
 * Writes a consistent snapshot of the SQLite database at `sourcePath` to `destPath` with
 * `VACUUM INTO` on a read-only connection of its own: one committed state even while another
 * connection or process writes. The result is compact, fsynced, then measured. `destPath` must
 * not exist. Synchronous and CPU/IO heavy: run it on a worker thread (see backup-file-ops.ts).
 */
export function snapshotSqliteFile(sourcePath: string, destPath: string): SnapshotFacts;

/**
 * Checks a backup file without changing it: size and SHA-256 of its bytes, then (opened read-only)
 * `PRAGMA integrity_check`, the worklog count and the schema version. A file SQLite cannot read
 * at all is reported through `integrityErrors`, never thrown. Synchronous: run it on a worker.
 */
export function inspectSqliteFile(path: string): FileInspection;
