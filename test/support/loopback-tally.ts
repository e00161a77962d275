import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { findFreePort } from '../../src/platform/free-port.js';

/** Where an end-to-end test's Tally lives when it is started the production way on loopback. */
export interface LoopbackTallyPlace {
  /** `TALLY_BASE_URL` and `PORT` (a free port on 127.0.0.1), a fresh `TALLY_SECRET_KEY`, `TALLY_DATA_DIR`: spread it into `loadConfig`. */
  env: Record<string, string>;
  dataDir: string;
  /** Deletes the data directory and everything in it; safe to call twice. */
  remove(): void;
}

/** A new data directory under the system's temp directory (named `prefix…`) and a free port, for `startServer(config)`. */
export async function prepareLoopbackTally(prefix: string): Promise<LoopbackTallyPlace> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const port = await findFreePort();
  return {
    env: {
      TALLY_BASE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
      TALLY_DATA_DIR: dataDir,
    },
    dataDir,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
