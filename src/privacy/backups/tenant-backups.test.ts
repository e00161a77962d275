import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../platform/app-error.js';
import { createManualClock, type ManualClock } from '../../platform/clock.js';
import { createSqliteStoreProvider } from '../../store/sqlite-store-provider.js';
import { makeWorklog } from '../../store/tenant-store.contract.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import { createSqlAuditLog, type AuditLog } from '../../tenants/audit-log.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { newTenantId, type TenantId } from '../../tenants/tenant.js';
import { observeStoreWrites } from '../../reporting/engine/observe-store-writes.js';
import { inlineBackupFileOps, type BackupFileOps } from './backup-file-ops.js';
import { isBackupAllowed } from './is-backup-allowed.js';
import { createTenantBackups, type TenantBackups, type TenantBackupsDeps } from './tenant-backups.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const DAY_MS = 86_400_000;

let dir: string;
let clock: ManualClock;
let stores: StoreProvider;
let control: ControlDb;
let audit: AuditLog;
const tenantA = newTenantId();
const tenantB = newTenantId();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-backups-'));
  clock = createManualClock(T0);
  stores = createSqliteStoreProvider({ dataDir: join(dir, 'data') });
  control = await openControlDb({ dataDir: join(dir, 'control') });
  audit = createSqlAuditLog({ db: control.db, clock });
});
afterEach(async () => {
  await stores.close();
  await control.close();
  rmSync(dir, { recursive: true, force: true });
});

const backupDir = () => join(dir, 'backups');
function backupsWith(overrides: Partial<TenantBackupsDeps> = {}): TenantBackups {
  return createTenantBackups({ backupDir: backupDir(), dataDir: join(dir, 'data'), stores, clock, audit, retentionDays: 7, fileOps: inlineBackupFileOps, ...overrides });
}

/** Writes `count` worklogs from `firstId` on, with a sync cursor, and a tombstone: every table has rows. */
async function seed(tenantId: TenantId, firstId: number, count: number): Promise<void> {
  const store = await stores.open(tenantId);
  const upserts = Array.from({ length: count }, (_, i) => makeWorklog(firstId + i, { comment: `comment of ${tenantId} #${firstId + i}` }));
  await store.applyBatch({ upserts, deletions: [{ clientWorklogId: firstId - 1, deletedAtMs: T0 }], state: { phase: 'incremental', updatedCursorMs: T0 + firstId, deletedCursorMs: T0 } });
}

