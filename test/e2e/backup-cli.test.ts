import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { backupCommand, type BackupCommandOptions } from '../../src/cli/backup-command.js';
import { createReportSchedule } from '../../src/privacy/personal-data/report-schedule.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';

const execFileAsync = promisify(execFile);

let bed: TallyTestbed;
const databases: TestPostgresDatabase[] = [];
afterEach(async () => {
  await bed?.close();
  for (const database of databases.splice(0)) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
});

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out: () => out.join(''), err: () => err.join('') };
}

async function backup(args: string[], options: BackupCommandOptions = {}) {
  const capture = captureIo();
  const code = await backupCommand(args, bed.config, bed.runtime, capture.io, options);
  return { code, out: capture.out(), err: capture.err() };
}

async function sync(tenantId: TenantId, ...flags: string[]) {
  bed.sim.clock.advance(61_000); // past the minute `/worklog/updated` hides
  expect(await runCli(['sync', tenantId, ...flags], bed.config, bed.runtime, captureIo().io)).toBe(0);
}

/** A synced tenant whose worklog comments carry a canary string. */
async function syncedTenant(env: Record<string, string> = {}) {
  bed = await createTallyTestbed({ env, simulator: { generate: { worklogs: 1500, seed: 61 } } });
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  await sync(tenantId, '--full');
  return { tenantId, clientKey: result.clientKey };
}

/** Every row of every table of the tenant's database file, read raw. */
function dumpDatabase(tenantId: TenantId): Record<string, unknown[]> {
  const database = new Database(join(bed.config.dataDir, 'tenants', `${tenantId}.sqlite`), { readonly: true });
  try {
    const tables = (database.prepare("select name from sqlite_schema where type = 'table' order by name").all() as { name: string }[]).map((row) => row.name);
    return Object.fromEntries(tables.map((table) => [table, database.prepare(`select * from "${table}" order by 1, 2`).all()]));
  } finally {
    database.close();
  }
}

