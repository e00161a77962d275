import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TallyTestbed } from './tally-testbed.js';

/** Every regular file under `dir` (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The files under Tally's data and backup directories whose raw bytes hold `canary` (SQLite
 * files, their WAL and free pages included: the scan reads bytes, not rows).
 */
export function filesHolding(bed: Pick<TallyTestbed, 'config'>, canary: string): string[] {
  const needle = Buffer.from(canary, 'utf8');
  return [...new Set([...filesUnder(bed.config.dataDir), ...filesUnder(bed.config.backupDir)])].filter((file) => readFileSync(file).includes(needle));
}
