import Database from 'better-sqlite3';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { openSqliteTenantDb } from './sqlite-tenant-db.js';
import { tenantMigrations } from './tenant-migrations.js';

const providing = (migrations: Record<string, Migration>): MigrationProvider => ({ getMigrations: async () => migrations });

/** Migration 002 of a later release, as far as these tests need one. */
const addNotes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('notes').addColumn('id', 'integer').execute();
  },
};

describe('openSqliteTenantDb on an existing file', () => {
  let dataDir: string;
  let path: string;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-tenant-db-'));
    path = join(dataDir, 't.sqlite');
    await (await openSqliteTenantDb(path)).kysely.destroy();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const tablesOf = () => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    } finally {
      db.close();
    }
  };

  it('opens a current file while another process holds the write lock (nothing to migrate, so no lock taken)', async () => {
    const writer = new Database(path);
    try {
      writer.exec('BEGIN IMMEDIATE');
      // Kysely's migrator would wait the 5 s busy timeout here for `begin immediate`, then fail.
      const opened = await openSqliteTenantDb(path);
      expect(opened.database.prepare('SELECT count(*) FROM worklogs').pluck().get()).toBe(0);
      await opened.kysely.destroy();
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('runs a migration the file has not seen yet', async () => {
    const opened = await openSqliteTenantDb(path, { migrationProvider: providing({ ...tenantMigrations('sqlite'), '002_notes': addNotes }) });
    await opened.kysely.destroy();
    expect(tablesOf()).toContain('notes');
    const again = await openSqliteTenantDb(path, { migrationProvider: providing({ ...tenantMigrations('sqlite'), '002_notes': addNotes }) });
    expect(again.database.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all()).toEqual(['001_worklogs', '002_notes']);
    await again.kysely.destroy();
  });

  it('refuses a file migrated by a newer release, and leaves nothing open', async () => {
    await (await openSqliteTenantDb(path, { migrationProvider: providing({ ...tenantMigrations('sqlite'), '002_notes': addNotes }) })).kysely.destroy();
    await expect(openSqliteTenantDb(path)).rejects.toSatisfy((error) => isAppError(error, 'STORE_MIGRATION_FAILED'));
    // The refused open closed its handle: the file can be removed and re-created at once.
    rmSync(path);
    await (await openSqliteTenantDb(path)).kysely.destroy();
    expect(tablesOf()).toContain('worklogs');
  });

  it('waits for a migration another process is applying, then applies nothing twice', async () => {
    // Another process has begun migration 002 and holds the write lock for a moment.
    const other = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      const Database = require('better-sqlite3');
      const db = new Database(workerData.path);
      db.exec('BEGIN IMMEDIATE');
      db.exec('CREATE TABLE notes (id integer)');
      db.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('002_notes', ?)").run(new Date().toISOString());
      parentPort.postMessage('migrating');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('COMMIT');
      db.close();`,
      { eval: true, workerData: { path } },
    );
    try {
      await once(other, 'message');
      // Not current yet as this open sees it: the migrator waits for the lock, then finds 002 applied
      // (running it again would fail: the table exists).
      const opened = await openSqliteTenantDb(path, { migrationProvider: providing({ ...tenantMigrations('sqlite'), '002_notes': addNotes }) });
      expect(opened.database.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all()).toEqual(['001_worklogs', '002_notes']);
      await opened.kysely.destroy();
    } finally {
      await other.terminate();
    }
  });
});
