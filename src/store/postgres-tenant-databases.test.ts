import { randomBytes } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from './postgres-store-test-kit.js';
import { describeWithPostgres } from '../../test/support/postgres.js';
import { postgresTenantMigrations } from './postgres-tenant-migrations.js';
import { reportIndexes } from './tenant-migrations.js';
import { makeWorklog } from './tenant-store.contract.js';
import type { SyncBatch } from './tenant-store.js';

const batch = (parts: Partial<SyncBatch>): SyncBatch => ({ upserts: [], deletions: [], ...parts });
// An erase waits for every older transaction on the server (postgres-erase-horizon.test.ts), and
// the server is shared with other test files: up to its 60 s bound, twice.
const ERASE_TIMEOUT = { timeout: 150_000 };

let testbed: PostgresStoreTestbed;
beforeAll(async () => {
  testbed = await createPostgresStoreTestbed();
});
afterAll(() => testbed?.cleanup());

const databasesOf = async (tenantId: TenantId) => (await testbed.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`%${tenantId}%`])).map((row) => row.datname);
const placementOf = async (tenantId: TenantId) => (await testbed.query<{ server: string }>('SELECT server FROM store_placements WHERE tenant_id = $1', [tenantId]))[0]?.server;
const onTenant = <T extends pg.QueryResultRow>(tenantId: TenantId, text: string, values: unknown[] = []) => testbed.query<T>(text, values, `tally_${tenantId}`);

