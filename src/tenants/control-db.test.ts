import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres } from '../../test/support/postgres.js';
import { isAppError } from '../platform/app-error.js';
import { openControlDb, type ControlDbOptions } from './control-db.js';
import { controlDialects, createControlDbTarget, useControlDb } from './control-db-test-kit.js';

async function openError(options: ControlDbOptions): Promise<{ code: string; message: string }> {
  try {
    const control = await openControlDb(options);
    await control.close();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected openControlDb to fail');
}

const tenantRow = {
  id: 't_000000000000000000000001',
  platform: 'site',
  product: 'jira',
  base_url: 'https://acme.atlassian.net',
  state: 'installed',
  enabled: 1,
  installed_at_ms: 1_800_000_000_123,
  uninstalled_at_ms: null,
  updated_at_ms: 1_800_000_000_123,
} as const;

describe.each(controlDialects)('openControlDb (%s)', (dialect) => {
  const kit = useControlDb(dialect);

  it('applies the migrations to a new database', () => {
    expect(kit.control().dialect).toBe(dialect);
    expect(kit.control().appliedMigrations).toEqual(['001_tenants_and_audit_log', '002_purge_and_schedules', '003_forge_tenants', '004_schedules_by_tenant', '005_tenants_core', '007_bitbucket', 'zz_006_drop_legacy_tenants']);
  });

  it('applies nothing when reopened, and keeps the rows', async () => {
    await kit.control().db.insertInto('tenants').values(tenantRow).execute();
    await kit.control().close();
    const reopened = await openControlDb(kit.target().options);
    try {
      expect(reopened.appliedMigrations).toEqual([]);
      const rows = await reopened.db.selectFrom('tenants').select('id').execute();
      expect(rows).toEqual([{ id: 't_000000000000000000000001' }]);
    } finally {
      await reopened.close();
    }
  });

  it('reads epoch-ms bigint columns back as numbers', async () => {
    const { db } = kit.control();
    await db.insertInto('tenants').values(tenantRow).execute();
    const row = await db.selectFrom('tenants').select(['installed_at_ms', 'uninstalled_at_ms']).executeTakeFirstOrThrow();
    expect(row).toEqual({ installed_at_ms: 1_800_000_000_123, uninstalled_at_ms: null });
  });

  it('enforces one row per tenant id', async () => {
    const { db } = kit.control();
    await db.insertInto('tenants').values(tenantRow).execute();
    await expect(db.insertInto('tenants').values({ ...tenantRow, base_url: 'https://other.atlassian.net' }).execute()).rejects.toThrow();
  });

  it('reports the failing migration when the schema is not what the migrations expect', async () => {
    const target = await createControlDbTarget(dialect);
    try {
      // Forgetting which migrations ran leaves tables that 001 then fails to create.
      const control = await openControlDb(target.options);
      await sql`drop table kysely_migration`.execute(control.db);
      await control.close();
      const error = await openError(target.options);
      expect(error.code).toBe('CONTROL_DB_MIGRATION_FAILED');
      expect(error.message).toContain('001_tenants_and_audit_log');
    } finally {
      await target.remove();
    }
  });
});

describe('openControlDb on SQLite', () => {
  const kit = useControlDb('sqlite');

  it('turns on WAL and foreign keys in control.sqlite', async () => {
    const { db } = kit.control();
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    expect(journal.rows).toEqual([{ journal_mode: 'wal' }]);
    expect(foreignKeys.rows).toEqual([{ foreign_keys: 1 }]);
  });

  it('fails with CONTROL_DB_UNAVAILABLE when the data directory cannot be made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-control-'));
    try {
      writeFileSync(join(dir, 'file'), '');
      expect((await openError({ dataDir: join(dir, 'file', 'data') })).code).toBe('CONTROL_DB_UNAVAILABLE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPostgres('openControlDb on PostgreSQL', () => {
  it('fails with CONTROL_DB_UNAVAILABLE for a missing database, without echoing the password', async () => {
    const missing = `tally_test_missing_${randomBytes(6).toString('hex')}`;
    const error = await openError({ databaseUrl: `postgres://postgres:pw-not-for-logs@127.0.0.1:5432/${missing}` });
    expect(error.code).toBe('CONTROL_DB_UNAVAILABLE');
    expect(error.message).toContain(missing);
    expect(error.message).not.toContain('pw-not-for-logs');
  });

  it('lets two instances migrate the same new database at once', async () => {
    const database = await createTestPostgresDatabase();
    try {
      const both = await Promise.all([openControlDb({ databaseUrl: database.url }), openControlDb({ databaseUrl: database.url })]);
      // One instance applies every migration; the other finds them applied.
      expect(both.flatMap((control) => control.appliedMigrations)).toEqual(['001_tenants_and_audit_log', '002_purge_and_schedules', '003_forge_tenants', '004_schedules_by_tenant', '005_tenants_core', '007_bitbucket', 'zz_006_drop_legacy_tenants']);
      await Promise.all(both.map((control) => control.close()));
    } finally {
      await database.drop();
    }
  });
});
