import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Size and hex SHA-256 of a file, streamed in 1 MiB chunks: bounded memory for a multi-GB dump,
 * and the event loop is free between chunks (hashing is native, about 2 ms a chunk).
 */
export async function sha256OfFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
