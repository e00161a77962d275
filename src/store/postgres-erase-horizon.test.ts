import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { databaseFilesHolding, readablePostgresDataDirectory, relationFilesHolding } from '../../test/support/postgres-file-scan.js';
import { createTestPostgresDatabase, describeWithPostgres, postgresAvailable, type TestPostgresDatabase } from '../../test/support/postgres.js';
import { AppError } from '../platform/app-error.js';
import { newTenantId, type TenantId } from '../tenants/tenant.js';
import { createPgTenantPools } from './pg-tenant-pools.js';
import { eraseAccountRows, finishEraseCleanup } from './postgres-personal-data.js';
import { listHorizonBlockers, reclaimDeletedRowVersions, type HorizonBlocker } from './postgres-row-reclaim.js';
import { createPostgresStoreTestbed, type PostgresStoreTestbed } from './postgres-store-test-kit.js';
import { databaseUrlOn } from './postgres-tenant-db.js';
import { makeWorklog } from './tenant-store.contract.js';

/*
 * What keeps an erased value's bytes in a table's files through VACUUM FULL, on the PostgreSQL
 * the tests run against (15 here) — the finding behind the erase's horizon wait
 * (postgres-row-reclaim.ts). VACUUM FULL copies every row version that some snapshot might
 * still see ("recently dead") into the new files; it drops only versions older than the
 * database's removal horizon. Each case holds one kind of transaction open on another
 * connection across the erase (UPDATE … SET NULL) and the VACUUM FULL, then scans the table's
 * heap, TOAST and index files for the erased value; after the holder ends, a second VACUUM FULL
 * must leave nothing, which proves the holder was the reason.
 *
 * Found: a snapshot in the SAME database taken before the erase committed keeps the bytes; one
 * taken after does not; a read-only snapshot in ANOTHER database does not; but a transaction in
 * another database that holds a transaction id (it wrote) older than the erase does — VACUUM's
 * own snapshot then has an xmin that old, and VACUUM counts its own snapshot. READ COMMITTED
 * keeps no snapshot between statements. Prepared transactions behave as a writing transaction
 * (tested where `max_prepared_transactions` > 0). Replication slots and `hot_standby_feedback`
 * need a standby or `wal_level = logical` to show and are taken from PostgreSQL's source
 * (procarray.c: slot xmins and walsenders' feedback count for every database).
 */

let dataDirectory: string | undefined;
const databases: TestPostgresDatabase[] = [];
const clients: pg.Client[] = [];
let other: TestPostgresDatabase;

beforeAll(async () => {
  if (!postgresAvailable()) return;
  other = await createTestPostgresDatabase();
  dataDirectory = await readablePostgresDataDirectory(other.url);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
});
afterAll(async () => {
  await Promise.all(databases.splice(0).map((database) => database.drop()));
  await other?.drop();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'tally-test-holder' });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

/** A database with a `worklogs`-like table: 300 rows, every other one the canary's, and an index on the account. */
async function seededDatabase(canary: string): Promise<TestPostgresDatabase> {
  const database = await createTestPostgresDatabase();
  databases.push(database);
  const client = await connect(database.url);
  await client.query('CREATE TABLE worklogs (id int PRIMARY KEY, account_id text, comment text); CREATE INDEX worklogs_account ON worklogs (account_id)');
  await client.query(
    "INSERT INTO worklogs SELECT n, CASE WHEN n % 2 = 0 THEN $1 ELSE 'acc-' || n % 7 END, CASE WHEN n % 2 = 0 THEN 'note ' || $1 ELSE 'work ' || n END FROM generate_series(1, 300) n",
    [canary],
  );
  await client.query('CREATE TABLE elsewhere (n int); INSERT INTO elsewhere VALUES (1)');
  return database;
}

/** A transaction held open on another connection; `end` commits (or rolls back a prepared one). */
interface Holder {
  /** Whether `blocker` (from listHorizonBlockers) is this holder. */
  is(blocker: HorizonBlocker): boolean;
  end(): Promise<void>;
}

