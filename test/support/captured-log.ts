import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/logger.js';

/** Tally's real logger (redaction included) writing into an array instead of stdout. */
export interface CapturedLog {
  logger: Logger;
  /** Every line the logger wrote, in order (a live array): for secret-leak scans and log assertions. */
  lines: string[];
}

/** A real pino logger at `level` whose lines a test can read back. */
export function captureLog(level: string): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
