import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../platform/app-error.js';
import { createManualClock, type ManualClock } from '../../platform/clock.js';
import { observeStoreWrites } from '../../reporting/engine/observe-store-writes.js';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from '../../store/postgres-store-test-kit.js';
import { postgresAvailable } from '../../../test/support/postgres.js';
import { makeWorklog } from '../../store/tenant-store.contract.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import { createSqlAuditLog, type AuditLog } from '../../tenants/audit-log.js';
import { newTenantId, type TenantId } from '../../tenants/tenant.js';
import { createPostgresBackupEngine, type PostgresBackupEngineDeps } from './postgres-backup-engine.js';
import { createTenantBackups, type TenantBackups, type TenantBackupsDeps } from './tenant-backups.js';

/*
 * Per-tenant backups on the PostgreSQL store: pg_dump archives in the same layout and with the
 * same manifest semantics as the SQLite files (tenant-backups.test.ts), against real databases.
 * The truth each test compares with is read straight from the tenant's database with SQL.
 */

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const DAY_MS = 86_400_000;

let testbed: PostgresStoreTestbed;
let dir: string;
let clock: ManualClock;
let stores: StoreProvider;
let audit: AuditLog;

beforeAll(async () => {
  testbed = await createPostgresStoreTestbed();
});
// Each DROP DATABASE waits for a checkpoint of the whole server: seconds when it is busy.
afterAll(async () => {
  // No scratch or replaced database of a restore may outlive its test.
  const names = await testbed.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ '^tally_t_[0-9a-f]+_(restoring|replaced)$'");
  await testbed.cleanup();
  expect(names).toEqual([]);
}, 180_000);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tally-pg-backups-'));
  clock = createManualClock(T0);
  stores = testbed.provider();
  audit = createSqlAuditLog({ db: testbed.control.db, clock });
});
afterEach(async () => {
  await testbed.closeProviders();
  rmSync(dir, { recursive: true, force: true });
});

const backupDir = () => join(dir, 'backups');
function backupsWith(overrides: Partial<TenantBackupsDeps> = {}, engine: Partial<PostgresBackupEngineDeps> = {}): TenantBackups {
  const provider = overrides.stores ?? stores;
  return createTenantBackups({
    backupDir: backupDir(),
    dataDir: join(dir, 'data'),
    stores: provider,
    clock,
    audit,
    retentionDays: 7,
    ...(Object.keys(engine).length > 0 && { engine: createPostgresBackupEngine({ databases: provider.postgresDatabases!, ...engine }) }),
    ...overrides,
  });
}

const databaseOf = (tenantId: TenantId) => `tally_${tenantId}`;

/** Writes `count` worklogs from `firstId` on, a tombstone and a cursor: every table has rows. */
async function seed(tenantId: TenantId, firstId: number, count: number): Promise<void> {
  const store = await stores.open(tenantId);
  const upserts = Array.from({ length: count }, (_, i) => makeWorklog(firstId + i, { comment: `comment of ${tenantId} #${firstId + i}` }));
  await store.applyBatch({ upserts, deletions: [{ clientWorklogId: firstId - 1, deletedAtMs: T0 }], state: { phase: 'incremental', updatedCursorMs: T0 + firstId, deletedCursorMs: T0 } });
}

