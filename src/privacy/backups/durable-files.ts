import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Writes `text` to a new file at `path` (failing if it exists) and fsyncs it before returning. */
export function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Fsyncs a directory, so the renames inside it survive a power cut (POSIX: a rename is durable
 * only once its directory is). Platforms that cannot open a directory for sync skip it.
 */
export function fsyncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
