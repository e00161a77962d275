/**
 * Test helpers for code on the control database: one suite looped over both dialects, each test
 * on a fresh, empty database. Only imported by `*.test.ts` files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach } from 'vitest';
import { createTestPostgresDatabase, postgresAvailable } from '../../test/support/postgres.js';
import { openControlDb, type ControlDb, type ControlDbOptions, type OwnedMigrations } from './control-db.js';
import type { ControlDialect } from './control-migrations.js';

/**
 * The dialects every control-database suite runs on: `describe.each(controlDialects)`. PostgreSQL
 * only when the tests' server answers (test/support/postgres.ts; mandatory in `.ci/run`).
 */
export const controlDialects: readonly ControlDialect[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

/** A fresh, empty place for a control database, and how to remove it. */
export interface ControlDbTarget {
  options: ControlDbOptions;
  /** Where it is, for the message when a failed test keeps it. */
  location: string;
  remove(): Promise<void>;
}

/** A new temp directory (SQLite) or a new database `tally_test_<random>` (PostgreSQL). */
export async function createControlDbTarget(dialect: ControlDialect): Promise<ControlDbTarget> {
  if (dialect === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-control-'));
    return { options: { dataDir }, location: dataDir, remove: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const database = await createTestPostgresDatabase();
  return { options: { databaseUrl: database.url }, location: `database ${database.name}`, remove: database.drop };
}

/**
 * Registers a `beforeEach` that gives every test of the suite its own open, migrated control
 * database of `dialect` (with `ownedMigrations`: the edges' tables too). When the test finishes the database is closed, then removed if the test
 * passed — a failed test's database is kept (and its location printed) for a look.
 * Returns accessors valid inside a test.
 */
export function useControlDb(dialect: ControlDialect, ownedMigrations?: OwnedMigrations): { control(): ControlDb; target(): ControlDbTarget } {
  let current: { control: ControlDb; target: ControlDbTarget } | undefined;
  beforeEach(async (context) => {
    const target = await createControlDbTarget(dialect);
    let control: ControlDb | undefined;
    // onTestFinished runs after every afterEach, when the test's final state is known.
    context.onTestFinished(async ({ task }) => {
      await control?.close();
      if (task.result?.state === 'fail') console.warn(`Kept the ${dialect} control database of a failed test: ${target.location}`);
      else await target.remove();
    });
    control = await openControlDb({ ...target.options, ...(ownedMigrations ? { ownedMigrations } : {}) });
    current = { control, target };
  });
  const get = () => {
    if (!current) throw new Error('useControlDb: only available inside a test');
    return current;
  };
  return { control: () => get().control, target: () => get().target };
}