const pidOf = (client: pg.Client) => (client as unknown as { processID: number }).processID;
const sessionHolder = (client: pg.Client): Holder => ({
  is: (blocker) => blocker.kind === 'session' && blocker.pid === pidOf(client),
  end: () => client.query('COMMIT').then(() => {}),
});
type HolderKind = (sameDatabase: TestPostgresDatabase) => Promise<Holder>;

const repeatableReadIn = (pick: (same: TestPostgresDatabase) => TestPostgresDatabase): HolderKind => async (same) => {
  const client = await connect(pick(same).url);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await client.query('SELECT count(*) FROM pg_class');
  return sessionHolder(client);
};
const writerIn = (pick: (same: TestPostgresDatabase) => TestPostgresDatabase): HolderKind => async (same) => {
  const client = await connect(pick(same).url);
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE IF NOT EXISTS scratch (n int); INSERT INTO scratch VALUES (1)');
  return sessionHolder(client);
};

interface Outcome {
  /** Whether listHorizonBlockers named the holder while it was open. */
  holderNamed: boolean;
  /** Files holding the canary after VACUUM FULL with the holder open. */
  whileHeld: string[];
  /** …and after the holder ended and VACUUM FULL ran again. */
  afterRelease: string[];
}

/**
 * Seeds, opens the holder (before or after the erase), erases, VACUUM FULLs and scans; then
 * ends the holder, VACUUM FULLs again and scans again.
 */
async function eraseWhileHeld(holderKind: HolderKind, when: 'before the erase' | 'after the erase'): Promise<Outcome> {
  const canary = `canary-${randomBytes(8).toString('hex')}`;
  const database = await seededDatabase(canary);
  const scan = () => relationFilesHolding(database.url, dataDirectory as string, database.name, 'worklogs', canary);
  // The scan can fail: before the erase the canary is in the heap and the index.
  expect((await scan()).length).toBeGreaterThanOrEqual(2);
  const eraser = await connect(database.url);
  let holder = when === 'before the erase' ? await holderKind(database) : undefined;
  await eraser.query('UPDATE worklogs SET account_id = NULL, comment = NULL WHERE account_id = $1', [canary]);
  const erasedBy = (await eraser.query<{ xid: string }>('SELECT xmin::text AS xid FROM worklogs WHERE id = 2')).rows[0]?.xid as string;
  if (holder === undefined) {
    // A snapshot taken while another test's older transaction still runs would be as old as that
    // one: open the holder once nothing on the server is older than the erase.
    await expect.poll(() => listHorizonBlockers(eraser, erasedBy), { timeout: 20_000, interval: 100 }).toEqual([]);
    holder = await holderKind(database);
  }
  const held = holder;
  // Other engineers' tests share the server: wait until nothing but the holder keeps the erased
  // versions, so what the scan finds is the holder's doing (listHorizonBlockers is checked below
  // against the scan itself).
  await expect.poll(async () => (await listHorizonBlockers(eraser, erasedBy)).filter((blocker) => !held.is(blocker)), { timeout: 20_000, interval: 100 }).toEqual([]);
  const holderNamed = (await listHorizonBlockers(eraser, erasedBy)).some((blocker) => held.is(blocker));
  await eraser.query('VACUUM FULL worklogs');
  const whileHeld = await scan();
  await held.end();
  await expect.poll(() => listHorizonBlockers(eraser, erasedBy), { timeout: 20_000, interval: 100 }).toEqual([]);
  await eraser.query('VACUUM FULL worklogs');
  return { holderNamed, whileHeld, afterRelease: await scan() };
}

