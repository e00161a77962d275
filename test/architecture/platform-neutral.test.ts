import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Issue 7, "Done when": the same sync, store and report code serves Connect and Forge tenants —
 * no module outside the two platform edges mentions either. A tenant reaches these modules as a
 * TenantId with a JiraCredentials port; which platform it came through is the edges' business.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The platform-neutral modules. */
const NEUTRAL_DIRS = ['src/bitbucket', 'src/sync', 'src/worklog-writes', 'src/store', 'src/reporting', 'src/jobs', 'src/privacy/backups', 'src/privacy/personal-data', 'src/privacy/purge', 'src/privacy/retention', 'src/tenants'];
/**
 * Files inside those modules that may name a platform: the control database's released
 * migrations are history (a released migration is never edited), and 003 and 005 created and
 * then dissolved the columns the edges now keep in their own tables.
 */
const HISTORY_FILES = ['src/tenants/control-migrations.ts'];
/**
 * A word naming either platform (`Connect`, `connect`, `FORGE`, …), not a word containing one
 * (`connection`), nor a database driver's `connect()` method or option (`pool.connect()`,
 * `{ connect: … }`): those name a connection, not a platform.
 */
const PLATFORM_WORD = /(?<![.\w])(connect|forge)\b(?!\s*[(:])/i;
/** An import of either edge's code. */
const EDGE_IMPORT = /from\s+['"][./]*(?:src\/)?edges\//;
/**
 * Citations of reference documents (`jira-connect-protocol.md §1.1`) name a source of a Jira
 * fact, not a platform: the house style asks for them. They are removed before the scan.
 */
const DOC_CITATION = /[\w./-]+\.md\b/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** `file:line: text` of every line in the neutral modules that names a platform or imports an edge. */
function findMentions(): string[] {
  const found: string[] = [];
  for (const file of NEUTRAL_DIRS.flatMap(sourceFiles).filter((candidate) => !HISTORY_FILES.includes(candidate))) {
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (EDGE_IMPORT.test(line) || PLATFORM_WORD.test(line.replace(DOC_CITATION, ''))) found.push(`${file}:${index + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('platform-neutral modules', () => {
  it('scans real files, and would catch a mention', () => {
    expect(NEUTRAL_DIRS.flatMap(sourceFiles).length).toBeGreaterThan(50);
    expect(PLATFORM_WORD.test('// the Connect edge hands it over')).toBe(true);
    expect(PLATFORM_WORD.test('a Forge installation')).toBe(true);
    expect(PLATFORM_WORD.test('one connection per tenant; disconnected')).toBe(false);
    expect(PLATFORM_WORD.test('const client = await pool.connect();')).toBe(false);
    expect(PLATFORM_WORD.test('Connect and Forge tenants')).toBe(true);
    expect(EDGE_IMPORT.test("import { x } from '../edges/kit/atlassian-jwt.js';")).toBe(true);
    expect(EDGE_IMPORT.test("import { x } from '../../src/edges/jira-forge/forge-edge.js';")).toBe(true);
    expect(PLATFORM_WORD.test('(jira-connect-protocol.md §1.1)'.replace(DOC_CITATION, ''))).toBe(false);
  });

  it('neither name Connect or Forge nor import either edge (sync, store, reports, jobs, backup, gdpr, lifecycle, tenant registry)', () => {
    expect(findMentions()).toEqual([]);
  });
});
