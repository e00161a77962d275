import { open } from 'node:fs/promises';

/**
 * Writes `text` to a new file at `path` (failing if it exists) and fsyncs it before resolving.
 * Asynchronous (libuv's threads), so the fsync never holds the event loop.
 */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Fsyncs a directory, so the renames inside it survive a power cut (POSIX: a rename is durable
 * only once its directory is). Platforms that cannot open a directory for sync skip it.
 * Asynchronous, as {@link writeFileDurably}.
 */
export async function fsyncDirectory(path: string): Promise<void> {
  let directory: Awaited<ReturnType<typeof open>> | undefined;
  try {
    directory = await open(path, 'r');
    await directory.sync();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await directory?.close();
  }
}
