import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteTenantDb, type SqliteTenantDb } from './sqlite-tenant-db.js';
import { reportIndexes } from './tenant-migrations.js';

/**
 * The data statement (`../shared/seeds/000_*.txt`, "Stored Worklog Data") promises exactly these
 * eight worklog fields; DESIGN.md allows derived columns only when listed there too
 * (`started_ms`, `updated_ms`). Any other column, or any other table, must fail here.
 */
const STATEMENT_FIELDS = ['client_worklog_id', 'account_id', 'client_issue_id', 'comment', 'created', 'updated', 'started', 'time_spent_seconds'];
const DERIVED_FIELDS = ['started_ms', 'updated_ms'];

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

describe('tenant database schema (SQLite)', () => {
  let dataDir: string;
  let db: SqliteTenantDb;
  const columns = (table: string) => db.database.prepare(`PRAGMA table_info(${table})`).all() as ColumnInfo[];
  const brief = (table: string) => columns(table).map(({ name, notnull, pk }) => ({ name, notnull, pk }));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-schema-'));
    db = await openSqliteTenantDb(join(dataDir, 'schema.sqlite'));
  });
  afterAll(async () => {
    await db.kysely.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has exactly the worklog, tombstone, state and migration bookkeeping tables', () => {
    const tables = db.database.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all();
    expect(tables).toEqual(['kysely_migration', 'kysely_migration_lock', 'sync_state', 'worklog_tombstones', 'worklogs']);
  });

  it('stores exactly the statement fields and the two derived instants per worklog', () => {
    expect(columns('worklogs').map((column) => column.name).sort()).toEqual([...STATEMENT_FIELDS, ...DERIVED_FIELDS].sort());
    const nullable = columns('worklogs').filter((column) => column.notnull === 0).map((column) => column.name);
    expect(nullable.sort()).toEqual(['account_id', 'comment']);
  });

  it('keys worklogs by the Jira id as the rowid, with no second unique index', () => {
    const key = columns('worklogs').filter((column) => column.pk > 0);
    // Only a column declared exactly INTEGER PRIMARY KEY aliases the rowid.
    expect(key.map(({ name, type }) => ({ name, type: type.toLowerCase() }))).toEqual([{ name: 'client_worklog_id', type: 'integer' }]);
    const autoIndexes = db.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'sqlite_autoindex_worklogs%'").pluck().all();
    expect(autoIndexes).toEqual([]);
  });

  it('has the tombstone and state tables as specified', () => {
    expect(brief('worklog_tombstones')).toEqual([
      { name: 'client_worklog_id', notnull: 1, pk: 1 },
      { name: 'deleted_at_ms', notnull: 1, pk: 0 },
    ]);
    expect(brief('sync_state')).toEqual([
      { name: 'key', notnull: 1, pk: 1 },
      { name: 'value', notnull: 1, pk: 0 },
    ]);
  });

  it('has exactly the report indexes the bulk load knows how to rebuild', () => {
    const names = db.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'worklogs' ORDER BY name").pluck().all() as string[];
    expect(names).toEqual(reportIndexes.map((index) => index.name).sort());
    for (const index of reportIndexes) {
      const indexed = (db.database.prepare(`PRAGMA index_info(${index.name})`).all() as { name: string }[]).map((column) => column.name);
      expect(indexed, index.name).toEqual(index.columns);
    }
  });
});