/** Every row of every table of the tenant's database, read raw beside the provider. */
function dumpDatabase(tenantId: TenantId): Record<string, unknown[]> {
  const database = new Database(join(dir, 'data', 'tenants', `${tenantId}.sqlite`), { readonly: true });
  try {
    const tables = (database.prepare("select name from sqlite_schema where type = 'table' order by name").all() as { name: string }[]).map((row) => row.name);
    return Object.fromEntries(tables.map((table) => [table, database.prepare(`select * from "${table}" order by 1, 2`).all()]));
  } finally {
    database.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const auditOf = async (tenantId: TenantId) => (await audit.listAudit({ tenantId })).map(({ event, detail }) => ({ event, detail }));

describe('tenant backups', () => {
  it('takes a consistent backup on a worker thread while the sync keeps writing', async () => {
    const store = await stores.open(tenantA);
    // Each batch writes 100 rows and the cursor that says so: a consistent copy has rows = 100 × cursor.
    const writeBatch = (n: number) =>
      store.applyBatch({ upserts: Array.from({ length: 100 }, (_, i) => makeWorklog(n * 100 + i)), deletions: [], state: { updatedCursorMs: n + 1 } });
    for (let n = 0; n < 300; n++) await writeBatch(n);
    const backups = backupsWith({ fileOps: undefined }); // the production worker
    let done = false;
    let written = 300;
    const creating = backups.create(tenantA).finally(() => (done = true));
    // The sync waits for Jira between pages; here a turn of the event loop stands in for that wait.
    while (!done) {
      await writeBatch(written++);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const info = await creating;

    expect(written).toBeGreaterThan(300); // the sync was not blocked while the copy ran
    const copy = new Database(join(backupDir(), tenantA, `${info.backupId}.sqlite`), { readonly: true });
    const cursor = JSON.parse((copy.prepare("select value from sync_state where key = 'sync'").get() as { value: string } | undefined)?.value ?? '{}') as { updatedCursorMs?: number };
    const rows = (copy.prepare('select count(*) as n from worklogs').get() as { n: number }).n;
    copy.close();
    expect(rows).toBe(info.worklogs);
    expect(rows).toBeGreaterThanOrEqual(30_000);
    expect(rows).toBe(100 * (cursor.updatedCursorMs ?? 0));
    expect(info).toMatchObject({ tenantId: tenantA, createdAtMs: T0, schemaVersion: '001_worklogs' });
    expect(info.backupId).toMatch(/^20261123T080000000Z-[0-9a-f]{6}$/);
    expect((await backups.verify(tenantA, info.backupId)).ok).toBe(true);
  });

  it('lists backups newest first and keeps each next to its manifest', async () => {
    await seed(tenantA, 1, 5);
    const backups = backupsWith();
    const first = await backups.create(tenantA);
    clock.advanceMs(60_000);
    await seed(tenantA, 100, 3);
    const second = await backups.create(tenantA);
    expect(await backups.list(tenantA)).toEqual([second, first]);
    expect([first.worklogs, second.worklogs]).toEqual([5, 8]);
    expect(readdirSync(join(backupDir(), tenantA)).sort()).toEqual([`${first.backupId}.json`, `${first.backupId}.sqlite`, `${second.backupId}.json`, `${second.backupId}.sqlite`].sort());
    expect(JSON.parse(readFileSync(join(backupDir(), tenantA, `${first.backupId}.json`), 'utf8'))).toEqual({ format: 1, ...first });
    expect(await backups.list(tenantB)).toEqual([]);
    expect(await auditOf(tenantA)).toEqual([
      { event: 'backup.created', detail: { backupId: first.backupId, rowCount: 5 } },
      { event: 'backup.created', detail: { backupId: second.backupId, rowCount: 8 } },
    ]);
  });

  it('restores every row, tombstone and the sync state exactly as they were backed up', async () => {
    await seed(tenantA, 1, 250);
    const backups = backupsWith();
    const before = dumpDatabase(tenantA);
    const backup = await backups.create(tenantA);

    // Life goes on after the backup: new rows, an edit, a deletion, a moved cursor.
    const store = await stores.open(tenantA);
    await store.applyBatch({
      upserts: [makeWorklog(1000), makeWorklog(5, { comment: 'edited' }, 60_000)],
      deletions: [{ clientWorklogId: 7, deletedAtMs: T0 + 1 }],
      state: { updatedCursorMs: T0 + 99_999 },
    });
    expect(dumpDatabase(tenantA)).not.toEqual(before);

    clock.advanceMs(3_600_000);
    const report = await backups.restore(tenantA, backup.backupId);
    expect(dumpDatabase(tenantA)).toEqual(before);
    expect(report).toMatchObject({ backupId: backup.backupId, tenantId: tenantA, worklogs: 250 });
    expect(report.syncState).toMatchObject({ phase: 'incremental', updatedCursorMs: T0 + 1 });
    // The provider's handle was re-opened on the restored data, and the undo copy holds the replaced state.
    expect(await (await stores.open(tenantA)).countWorklogs()).toBe(250);
    expect(report.safetyBackupId).toBeDefined();
    expect((await backups.list(tenantA)).find((info) => info.backupId === report.safetyBackupId)?.worklogs).toBe(250);
    expect(readdirSync(join(dir, 'data', 'tenants')).filter((name) => name.startsWith(tenantA))).toContain(`${tenantA}.sqlite`);
    const restoredFile = new Database(join(dir, 'data', 'tenants', `${tenantA}.sqlite`), { readonly: true });
    expect(restoredFile.pragma('journal_mode', { simple: true })).toBe('wal');
    restoredFile.close();
    expect((await auditOf(tenantA)).map((entry) => entry.event)).toEqual(['backup.created', 'backup.verified', 'backup.created', 'backup.restored']);
  });

  it('drops what reports derived from the replaced rows, and tells who must re-apply erasures', async () => {
    await seed(tenantA, 1, 10);
    const discarded: TenantId[] = [];
    const restored: TenantId[] = [];
    const observed = observeStoreWrites(stores, () => {}, { onDiscard: (tenantId) => discarded.push(tenantId) });
    const backups = backupsWith({ stores: observed, onRestored: async (tenantId) => void restored.push(tenantId) });
    const backup = await backups.create(tenantA);
    await observed.open(tenantA);
    await backups.restore(tenantA, backup.backupId);
    expect(discarded).toEqual([tenantA]);
    expect(restored).toEqual([tenantA]);
  });

  it('restores into a tenant whose database file is gone', async () => {
    await seed(tenantA, 1, 10);
    const backups = backupsWith();
    const before = dumpDatabase(tenantA);
    const backup = await backups.create(tenantA);
    await stores.destroy(tenantA);
    const report = await backups.restore(tenantA, backup.backupId);
    expect(report.safetyBackupId).toBeUndefined();
    expect(dumpDatabase(tenantA)).toEqual(before);
  });

  it('finds a flipped byte and refuses to restore that backup', async () => {
    await seed(tenantA, 1, 50);
    const backups = backupsWith();
    const backup = await backups.create(tenantA);
    const path = join(backupDir(), tenantA, `${backup.backupId}.sqlite`);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(path, bytes);

    const report = await backups.verify(tenantA);
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === 'sha256')).toEqual({ name: 'sha256', ok: false });
    expect(report.checks.find((check) => check.name === 'size')?.ok).toBe(true);
    const live = dumpDatabase(tenantA);
    expect((await rejection(backups.restore(tenantA, backup.backupId))).code).toBe('BACKUP_CORRUPT');
    expect(dumpDatabase(tenantA)).toEqual(live);
    expect((await auditOf(tenantA)).at(-1)).toEqual({ event: 'backup.failed', detail: { backupId: backup.backupId, step: 'verify', reason: 'sha256_mismatch' } });
  });

  it("refuses to restore another tenant's backup, even when its files are copied over", async () => {
    await seed(tenantA, 1, 20);
    await seed(tenantB, 500, 3);
    const backups = backupsWith();
    const backupOfA = await backups.create(tenantA);
    expect((await rejection(backups.restore(tenantB, backupOfA.backupId))).code).toBe('BACKUP_NOT_FOUND');

    mkdirSync(join(backupDir(), tenantB), { recursive: true });
    for (const suffix of ['.sqlite', '.json']) copyFileSync(join(backupDir(), tenantA, `${backupOfA.backupId}${suffix}`), join(backupDir(), tenantB, `${backupOfA.backupId}${suffix}`));
    const liveB = dumpDatabase(tenantB);
    const refused = await rejection(backups.restore(tenantB, backupOfA.backupId));
    expect(refused.code).toBe('BACKUP_TENANT_MISMATCH');
    expect(dumpDatabase(tenantB)).toEqual(liveB);
    expect((await backups.verify(tenantB, backupOfA.backupId)).checks).toContainEqual({ name: 'tenant', ok: false, detail: `the manifest names ${tenantA}` });
  });

  it('refuses to restore while another process has the database open, and changes nothing', async () => {
    await seed(tenantA, 1, 20);
    const backups = backupsWith();
    const backup = await backups.create(tenantA);
    await seed(tenantA, 100, 1);
    // The running server's connection, idle after a read (as between two syncs).
    const server = new Database(join(dir, 'data', 'tenants', `${tenantA}.sqlite`));
    const count = () => (server.prepare('select count(*) as n from worklogs').get() as { n: number }).n;
    try {
      expect(count()).toBe(21);
      expect((await rejection(backups.restore(tenantA, backup.backupId))).code).toBe('BACKUP_RESTORE_BUSY');
      expect(count()).toBe(21);
    } finally {
      server.close();
    }
    expect((await backups.restore(tenantA, backup.backupId)).worklogs).toBe(20);
  });

  it('refuses backups and restores of an uninstalled tenant, also when the uninstall comes mid-backup', async () => {
    await seed(tenantA, 1, 5);
    const backup = await backupsWith().create(tenantA);
    let purging = true;
    const refusing = backupsWith({ isPurging: async () => purging });
    expect((await rejection(refusing.create(tenantA))).code).toBe('BACKUP_TENANT_UNINSTALLED');
    expect((await rejection(refusing.restore(tenantA, backup.backupId))).code).toBe('BACKUP_TENANT_UNINSTALLED');

    purging = false;
    const racing = backupsWith({
      isPurging: async () => purging,
      fileOps: { ...inlineBackupFileOps, snapshot: async (source, dest) => inlineBackupFileOps.snapshot(source, dest).finally(() => (purging = true)) },
    });
    expect((await rejection(racing.create(tenantA))).code).toBe('BACKUP_TENANT_UNINSTALLED');
    expect(readdirSync(join(backupDir(), tenantA))).toEqual([`${backup.backupId}.json`, `${backup.backupId}.sqlite`]);
  });

  it('leaves no partial file when a backup fails, and audits the failure without content', async () => {
    await seed(tenantA, 1, 5);
    const diskFull: BackupFileOps = {
      ...inlineBackupFileOps,
      snapshot: async (_source, dest) => {
        writeFileSync(dest, 'half a page');
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    };
    const error = await rejection(backupsWith({ fileOps: diskFull }).create(tenantA));
    expect(error).toMatchObject({ code: 'BACKUP_FAILED', retryable: true });
    expect(readdirSync(join(backupDir(), tenantA))).toEqual([]);
    expect(await auditOf(tenantA)).toEqual([{ event: 'backup.failed', detail: { backupId: expect.any(String), step: 'snapshot', reason: 'sqlite_full' } }]);

    expect((await rejection(backupsWith().create(tenantB))).code).toBe('BACKUP_SOURCE_MISSING');
  });

  it('prunes backups past the retention by the injected clock, always keeping the newest', async () => {
    await seed(tenantA, 1, 5);
    const backups = backupsWith();
    const taken = [];
    for (let day = 0; day < 10; day++) {
      clock.setMs(T0 + day * DAY_MS);
      taken.push(await backups.create(tenantA));
    }
    // Day 9: kept are the backups of days 2..9 (not older than 7 days).
    expect(await backups.prune(tenantA)).toBe(2);
    expect((await backups.list(tenantA)).map((info) => info.backupId)).toEqual(taken.slice(2).reverse().map((info) => info.backupId));
    expect(await backups.prune(tenantA)).toBe(0);

    clock.setMs(T0 + 60 * DAY_MS);
    expect(await backups.prune(tenantA)).toBe(7);
    expect((await backups.list(tenantA)).map((info) => info.backupId)).toEqual([taken[9]!.backupId]);
    expect(readdirSync(join(backupDir(), tenantA))).toHaveLength(2);
    expect((await auditOf(tenantA)).filter((entry) => entry.event === 'backup.deleted')).toHaveLength(9);
  });

  it('cleans up leftovers of killed runs once they are old enough not to be in flight', async () => {
    await seed(tenantA, 1, 5);
    const backups = backupsWith();
    const kept = await backups.create(tenantA);
    const tenantDir = join(backupDir(), tenantA);
    writeFileSync(join(tenantDir, '20261123T063000000Z-aaaaaa.sqlite.partial'), 'killed mid-copy');
    writeFileSync(join(tenantDir, '20261123T063000000Z-bbbbbb.sqlite'), 'renamed, manifest never written');
    writeFileSync(join(tenantDir, '20261123T075959000Z-cccccc.sqlite.partial'), 'another process, still copying');
    writeFileSync(join(tenantDir, 'notes.txt'), 'not ours');
    expect(await backups.prune(tenantA)).toBe(2);
    expect(readdirSync(tenantDir).sort()).toEqual(['20261123T075959000Z-cccccc.sqlite.partial', `${kept.backupId}.json`, `${kept.backupId}.sqlite`, 'notes.txt'].sort());
  });

  it('deletes every backup and the directory, idempotently, also when there were none', async () => {
    await seed(tenantA, 1, 5);
    const backups = backupsWith();
    await backups.create(tenantA);
    await backups.create(tenantA);
    writeFileSync(join(backupDir(), tenantA, '20261123T073000000Z-aaaaaa.sqlite.partial'), 'leftover');
    await backups.deleteAll(tenantA);
    expect(existsSync(join(backupDir(), tenantA))).toBe(false);
    await backups.deleteAll(tenantA);
    await backups.deleteAll(tenantB);
    expect((await auditOf(tenantA)).filter((entry) => entry.event === 'backup.deleted')).toEqual([{ event: 'backup.deleted', detail: { reason: 'tenant_purged', rowCount: 2 } }]);
    expect(await backups.list(tenantA)).toEqual([]);
  });

  it('waits for a backup in flight before deleting everything', async () => {
    await seed(tenantA, 1, 5);
    const backups = backupsWith();
    const creating = backups.create(tenantA);
    const deleting = backups.deleteAll(tenantA);
    await creating;
    await deleting;
    expect(existsSync(join(backupDir(), tenantA))).toBe(false);
  });

  it('refuses malformed tenant and backup ids before building a path', async () => {
    const backups = backupsWith();
    expect((await rejection(backups.create('../t_0123' as TenantId))).code).toBe('STORE_TENANT_ID_INVALID');
    expect((await rejection(backups.list('..' as TenantId))).code).toBe('STORE_TENANT_ID_INVALID');
    expect((await rejection(backups.verify(tenantA, '../../control/control'))).code).toBe('BACKUP_ID_INVALID');
    expect((await rejection(backups.restore(tenantA, '20261123T080000000Z-abcdef/../x'))).code).toBe('BACKUP_ID_INVALID');
    expect((await rejection(backups.verify(tenantA))).code).toBe('BACKUP_NOT_FOUND');
    expect((await rejection(backups.verify(tenantA, '20261123T080000000Z-abcdef'))).code).toBe('BACKUP_NOT_FOUND');
  });
});

describe('isBackupAllowed', () => {
  const tenant = { id: tenantA, platform: 'site', product: 'jira', baseUrl: 'https://a.atlassian.net', state: 'installed', enabled: true, installedAtMs: T0, uninstalledAtMs: undefined, updatedAtMs: T0 } as const;

  it('allows installed tenants only, and none whose purge is unfinished', () => {
    expect(isBackupAllowed(tenant)).toBe(true);
    expect(isBackupAllowed({ ...tenant, enabled: false })).toBe(true);
    expect(isBackupAllowed({ ...tenant, purgeStep: 'done' })).toBe(true);
    expect(isBackupAllowed({ ...tenant, state: 'uninstalled', uninstalledAtMs: T0 })).toBe(false);
    expect(isBackupAllowed({ ...tenant, purgeStep: 'store_destroyed' })).toBe(false);
    expect(isBackupAllowed(undefined)).toBe(false);
  });
});