describeWithPostgres('PostgresStoreProvider: databases and placement', () => {
  it('keeps each tenant in its own database tally_<tenant id>, with byte-order collation, placed on the server', async () => {
    const provider = testbed.provider();
    const [a, b] = [newTenantId(), newTenantId()];
    await (await provider.open(a)).applyBatch(batch({ upserts: [makeWorklog(1)] }));
    await provider.open(b);
    expect(await databasesOf(a)).toEqual([`tally_${a}`]);
    expect(await onTenant(a, 'SELECT count(*)::int AS n FROM worklogs')).toEqual([{ n: 1 }]);
    expect(await onTenant(b, 'SELECT count(*)::int AS n FROM worklogs')).toEqual([{ n: 0 }]);
    expect(await testbed.query('SELECT datcollate FROM pg_database WHERE datname = $1', [`tally_${a}`])).toEqual([{ datcollate: 'C' }]);
    expect(await placementOf(a)).toBe(`127.0.0.1:${new URL(testbed.serverUrl).port || '5432'}`);
    await provider.close();
  });

  it('places a new tenant on the server holding the fewest tenants, and keeps a placed one where it is', async () => {
    // Two names of the one test server are two servers as far as placement knows.
    const local = new URL(testbed.serverUrl);
    local.hostname = 'localhost';
    const port = local.port || '5432';
    // 127.0.0.1 holds exactly three more tenants than localhost (extra rows only; no database behind them).
    const countOn = async (host: string) => (await testbed.query<{ n: number }>('SELECT count(*)::int AS n FROM store_placements WHERE server = $1', [`${host}:${port}`]))[0]?.n ?? 0;
    const gap = (await countOn('127.0.0.1')) - (await countOn('localhost')) - 3;
    const fake = Array.from({ length: Math.abs(gap) }, () => newTenantId());
    for (const tenantId of fake) await testbed.query('INSERT INTO store_placements (tenant_id, server, placed_at_ms) VALUES ($1, $2, 0)', [tenantId, `${gap < 0 ? '127.0.0.1' : 'localhost'}:${port}`]);
    const provider = testbed.provider({ servers: [testbed.serverUrl, local.toString()] });
    const placed: string[] = [];
    const opened: TenantId[] = [];
    for (let i = 0; i < 4; i++) {
      const tenantId = newTenantId();
      opened.push(tenantId);
      await provider.open(tenantId);
      placed.push((await placementOf(tenantId)) as string);
    }
    // localhost catches up to three, then the fourth ties and goes to the first listed.
    expect(placed).toEqual([`localhost:${port}`, `localhost:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
    // The last one stays on 127.0.0.1 although the list now starts with localhost and both hold as many.
    const reordered = testbed.provider({ servers: [local.toString(), testbed.serverUrl] });
    await (await reordered.open(opened[3] as TenantId)).countWorklogs();
    expect(await placementOf(opened[3] as TenantId)).toBe(`127.0.0.1:${port}`);
    await testbed.query('DELETE FROM store_placements WHERE tenant_id = ANY($1)', [fake]);
    await provider.close();
  });

  it('finishes a database an earlier open left half made, without making another', async () => {
    const tenantId = newTenantId();
    const name = `tally_${tenantId}`;
    // A crash after the placement and CREATE DATABASE, during the migrations: only 001 ran.
    await testbed.query('INSERT INTO store_placements (tenant_id, server, placed_at_ms) VALUES ($1, $2, 0)', [tenantId, `127.0.0.1:${new URL(testbed.serverUrl).port || '5432'}`]);
    await testbed.query(`CREATE DATABASE ${name}`);
    const url = new URL(testbed.serverUrl);
    url.pathname = `/${name}`;
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) }) });
    const all = postgresTenantMigrations();
    const first = Object.keys(all).sort()[0] as string;
    await new Migrator({ db: kysely, provider: { getMigrations: async () => ({ [first]: all[first] as never }) } }).migrateToLatest();
    await kysely.destroy();

    const provider = testbed.provider();
    const store = await provider.open(tenantId);
    expect(await store.applyBatch(batch({ upserts: [makeWorklog(1)] }))).toMatchObject({ inserted: 1 });
    expect(await databasesOf(tenantId)).toEqual([name]);
    expect((await onTenant<{ name: string }>(tenantId, 'SELECT name FROM kysely_migration ORDER BY name')).map((row) => row.name)).toEqual(Object.keys(all).sort());
    await provider.close();
  });

  it('re-opens a current database with one read, not the migrator: even while another session holds the migration lock', async () => {
    const tenantId = newTenantId();
    const first = testbed.provider();
    await (await first.open(tenantId)).applyBatch(batch({ upserts: [makeWorklog(1)] }));
    await first.close();
    // Kysely's migrator takes this session-level advisory lock on the tenant database and waits for it.
    const url = new URL(testbed.serverUrl);
    url.pathname = `/tally_${tenantId}`;
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    await holder.query("SELECT pg_advisory_lock(3853314791062309107)");
    const reopened = testbed.provider();
    try {
      const counted = reopened.open(tenantId).then((store) => store.countWorklogs());
      const waited = new Promise((resolve) => setTimeout(() => resolve('waited for the migration lock'), 5000).unref());
      expect(await Promise.race([counted, waited])).toBe(1);
      // A database missing one of the code's migrations is not current: that open migrates (and so waits here).
      await onTenant(tenantId, "DELETE FROM kysely_migration WHERE name = 'postgres/002_maintenance_owed'");
      await reopened.close();
      const stale = testbed.provider();
      const staleOpen = stale.open(tenantId).then(() => 'opened');
      expect(await Promise.race([staleOpen, new Promise((resolve) => setTimeout(() => resolve('waited for the migration lock'), 1500).unref())])).toBe('waited for the migration lock');
      await holder.query('SELECT pg_advisory_unlock(3853314791062309107)');
      // The migrator then runs (re-applying the missing migration over the existing table may fail): either way it ends.
      await staleOpen.catch(() => undefined);
      await stale.close();
    } finally {
      await holder.end();
      await reopened.close();
    }
  });

  it('makes one database when two instances open a new tenant at the same moment', async () => {
    const [first, second] = [testbed.provider(), testbed.provider()];
    const tenantId = newTenantId();
    const [a, b] = await Promise.all([first.open(tenantId), second.open(tenantId)]);
    await a.applyBatch(batch({ upserts: [makeWorklog(1)] }));
    expect(await b.countWorklogs()).toBe(1);
    expect(await databasesOf(tenantId)).toEqual([`tally_${tenantId}`]);
    expect(await testbed.query('SELECT count(*)::int AS n FROM store_placements WHERE tenant_id = $1', [tenantId])).toEqual([{ n: 1 }]);
    await first.close();
    await second.close();
  });

  it('destroys the database even while another connection holds it, then forgets the placement', async () => {
    const provider = testbed.provider();
    const tenantId = newTenantId();
    await (await provider.open(tenantId)).applyBatch(batch({ upserts: [makeWorklog(1)] }));
    const url = new URL(testbed.serverUrl);
    url.pathname = `/tally_${tenantId}`;
    const outsider = new pg.Client({ connectionString: url.toString(), application_name: 'tally-test-outsider' });
    outsider.on('error', () => {});
    await outsider.connect();
    await provider.destroy(tenantId);
    expect(await databasesOf(tenantId)).toEqual([]);
    expect(await placementOf(tenantId)).toBeUndefined();
    await outsider.end().catch(() => {});
    await provider.close();
  });
});

describeWithPostgres('PostgresStoreProvider: connections', () => {
  it('never holds more connections than the cap while 40 tenants write and read at once, and closes them when idle', async () => {
    const applicationName = `tally-cap-${randomBytes(4).toString('hex')}`;
    const provider = testbed.provider({ maxConnections: 6, applicationName, idleTimeoutMs: 300, connectionWaitMs: 60_000 });
    const tenants = Array.from({ length: 40 }, () => newTenantId());
    const countOurs = async () => (await testbed.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1', [`${applicationName}%`]))[0]?.n ?? 0;
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, await countOurs());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const results = await Promise.all(
      tenants.map(async (tenantId, n) => {
        const store = await provider.open(tenantId);
        const rows = Array.from({ length: 20 + n }, (_, i) => makeWorklog(i + 1, { clientIssueId: 70_000 + n }));
        await store.applyBatch(batch({ upserts: rows }));
        const [count, ofIssue] = await Promise.all([store.countWorklogs(), store.getWorklogsOfIssues([70_000 + n])]);
        return { count, ofIssue: ofIssue.length };
      }),
    );
    sampling = false;
    await sampler;

    expect(results).toEqual(tenants.map((_, n) => ({ count: 20 + n, ofIssue: 20 + n })));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(6);
    // Idle connections close on their own (300 ms here, 30 s by default).
    await expect.poll(countOurs, { timeout: 5000, interval: 100 }).toBe(0);
    // …and a store whose connections all closed still works.
    expect(await (await provider.open(tenants[7] as TenantId)).countWorklogs()).toBe(27);
    await provider.close();
  }, 120_000);
});

describeWithPostgres('PostgresTenantStore on PostgreSQL', () => {
  it('moves othersWriteVersion for another instance’s commits only', ERASE_TIMEOUT, async () => {
    const tenantId = newTenantId();
    const [mine, theirs] = [testbed.provider(), testbed.provider()];
    const store = await mine.open(tenantId);
    const other = await theirs.open(tenantId);
    const start = await store.othersWriteVersion!();
    await store.applyBatch(batch({ upserts: [makeWorklog(1), makeWorklog(2)], deletions: [{ clientWorklogId: 3, deletedAtMs: 1 }], state: { updatedCursorMs: 5 } }));
    await store.eraseAccount(makeWorklog(1).accountId as string);
    expect(await store.othersWriteVersion!()).toBe(start);
    await other.applyBatch(batch({ upserts: [makeWorklog(4)] }));
    const afterOther = await store.othersWriteVersion!();
    expect(afterOther).not.toBe(start);
    expect(await store.othersWriteVersion!()).toBe(afterOther);
    await mine.close();
    await theirs.close();
  });

  it('erases an account from the table, its indexes and the planner statistics', ERASE_TIMEOUT, async () => {
    const provider = testbed.provider();
    const tenantId = newTenantId();
    const store = await provider.open(tenantId);
    const closed = '5be24ba3f91c106033269289';
    // Enough rows of the account that ANALYZE lists it among the most common values.
    const rows = Array.from({ length: 600 }, (_, i) => makeWorklog(i + 1, { accountId: i % 3 === 0 ? closed : `acc-${i % 5}` }));
    await store.beginBulkLoad();
    await store.applyBatch(batch({ upserts: rows }));
    await store.endBulkLoad();
    const statsHold = async () =>
      (await onTenant<{ n: number }>(tenantId, "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'worklogs' AND attname = 'account_id' AND (most_common_vals::text LIKE $1 OR histogram_bounds::text LIKE $1)", [`%${closed}%`]))[0]?.n;
    expect(await statsHold()).toBe(1);
    // The files of the table, its TOAST table and its indexes.
    const files = async () =>
      (
        await onTenant<{ file: string }>(
          tenantId,
          "SELECT pg_relation_filenode(c.oid)::text AS file FROM pg_class c WHERE c.oid = 'worklogs'::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'worklogs'::regclass) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'worklogs'::regclass)",
        )
      ).map((row) => row.file);
    const before = await files();
    expect(await store.eraseAccount(closed)).toBe(200);
    expect(await statsHold()).toBe(0);
    expect(await onTenant(tenantId, 'SELECT task FROM maintenance_owed')).toEqual([]);
    // The table and its indexes were rewritten into new files (n_dead_tup would not say: the
    // erase's own counts reach the statistics asynchronously, possibly after ANALYZE reset them).
    const after = await files();
    expect(after).toHaveLength(before.length);
    expect(after.filter((file) => before.includes(file))).toEqual([]);
    await provider.close();
  });

  it('leaves no byte of an erased account id or comment in the database files', ERASE_TIMEOUT, async (context) => {
    // Reads the server's own files, so only where the test shares the server's machine and may read them (skipped otherwise).
    const dataDir = (await testbed.query<{ data_directory: string }>('SHOW data_directory'))[0]?.data_directory ?? '';
    try {
      accessSync(join(dataDir, 'base'), constants.R_OK);
    } catch {
      context.skip();
    }
    const provider = testbed.provider();
    const tenantId = newTenantId();
    const store = await provider.open(tenantId);
    const canaryAccount = `557058:canary-${randomBytes(6).toString('hex')}`;
    const canaryComment = `canary comment ${randomBytes(6).toString('hex')}`;
    const rows = Array.from({ length: 300 }, (_, i) => makeWorklog(i + 1, i % 2 === 0 ? { accountId: canaryAccount, comment: canaryComment } : {}));
    await store.beginBulkLoad();
    await store.applyBatch(batch({ upserts: rows }));
    await store.endBulkLoad();
    const oid = (await testbed.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [`tally_${tenantId}`]))[0]?.oid;
    const filesHolding = async (canary: string) => {
      // Written pages reach the files at a checkpoint; before it they may be in shared buffers and the WAL only.
      await testbed.query('CHECKPOINT');
      const dir = join(dataDir, 'base', String(oid));
      return readdirSync(dir).filter((file) => readFileSync(join(dir, file)).includes(Buffer.from(canary)));
    };
    expect(await filesHolding(canaryAccount)).not.toEqual([]);
    expect(await filesHolding(canaryComment)).not.toEqual([]);
    expect(await store.eraseAccount(canaryAccount)).toBe(150);
    expect(await filesHolding(canaryAccount)).toEqual([]);
    expect(await filesHolding(canaryComment)).toEqual([]);
    await provider.close();
  });

  it('finishes an owed erase cleanup on the next erase, even one that changes nothing', ERASE_TIMEOUT, async () => {
    const provider = testbed.provider();
    const tenantId = newTenantId();
    const store = await provider.open(tenantId);
    await store.applyBatch(batch({ upserts: [makeWorklog(1, { accountId: 'acc-gone' })] }));
    // As if the process died between the erase's commit and its VACUUM.
    await onTenant(tenantId, "UPDATE worklogs SET account_id = NULL, comment = NULL; INSERT INTO maintenance_owed VALUES ('erase_cleanup')");
    expect(await store.eraseAccount('acc-gone')).toBe(0);
    expect(await onTenant(tenantId, 'SELECT task FROM maintenance_owed')).toEqual([]);
    await provider.close();
  });

  it('drops the report indexes for a bulk load, marks it across a re-open, and rebuilds them with statistics', async () => {
    const tenantId = newTenantId();
    const indexNames = async () => (await onTenant<{ indexname: string }>(tenantId, "SELECT indexname FROM pg_indexes WHERE tablename = 'worklogs' AND indexname <> 'worklogs_pkey' ORDER BY indexname")).map((row) => row.indexname);
    const all = reportIndexes.map((index) => index.name).sort();
    const provider = testbed.provider();
    const store = await provider.open(tenantId);
    expect(await indexNames()).toEqual(all);
    await store.beginBulkLoad();
    expect(await indexNames()).toEqual([]);
    await store.applyBatch(batch({ upserts: [makeWorklog(1), makeWorklog(2)] }));
    await provider.close();

    const again = testbed.provider();
    const resumed = await again.open(tenantId);
    expect(await resumed.isBulkLoading?.()).toBe(true);
    await resumed.endBulkLoad();
    expect(await resumed.isBulkLoading?.()).toBe(false);
    expect(await indexNames()).toEqual(all);
    expect(await onTenant(tenantId, "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'worklogs'")).not.toEqual([{ n: 0 }]);
    await again.close();
  });
});
