import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * "One scheduler, owned by `jobs/`": no module but src/jobs/ reads or writes the schedules table
 * (`scheduled_jobs` in the control database). Everyone else declares schedules with the Scheduler,
 * keeps progress through a task's helpers, and cancels a tenant's schedules with `cancelTenant`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TABLE = /\bscheduled_jobs\b/;
const SCANNED_DIRS = ['src', 'test', 'demo', 'scripts', 'simulator'];
/** Files that may name the table: its owner, and the files that declare or describe every table. */
const ALLOWED = [
  /^src\/jobs\//,
  // Creates and reshapes it.
  /^src\/tenants\/control-migrations\.ts$/,
  // Kysely's type of the control database (the column types; no query).
  /^src\/tenants\/control-schema\.ts$/,
  // The data statement describes every table of the control database, and its test checks it does.
  /^src\/privacy\/data-statement\/field-catalogue\.ts$/,
  /^src\/privacy\/data-statement\/data-statement\.test\.ts$/,
  // Reads every row to prove no account id is kept there (a privacy check, not schedule logic);
  // its owners may move it to `scheduler.list()`.
  /^src\/edges\/jira-connect\/personal-data-cycle\.connect\.test\.ts$/,
  /^test\/architecture\/schedules-owner\.test\.ts$/,
];

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js|tsx)$/.test(entry.name) && !entry.parentPath.includes('node_modules'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function findMentions(): string[] {
  const found: string[] = [];
  for (const file of SCANNED_DIRS.flatMap(sourceFiles)) {
    if (ALLOWED.some((pattern) => pattern.test(file))) continue;
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (TABLE.test(line)) found.push(`${file}:${index + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('the schedules table', () => {
  it('is named by no file outside src/jobs/ but the schema declarations', () => {
    expect(findMentions()).toEqual([]);
  });

  it('is found by the scan where it is used (the scan can fail)', () => {
    const owner = readFileSync(join(ROOT, 'src/jobs/schedule-store.ts'), 'utf8');
    expect(TABLE.test(owner)).toBe(true);
    expect(sourceFiles('src').length).toBeGreaterThan(100);
  });
});