/** Every row of the tenant's data tables, read with SQL beside the provider. */
async function dumpDatabase(tenantId: TenantId): Promise<Record<string, unknown[]>> {
  const on = databaseOf(tenantId);
  return {
    worklogs: await testbed.query('SELECT * FROM worklogs ORDER BY client_worklog_id', [], on),
    worklog_tombstones: await testbed.query('SELECT * FROM worklog_tombstones ORDER BY 1', [], on),
    sync_state: await testbed.query('SELECT * FROM sync_state ORDER BY 1', [], on),
    kysely_migration: await testbed.query('SELECT name FROM kysely_migration ORDER BY name', [], on),
  };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const auditOf = async (tenantId: TenantId) => (await audit.listAudit({ tenantId })).map(({ event, detail }) => ({ event, detail }));

/** A stand-in for a PostgreSQL program: records its command line and environment, then runs the real one unless told to fail. */
function recordingTool(name: 'pg_dump' | 'pg_restore', failWhen?: { argument: string; stderr: string }): { path: string; argv: () => string; env: () => string } {
  const path = join(dir, `fake-${name}`);
  const fail = failWhen ? `case "$*" in *${failWhen.argument}*) echo '${failWhen.stderr}' >&2; exit 1;; esac\n` : '';
  writeFileSync(path, `#!/bin/sh\necho "$@" >> "${path}.argv"\nenv >> "${path}.env"\n${fail}exec /usr/bin/${name} "$@"\n`);
  chmodSync(path, 0o755);
  return { path, argv: () => readFileSync(`${path}.argv`, 'utf8'), env: () => readFileSync(`${path}.env`, 'utf8') };
}

describe.skipIf(!postgresAvailable())('tenant backups on PostgreSQL', { timeout: 120_000 }, () => {
  it('takes a consistent pg_dump while the sync keeps writing, and restores exactly that state', async () => {
    const tenantId = newTenantId();
    const store = await stores.open(tenantId);
    // Each batch writes 100 rows and the cursor that says so: a consistent copy has rows = 100 × cursor.
    const writeBatch = (n: number) => store.applyBatch({ upserts: Array.from({ length: 100 }, (_, i) => makeWorklog(n * 100 + i)), deletions: [], state: { updatedCursorMs: n + 1 } });
    for (let n = 0; n < 100; n++) await writeBatch(n);
    const backups = backupsWith();
    let done = false;
    let written = 100;
    const creating = backups.create(tenantId).finally(() => (done = true));
    while (!done) await writeBatch(written++);
    const info = await creating;
    expect(written).toBeGreaterThan(100); // pg_dump runs in a child process: the writes went on

    expect(info).toMatchObject({ tenantId, createdAtMs: T0, schemaVersion: 'postgres/002_maintenance_owed' });
    expect(readdirSync(join(backupDir(), tenantId)).sort()).toEqual([`${info.backupId}.dump`, `${info.backupId}.json`]);
    // The manifest's count is the dump's; the database had more rows by the time it was read back.
    expect(info.worklogs).toBeGreaterThanOrEqual(10_000);
    expect(await store.countWorklogs()).toBe(100 * written);

    await stores.release(tenantId);
    const report = await backups.restore(tenantId, info.backupId);
    const restored = await dumpDatabase(tenantId);
    expect(restored.worklogs).toHaveLength(info.worklogs);
    expect(report.worklogs).toBe(info.worklogs);
    expect(info.worklogs).toBe(100 * report.syncState.updatedCursorMs);
  });

  it('lists backups newest first, each a .dump beside its manifest', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 5);
    const backups = backupsWith();
    const first = await backups.create(tenantId);
    clock.advanceMs(60_000);
    await seed(tenantId, 100, 3);
    const second = await backups.create(tenantId);
    expect(await backups.list(tenantId)).toEqual([second, first]);
    expect([first.worklogs, second.worklogs]).toEqual([5, 8]);
    expect(JSON.parse(readFileSync(join(backupDir(), tenantId, `${first.backupId}.json`), 'utf8'))).toEqual({ format: 1, ...first });
    expect((await backups.verify(tenantId)).checks).toEqual(['manifest', 'tenant', 'size', 'sha256', 'integrity', 'worklogs', 'schema'].map((name) => ({ name, ok: true })));
    expect((await auditOf(tenantId)).map((entry) => entry.event)).toEqual(['backup.created', 'backup.created', 'backup.verified']);
  });

  it('restores every row, tombstone and the sync state, keeps the replaced data as a backup and tells other instances', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 250);
    const discarded: TenantId[] = [];
    const observed = observeStoreWrites(stores, () => {}, { onDiscard: (id) => discarded.push(id) });
    const backups = backupsWith({ stores: observed });
    const before = await dumpDatabase(tenantId);
    const backup = await backups.create(tenantId);

    const store = await stores.open(tenantId);
    await store.applyBatch({ upserts: [makeWorklog(1000), makeWorklog(1001), makeWorklog(5, { comment: 'edited' }, 60_000)], deletions: [{ clientWorklogId: 7, deletedAtMs: T0 + 1 }], state: { updatedCursorMs: T0 + 99_999 } });
    expect(await dumpDatabase(tenantId)).not.toEqual(before);
    // Another instance, which has seen every write so far; its idle connection closes soon (a restore waits for that).
    const other = testbed.provider({ idleTimeoutMs: 50 });
    const otherStore = await other.open(tenantId);
    const seenByOther = await otherStore.othersWriteVersion!();

    clock.advanceMs(3_600_000);
    const report = await backups.restore(tenantId, backup.backupId);
    expect(await dumpDatabase(tenantId)).toEqual(before);
    expect(report).toMatchObject({ backupId: backup.backupId, tenantId, worklogs: 250 });
    expect(report.syncState).toMatchObject({ phase: 'incremental', updatedCursorMs: T0 + 1 });
    expect(discarded).toContain(tenantId);
    expect(report.safetyBackupId).toBeDefined();
    expect((await backups.list(tenantId)).find((info) => info.backupId === report.safetyBackupId)?.worklogs).toBe(251);
    // The restored database's write version moved on, so the other instance reloads what it derived.
    expect(await otherStore.othersWriteVersion!()).toBeGreaterThan(seenByOther);
    expect((await auditOf(tenantId)).map((entry) => entry.event)).toEqual(['backup.created', 'backup.verified', 'backup.created', 'backup.restored']);
  });

  it('restores a tenant whose database was dropped, placing it again', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 10);
    const backups = backupsWith();
    const before = await dumpDatabase(tenantId);
    const backup = await backups.create(tenantId);
    await stores.destroy(tenantId);
    expect(await testbed.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseOf(tenantId)])).toHaveLength(0);
    expect((await rejection(backups.create(tenantId))).code).toBe('BACKUP_SOURCE_MISSING');

    const report = await backups.restore(tenantId, backup.backupId);
    expect(report.safetyBackupId).toBeUndefined();
    expect(await dumpDatabase(tenantId)).toEqual(before);
    expect(await testbed.query('SELECT tenant_id FROM store_placements WHERE tenant_id = $1', [tenantId])).toHaveLength(1);
  });

  it('finds a flipped byte or a cut-off dump and refuses to restore either', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 50);
    const backups = backupsWith();
    const backup = await backups.create(tenantId);
    const path = join(backupDir(), tenantId, `${backup.backupId}.dump`);
    const original = readFileSync(path);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    writeFileSync(path, flipped);
    const report = await backups.verify(tenantId);
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === 'sha256')).toEqual({ name: 'sha256', ok: false });
    const live = await dumpDatabase(tenantId);
    expect((await rejection(backups.restore(tenantId, backup.backupId))).code).toBe('BACKUP_CORRUPT');
    expect(await dumpDatabase(tenantId)).toEqual(live);

    writeFileSync(path, original.subarray(0, Math.floor(original.length * 0.6)));
    const cut = await backups.verify(tenantId);
    const integrity = cut.checks.find((check) => check.name === 'integrity');
    expect(integrity?.ok).toBe(false);
    expect(integrity?.detail).toMatch(/^pg_restore: error: /);
    expect(integrity?.detail).not.toContain('comment of');
    expect(cut.checks.find((check) => check.name === 'worklogs')?.ok).toBe(false);
    expect((await auditOf(tenantId)).at(-1)).toEqual({ event: 'backup.failed', detail: { backupId: backup.backupId, step: 'verify', reason: 'size_mismatch' } });
  });

  it("refuses to restore another tenant's backup", async () => {
    const tenantA = newTenantId();
    const tenantB = newTenantId();
    await seed(tenantA, 1, 20);
    await seed(tenantB, 500, 3);
    const backups = backupsWith();
    const backupOfA = await backups.create(tenantA);
    const dirB = join(backupDir(), tenantB);
    await backups.create(tenantB);
    for (const suffix of ['.dump', '.json']) writeFileSync(join(dirB, `${backupOfA.backupId}${suffix}`), readFileSync(join(backupDir(), tenantA, `${backupOfA.backupId}${suffix}`)));
    const liveB = await dumpDatabase(tenantB);
    expect((await rejection(backups.restore(tenantB, backupOfA.backupId))).code).toBe('BACKUP_TENANT_MISMATCH');
    expect(await dumpDatabase(tenantB)).toEqual(liveB);
  });

  it('refuses to restore while another connection has the database open, and changes nothing', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 20);
    const backups = backupsWith();
    const backup = await backups.create(tenantId);
    await seed(tenantId, 100, 1);
    // Another instance's idle connection (as between two syncs).
    const url = new URL(testbed.serverUrl);
    url.pathname = `/${databaseOf(tenantId)}`;
    const server = new pg.Client({ connectionString: url.toString() });
    await server.connect();
    try {
      expect((await rejection(backups.restore(tenantId, backup.backupId))).code).toBe('BACKUP_RESTORE_BUSY');
      expect(Number((await server.query('SELECT count(*) AS n FROM worklogs')).rows[0].n)).toBe(21);
    } finally {
      await server.end();
    }
    expect((await auditOf(tenantId)).at(-1)).toEqual({ event: 'backup.failed', detail: { backupId: backup.backupId, step: 'restore', reason: 'database_in_use' } });
    expect((await backups.restore(tenantId, backup.backupId)).worklogs).toBe(20);
  });

  it('keeps the live database when pg_restore fails, and no value of its complaint reaches the error', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 30);
    const restoreTool = recordingTool('pg_restore', { argument: '--dbname=', stderr: 'pg_restore: error: could not execute query: ERROR:  invalid input syntax: "comment of a secret"' });
    const backups = backupsWith({}, { tools: { pgRestore: restoreTool.path } });
    const backup = await backups.create(tenantId);
    await seed(tenantId, 100, 2);
    const live = await dumpDatabase(tenantId);
    const error = await rejection(backups.restore(tenantId, backup.backupId));
    expect(error.code).toBe('BACKUP_FAILED');
    expect(String((error.cause as Error).message)).toBe('pg_restore: error: could not execute query: ERROR:  invalid input syntax: "…" (exit 1)');
    expect(await dumpDatabase(tenantId)).toEqual(live);
    expect((await auditOf(tenantId)).at(-1)).toEqual({ event: 'backup.failed', detail: { backupId: backup.backupId, step: 'restore', reason: 'pg_restore_failed' } });
  });

  it('passes the password in the environment only, never on the command line', async () => {
    const tenantId = newTenantId();
    const withPassword = new URL(testbed.serverUrl);
    withPassword.password = 'pa:ss/word'; // trust authentication here: the server ignores it
    const provider = testbed.provider({ servers: [withPassword.toString()] });
    await (await provider.open(tenantId)).applyBatch({ upserts: [makeWorklog(1)], deletions: [] });
    const dumpTool = recordingTool('pg_dump');
    const info = await backupsWith({ stores: provider }, { tools: { pgDump: dumpTool.path } }).create(tenantId);
    expect(info.worklogs).toBe(1);
    expect(dumpTool.argv()).not.toMatch(/pa:ss|pa%3Ass/i);
    expect(dumpTool.argv()).toContain(`/${databaseOf(tenantId)}`);
    expect(dumpTool.env()).toContain('PGPASSWORD=pa:ss/word\n');
  });

  it('leaves no partial file when pg_dump fails, and audits why', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 5);
    // A bulk load's DROP INDEX, say, holds the table exclusively longer than the dump waits.
    const url = new URL(testbed.serverUrl);
    url.pathname = `/${databaseOf(tenantId)}`;
    const locker = new pg.Client({ connectionString: url.toString() });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE worklogs IN ACCESS EXCLUSIVE MODE');
      const error = await rejection(backupsWith({}, { lockWaitTimeoutMs: 200 }).create(tenantId));
      expect(error).toMatchObject({ code: 'BACKUP_FAILED', retryable: true });
    } finally {
      await locker.end();
    }
    expect(readdirSync(join(backupDir(), tenantId))).toEqual([]);
    expect(await auditOf(tenantId)).toEqual([{ event: 'backup.failed', detail: { backupId: expect.any(String), step: 'snapshot', reason: 'pg_dump_failed' } }]);
  });

  it('prunes by retention and deletes every dump of the tenant', async () => {
    const tenantId = newTenantId();
    await seed(tenantId, 1, 5);
    const backups = backupsWith();
    const taken = [];
    for (let n = 0; n < 4; n++) {
      clock.setMs(T0 + n * 4 * DAY_MS);
      taken.push(await backups.create(tenantId));
    }
    // Day 12: the backups of days 0 and 4 are more than 7 days old.
    writeFileSync(join(backupDir(), tenantId, '20261123T063000000Z-aaaaaa.dump.partial'), 'killed mid-dump');
    expect(await backups.prune(tenantId)).toBe(3);
    expect((await backups.list(tenantId)).map((info) => info.backupId)).toEqual([taken[3]!.backupId, taken[2]!.backupId]);
    expect(readdirSync(join(backupDir(), tenantId))).toHaveLength(4);

    await backups.deleteAll(tenantId);
    expect(existsSync(join(backupDir(), tenantId))).toBe(false);
    expect((await auditOf(tenantId)).filter((entry) => entry.event === 'backup.deleted').at(-1)).toEqual({ event: 'backup.deleted', detail: { reason: 'tenant_purged', rowCount: 2 } });
  });
});