describeWithPostgres('PostgreSQL: what keeps erased bytes through VACUUM FULL', () => {
  const cases: { name: string; holder: HolderKind; when: 'before the erase' | 'after the erase'; keeps: boolean }[] = [
    { name: 'a REPEATABLE READ snapshot in the same database, taken before the erase', holder: repeatableReadIn((same) => same), when: 'before the erase', keeps: true },
    { name: 'a REPEATABLE READ snapshot in the same database, taken after the erase committed', holder: repeatableReadIn((same) => same), when: 'after the erase', keeps: false },
    { name: 'a READ COMMITTED transaction in the same database, idle after a read', holder: async (same) => {
      const client = await connect(same.url);
      await client.query('BEGIN');
      await client.query('SELECT n FROM elsewhere');
      return sessionHolder(client);
    }, when: 'before the erase', keeps: false },
    { name: 'a REPEATABLE READ snapshot in another database that only read', holder: repeatableReadIn(() => other), when: 'before the erase', keeps: false },
    { name: 'a transaction in another database holding an older transaction id', holder: writerIn(() => other), when: 'before the erase', keeps: true },
    { name: 'a transaction in another database that began writing after the erase', holder: writerIn(() => other), when: 'after the erase', keeps: false },
  ];

  for (const { name, holder, when, keeps } of cases) {
    it(`${keeps ? 'keeps' : 'does not keep'} them for ${name}`, async (context) => {
      if (dataDirectory === undefined) context.skip();
      const outcome = await eraseWhileHeld(holder, when);
      if (keeps) expect(outcome.whileHeld.length).toBeGreaterThan(0);
      else expect(outcome.whileHeld).toEqual([]);
      // The erase's horizon check agrees with what VACUUM FULL actually did.
      expect(outcome.holderNamed).toBe(keeps);
      expect(outcome.afterRelease).toEqual([]);
    });
  }

  it('keeps them for a prepared transaction in another database', async (context) => {
    const [setting] = (await (await connect(other.url)).query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions')).rows;
    if (dataDirectory === undefined || setting?.max_prepared_transactions === '0') context.skip();
    const gid = `tally-test-${randomBytes(6).toString('hex')}`;
    const outcome = await eraseWhileHeld(async () => {
      const client = await connect(other.url);
      await client.query('BEGIN');
      await client.query('CREATE TABLE IF NOT EXISTS prepared_scratch (n int); INSERT INTO prepared_scratch VALUES (1)');
      await client.query(`PREPARE TRANSACTION '${gid}'`);
      return { is: (blocker) => blocker.kind === 'prepared transaction' && blocker.database === other.name, end: () => client.query(`ROLLBACK PREPARED '${gid}'`).then(() => {}) };
    }, 'before the erase');
    expect(outcome.whileHeld.length).toBeGreaterThan(0);
    expect(outcome.holderNamed).toBe(true);
    expect(outcome.afterRelease).toEqual([]);
  });
});

describeWithPostgres('eraseAccount on PostgreSQL: the horizon wait', () => {
  let testbed: PostgresStoreTestbed;
  beforeAll(async () => {
    testbed = await createPostgresStoreTestbed();
  });
  afterAll(() => testbed?.cleanup());

  const tenantUrl = (tenantId: TenantId) => databaseUrlOn(testbed.serverUrl, `tally_${tenantId}`);

  /** A synced site with 300 worklogs, half of them the canary account's, with a canary comment. */
  async function siteWithCanary() {
    const provider = testbed.provider();
    const tenantId = newTenantId();
    const store = await provider.open(tenantId);
    const account = `557058:canary-${randomBytes(6).toString('hex')}`;
    const comment = `canary comment ${randomBytes(6).toString('hex')}`;
    const rows = Array.from({ length: 300 }, (_, i) => makeWorklog(i + 1, i % 2 === 0 ? { accountId: account, comment } : {}));
    await store.beginBulkLoad();
    await store.applyBatch({ upserts: rows, deletions: [] });
    await store.endBulkLoad();
    const filesHolding = async () => [
      ...(await databaseFilesHolding(testbed.serverUrl, dataDirectory as string, `tally_${tenantId}`, account)),
      ...(await databaseFilesHolding(testbed.serverUrl, dataDirectory as string, `tally_${tenantId}`, comment)),
    ];
    // The scan can fail: before the erase both canaries are in the site's files.
    expect((await filesHolding()).length).toBeGreaterThanOrEqual(2);
    const owed = async () => (await testbed.query<{ n: number }>('SELECT count(*)::int AS n FROM maintenance_owed', [], `tally_${tenantId}`))[0]?.n;
    return { tenantId, store, account, filesHolding, owed };
  }

  /** Runs `erase` while `holder` is open; ends the holder once the erase committed; returns the erase's outcome. */
  async function eraseWhile(holder: Holder, owed: () => Promise<number | undefined>, erase: () => Promise<number>): Promise<{ settledWhileHeld: boolean; erased: number }> {
    let settled = false;
    const erasing = erase().finally(() => {
      settled = true;
    });
    // The erase committed (its mark is there) and its cleanup is waiting on the holder.
    await expect.poll(owed, { timeout: 20_000, interval: 50 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settledWhileHeld = settled;
    await holder.end();
    return { settledWhileHeld, erased: await erasing };
  }

  it('waits for a snapshot in the site database that still sees the account, then leaves no byte of it', { timeout: 150_000 }, async (context) => {
    if (dataDirectory === undefined) context.skip();
    const site = await siteWithCanary();
    const holder = await repeatableReadIn(() => ({ url: tenantUrl(site.tenantId) }) as TestPostgresDatabase)(other);
    const outcome = await eraseWhile(holder, site.owed, () => site.store.eraseAccount(site.account));
    expect(outcome).toEqual({ settledWhileHeld: false, erased: 150 });
    expect(await site.filesHolding()).toEqual([]);
    expect(await site.owed()).toBe(0);
  });

  it('waits for a transaction in another database holding an older transaction id', { timeout: 150_000 }, async (context) => {
    if (dataDirectory === undefined) context.skip();
    const site = await siteWithCanary();
    const holder = await writerIn(() => other)(other);
    const outcome = await eraseWhile(holder, site.owed, () => site.store.eraseAccount(site.account));
    expect(outcome).toEqual({ settledWhileHeld: false, erased: 150 });
    expect(await site.filesHolding()).toEqual([]);
  });

  it('gives up after its bound with STORE_UNAVAILABLE naming the session, keeps the cleanup owed, and a repeat finishes it', { timeout: 150_000 }, async (context) => {
    if (dataDirectory === undefined) context.skip();
    const site = await siteWithCanary();
    const holder = await connect(tenantUrl(site.tenantId));
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM worklogs');
    const eraser = await connect(tenantUrl(site.tenantId));
    await eraser.query('BEGIN');
    expect(await eraseAccountRows(eraser, site.account)).toBe(150);
    await eraser.query('COMMIT');

    const failure = await finishEraseCleanup(eraser, { horizonWaitMs: 300 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect((failure as AppError).message).toContain(`session pid ${pidOf(holder)} (tally-test-holder, idle in transaction) in database tally_${site.tenantId}`);
    expect((failure as AppError).message).not.toContain(site.account);
    expect(await site.owed()).toBe(1);
    // Nothing was rewritten yet: the erased values are still on disk, which is why it failed.
    expect((await site.filesHolding()).length).toBeGreaterThan(0);

    await holder.query('COMMIT');
    expect(await site.store.eraseAccount(site.account)).toBe(0);
    expect(await site.owed()).toBe(0);
    expect(await site.filesHolding()).toEqual([]);
  });

  it('waits for the table lock at most its bound, so a transaction idle on the table cannot queue the site behind VACUUM FULL', { timeout: 150_000 }, async (context) => {
    if (dataDirectory === undefined) context.skip();
    const site = await siteWithCanary();
    // READ COMMITTED keeps no snapshot between statements, but the read's lock lasts to COMMIT.
    const holder = await connect(tenantUrl(site.tenantId));
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM worklogs');
    const eraser = await connect(tenantUrl(site.tenantId));
    await eraser.query('BEGIN');
    expect(await eraseAccountRows(eraser, site.account)).toBe(150);
    await eraser.query('COMMIT');

    const failure = await finishEraseCleanup(eraser, { lockWaitMs: 300 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect((failure as AppError).message).toMatch(/held a table/);
    // The session's lock_timeout is back to the server default for the connection's next user.
    expect((await eraser.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '0' }]);
    expect(await site.owed()).toBe(1);
    // A report read meanwhile is not queued behind a waiting VACUUM FULL.
    expect(await site.store.countWorklogs()).toBe(300);

    await holder.query('COMMIT');
    expect(await site.store.eraseAccount(site.account)).toBe(0);
    expect(await site.owed()).toBe(0);
    expect(await site.filesHolding()).toEqual([]);
  });

  it('keeps the newer erase’s mark when an erase commits while an older cleanup runs', async () => {
    const site = await siteWithCanary();
    const eraser = await connect(tenantUrl(site.tenantId));
    await eraser.query('BEGIN');
    expect(await eraseAccountRows(eraser, site.account)).toBe(150);
    await eraser.query('COMMIT');
    const firstMark = (await eraser.query<{ xid: string }>('SELECT xmin::text AS xid FROM maintenance_owed')).rows[0]?.xid;
    // A second erase rewrites the mark: its xmin is the newer transaction.
    await eraser.query('BEGIN');
    expect(await eraseAccountRows(eraser, makeWorklog(2).accountId as string)).toBe(1);
    await eraser.query('COMMIT');
    const secondMark = (await eraser.query<{ xid: string }>('SELECT xmin::text AS xid FROM maintenance_owed')).rows[0]?.xid;
    expect(secondMark).not.toBe(firstMark);
    // The cleanup that started from the first mark deletes only that version of it.
    await eraser.query("DELETE FROM maintenance_owed WHERE task = 'erase_cleanup' AND xmin = $1::xid", [firstMark]);
    expect(await site.owed()).toBe(1);
    await finishEraseCleanup(eraser);
    expect(await site.owed()).toBe(0);
  });
});

describeWithPostgres("Tally's own tenant connections", () => {
  it('end a transaction left idle for a minute, so a leaked one cannot hold an erase back for long', async () => {
    const pools = createPgTenantPools({ maxConnections: 2 });
    try {
      const setting = await pools.withClient(other.url, (client) => client.query<{ idle_in_transaction_session_timeout: string }>('SHOW idle_in_transaction_session_timeout'));
      expect(setting.rows).toEqual([{ idle_in_transaction_session_timeout: '1min' }]);
    } finally {
      await pools.close();
    }
  });
});

describeWithPostgres('reclaimDeletedRowVersions with a role that is not a superuser', () => {
  const role = `tally_test_role_${randomBytes(6).toString('hex')}`;
  const admin = () => connect(other.url);
  beforeAll(async () => {
    const client = await admin();
    await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
  });
  afterAll(async () => {
    const client = await admin();
    await client.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${role}`);
  });

  /** A URL of `database` as `user` (the tests' server trusts loopback connections). */
  const asUser = (database: string, user: string) => {
    const url = new URL(databaseUrlOn(other.url, database));
    url.username = user;
    return url.toString();
  };

  it('removes the values as the owner of the database, statistics included', async (context) => {
    if (dataDirectory === undefined) context.skip();
    const owner = await connect(asUser(role, role));
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    await owner.query('CREATE TABLE worklogs (id int PRIMARY KEY, account_id text); CREATE INDEX ON worklogs (account_id)');
    await owner.query("INSERT INTO worklogs SELECT n, CASE WHEN n % 3 = 0 THEN $1 ELSE 'acc-' || n % 5 END FROM generate_series(1, 600) n", [canary]);
    await owner.query('ANALYZE worklogs');
    const scan = () => databaseFilesHolding(other.url, dataDirectory as string, role, canary);
    expect((await scan()).length).toBeGreaterThanOrEqual(3);
    await owner.query('UPDATE worklogs SET account_id = NULL WHERE account_id = $1', [canary]);
    const erasedBy = (await owner.query<{ xid: string }>('SELECT xmin::text AS xid FROM worklogs WHERE id = 3')).rows[0]?.xid as string;
    await reclaimDeletedRowVersions(owner, ['worklogs'], erasedBy);
    expect(await scan()).toEqual([]);
  });

  it('refuses with CONFIG_INVALID, naming the tables, when the role may not vacuum them', async () => {
    const client = await admin();
    // PUBLIC may open sessions on a new database by default: no grant (which would keep the role from being dropped).
    await client.query('CREATE TABLE IF NOT EXISTS foreign_owned (n int)');
    const guest = await connect(asUser(other.name, role));
    const failure = await reclaimDeletedRowVersions(guest, ['foreign_owned'], '3').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((failure as AppError).message).toMatch(/may not VACUUM (foreign_owned, pg_statistic|pg_statistic, foreign_owned)/);
  });
});
