import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/app-error.js';

/**
 * A backup's id: its creation time in UTC to the millisecond, then 6 random hex characters, e.g.
 * `20261123T080000123Z-1a2b3c`. Ids sort like their times (the suffix only separates two backups
 * of the same millisecond), and they name files, so nothing else is ever accepted as one.
 */
export type BackupId = string & { readonly __brand: 'BackupId' };

const BACKUP_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

/** A new id for a backup taken at `atMs` (epoch ms from the injected clock). */
export function newBackupId(atMs: number): BackupId {
  const iso = new Date(atMs).toISOString(); // 2026-11-23T08:00:00.123Z
  const stamp = iso.replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}` as BackupId;
}

/** The id, if `value` has a backup id's shape; undefined otherwise (e.g. a file name or user input). */
export function parseBackupId(value: string): BackupId | undefined {
  return BACKUP_ID_PATTERN.test(value) ? (value as BackupId) : undefined;
}

/** Like {@link parseBackupId}, but refuses anything else with `BACKUP_ID_INVALID`. */
export function requireBackupId(value: string): BackupId {
  const id = parseBackupId(value);
  if (id === undefined) throw new AppError('BACKUP_ID_INVALID', `${JSON.stringify(value.slice(0, 80))} is not a backup id (see \`tally backup list\`)`);
  return id;
}

const BACKUP_FILE_PATTERN = /^(\d{8}T\d{9}Z-[0-9a-f]{6})\.(?:sqlite|dump|json)(?:\.partial)?$/;

/** The backup id a file of a backup directory belongs to (`<id>.sqlite`, `<id>.dump`, `<id>.json`, each also `.partial`). */
export function backupIdOfFileName(name: string): BackupId | undefined {
  return BACKUP_FILE_PATTERN.exec(name)?.[1] as BackupId | undefined;
}

/** The time an id was minted at (epoch ms): for files whose manifest is missing or unreadable. */
export function backupIdTimeMs(id: BackupId): number {
  const [, y, mo, d, h, mi, s, ms] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(id) as RegExpExecArray;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms));
}