/** Every row of the tenant's PostgreSQL database (tables in name order), read with SQL. */
async function dumpPostgresDatabase(controlUrl: string, tenantId: TenantId): Promise<Record<string, unknown[]>> {
  const url = new URL(controlUrl);
  url.pathname = `/tally_${tenantId}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const tables = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'write_version' ORDER BY 1")).rows.map((row) => row.name);
    const dump: Record<string, unknown[]> = {};
    for (const table of tables) dump[table] = (await client.query(`SELECT * FROM ${table} ORDER BY 1`)).rows;
    return dump;
  } finally {
    await client.end();
  }
}

async function expectInSyncWithJira(tenantId: TenantId) {
  const store = await bed.tally.stores.open(tenantId);
  try {
    expect(describeDifference(visibleSetOf(bed.sim, bed.config.appKey), await storedSetOf(store))).toBe('missing 0 [], extra 0 [], different 0 []');
  } finally {
    await bed.tally.stores.release(tenantId);
  }
}

describe('tally backup', () => {
  it('restores exactly what was backed up, and the next sync catches up with Jira from there', async () => {
    const { tenantId, clientKey } = await syncedTenant();
    const created = await backup(['create', '--tenant', clientKey, '--json']);
    expect(created.code).toBe(0);
    const info = JSON.parse(created.out) as { backupId: string; tenantId: string; worklogs: number };
    expect(info).toMatchObject({ tenantId, worklogs: visibleSetOf(bed.sim, bed.config.appKey).length });
    const atBackup = dumpDatabase(tenantId);

    // Jira moves on and Tally follows: new, edited and deleted worklogs.
    const { site } = bed.sim;
    const author = bed.sim.generated!.users[0]!.accountId;
    const issueId = [...site.issues.keys()][2]!;
    for (let i = 0; i < 4; i++) site.createWorklog({ issueId, authorId: author, comment: textToAdf(`after the backup ${i}`), startedMs: site.clock.now(), timeSpentSeconds: 600 });
    const existing = [...site.worklogs.values()].filter((worklog) => !worklog.visibility).slice(0, 6);
    for (const worklog of existing.slice(0, 2)) site.updateWorklog(worklog.id, { timeSpentSeconds: worklog.timeSpentSeconds + 60 }, author);
    for (const worklog of existing.slice(2, 5)) site.deleteWorklog(worklog.id);
    await sync(tenantId);
    expect(dumpDatabase(tenantId)).not.toEqual(atBackup);

    const listed = await backup(['list', '--tenant', tenantId]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${info.backupId}\\s+\\S+Z\\s+${info.worklogs}\\s`, 'm'));
    const verified = await backup(['verify', '--tenant', tenantId]);
    expect(verified).toMatchObject({ code: 0, err: '' });
    expect(verified.out).toContain(`Backup ${info.backupId} of ${tenantId} is sound.`);

    // The tenant's personal-data report ran after the backup; the restore makes it due again at once.
    const reports = createReportSchedule(bed.control.db);
    await reports.saveTenantJob(tenantId, { nextRunAtMs: bed.sim.clock.now() + 7 * 86_400_000, progress: undefined });
    const restored = await backup(['restore', '--tenant', tenantId, '--backup', info.backupId]);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toContain(`Restored ${tenantId} from backup ${info.backupId}: ${info.worklogs} worklogs; the next sync catches up from`);
    expect(dumpDatabase(tenantId)).toEqual(atBackup);
    expect(await reports.findTenantJob(tenantId)).toBeUndefined();

    await sync(tenantId);
    await expectInSyncWithJira(tenantId);

    const events = await bed.audit.listAudit({ tenantId });
    expect(events.map((entry) => entry.event)).toEqual(expect.arrayContaining(['backup.created', 'backup.verified', 'backup.restored']));
    // Ids and counts only: no comment, no secret.
    for (const entry of events) for (const key of Object.keys(entry.detail ?? {})) expect(['backupId', 'rowCount', 'reason', 'step', 'product', 'baseUrl']).toContain(key);
    expect(JSON.stringify(events)).not.toContain('after the backup');
  });

  it('refuses to restore while the server has the database open, and a backup that does not verify', async () => {
    const { tenantId } = await syncedTenant();
    const { out } = await backup(['create', '--tenant', tenantId, '--json']);
    const { backupId } = JSON.parse(out) as { backupId: string };

    const server = await bed.tally.stores.open(tenantId); // the running server holds the tenant's database
    const busy = await backup(['restore', '--tenant', tenantId, '--backup', backupId]);
    expect(busy.code).toBe(1);
    expect(busy.err).toBe(`tally: Tenant ${tenantId}'s database is open in another process (a running server?); stop it and restore again\n`);
    await server.close();

    const path = join(bed.config.backupDir, tenantId, `${backupId}.sqlite`);
    const bytes = readFileSync(path);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(path, bytes);
    const verify = await backup(['verify', '--tenant', tenantId, '--backup', backupId]);
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/FAILED {2}sha256/);
    const corrupt = await backup(['restore', '--tenant', tenantId, '--backup', backupId]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toMatch(/^tally: Backup \S+ failed verification \(sha256\); it was not restored\n$/);
  });

  it('explains bad usage with exit 2 and unknown tenants or backups with exit 1, without a stack trace', async () => {
    const { tenantId } = await syncedTenant();
    const cases: [string[], number, RegExp][] = [
      [[], 2, /backup needs one of create, list, verify, restore/],
      [['frobnicate', '--tenant', tenantId], 2, /got "frobnicate"/],
      [['list'], 2, /backup list needs --tenant/],
      [['restore', '--tenant', tenantId], 2, /backup restore needs --backup <id>/],
      [['list', '--tenant', tenantId, '--verbose'], 2, /Unknown option '--verbose'/],
      [['verify', '--tenant', tenantId, '--backup', '../../control'], 2, /is not a backup id/],
      [['list', '--tenant', 'no-such-site'], 1, /^tally: no tenant "no-such-site"/],
      [['verify', '--tenant', tenantId], 1, new RegExp(`^tally: Tenant ${tenantId} has no backup\\n$`)],
      [['restore', '--tenant', tenantId, '--backup', '20260101T000000000Z-abcdef'], 1, /has no backup 20260101T000000000Z-abcdef/],
    ];
    for (const [args, code, message] of cases) {
      const result = await backup(args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.err).toMatch(message);
      expect(result.err).not.toMatch(/\n\s+at /);
      // Usage mistakes show the usage; a malformed value says what to look up instead.
      if (code === 2 && !args.includes('../../control')) expect(result.err).toContain('backup create --tenant <tenant>');
    }
    const empty = await backup(['list', '--tenant', tenantId]);
    expect(empty).toMatchObject({ code: 0, out: `No backups of ${tenantId} yet (\`tally backup create --tenant ${tenantId}\`).\n` });
  });
});

describeWithPostgres('tally backup on PostgreSQL', () => {
  it('dumps, verifies and restores a site database, refused while the server uses it, and the next sync catches up', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const { tenantId } = await syncedTenant({ DATABASE_URL: database.url });
    expect(bed.config.tenantStore).toBe('postgres');
    // Through the real entry point: the CLI process runs pg_dump as its own child.
    const env = { ...process.env, DATABASE_URL: database.url, TALLY_DATA_DIR: bed.config.dataDir, TALLY_BASE_URL: bed.config.baseUrl, TALLY_SECRET_KEY: bed.config.secretKey!.toString('base64'), TALLY_LOG_LEVEL: 'silent' };
    const { stdout } = await execFileAsync(process.execPath, ['bin/tally.js', 'backup', 'create', '--tenant', tenantId, '--json'], { env, cwd: process.cwd() });
    const info = JSON.parse(stdout) as { backupId: string; worklogs: number };
    expect(info.worklogs).toBe(visibleSetOf(bed.sim, bed.config.appKey).length);
    expect(readdirSync(join(bed.config.backupDir, tenantId)).sort()).toEqual([`${info.backupId}.dump`, `${info.backupId}.json`]);
    const atBackup = await dumpPostgresDatabase(database.url, tenantId);

    const { site } = bed.sim;
    const author = bed.sim.generated!.users[0]!.accountId;
    for (let i = 0; i < 3; i++) site.createWorklog({ issueId: [...site.issues.keys()][1]!, authorId: author, comment: textToAdf(`after the dump ${i}`), startedMs: site.clock.now(), timeSpentSeconds: 600 });
    for (const worklog of [...site.worklogs.values()].filter((worklog) => !worklog.visibility).slice(0, 2)) site.deleteWorklog(worklog.id);
    await sync(tenantId);
    expect(await dumpPostgresDatabase(database.url, tenantId)).not.toEqual(atBackup);
    expect(await backup(['verify', '--tenant', tenantId])).toMatchObject({ code: 0, err: '' });

    // The server's pool still holds a connection to the site's database from its last read (the
    // restore would wait 35 s for an idle one to close: not here).
    await (await bed.tally.stores.open(tenantId)).countWorklogs();
    const busy = await backup(['restore', '--tenant', tenantId, '--backup', info.backupId], { idleConnectionsWaitMs: 0 });
    expect(busy).toMatchObject({ code: 1, err: `tally: Tenant ${tenantId}'s database is open in another process (a running server?); stop it and restore again\n` });
    await bed.tally.stores.release(tenantId);

    const restored = await backup(['restore', '--tenant', tenantId, '--backup', info.backupId]);
    expect(restored).toMatchObject({ code: 0, err: '' });
    expect(restored.out).toContain(`Restored ${tenantId} from backup ${info.backupId}: ${info.worklogs} worklogs`);
    expect(restored.out).toMatch(/The data as it was before the restore is backup \S+\./);
    expect(await dumpPostgresDatabase(database.url, tenantId)).toEqual(atBackup);

    await sync(tenantId);
    await expectInSyncWithJira(tenantId);
  }, 120_000);
});

describe('backup through the real entry point', () => {
  it('creates and verifies a backup with `bin/tally.js` (its worker thread runs under tsx)', async () => {
    const { tenantId } = await syncedTenant();
    // The server is stopped, as the CLI's restore needs; create and verify need nothing of it.
    await bed.tally.stores.release(tenantId);
    const env = {
      ...process.env,
      TALLY_DATA_DIR: bed.config.dataDir,
      TALLY_BASE_URL: bed.config.baseUrl,
      TALLY_SECRET_KEY: bed.config.secretKey!.toString('base64'),
      TALLY_LOG_LEVEL: 'silent',
    };
    const run = (args: string[]) => execFileAsync(process.execPath, ['bin/tally.js', ...args], { env, cwd: process.cwd() });
    const created = JSON.parse((await run(['backup', 'create', '--tenant', tenantId, '--json'])).stdout) as { backupId: string; worklogs: number };
    expect(created.worklogs).toBe(visibleSetOf(bed.sim, bed.config.appKey).length);
    const verified = JSON.parse((await run(['backup', 'verify', '--tenant', tenantId, '--backup', created.backupId, '--json'])).stdout) as { ok: boolean };
    expect(verified.ok).toBe(true);
  }, 60_000);
});
