// The personal-data reporting (src/privacy/personal-data) tested end to end with the Connect edge's credentials
// against the simulator's API; it lives here because src/privacy/personal-data stays platform-neutral.
import { CONNECT_INSTALLATION_MIGRATIONS } from './connect-installation-migrations.js';
import { createConnectInstallationStore } from './connect-installation-store.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../simulator/create-simulator.js';
import { GDPR_TEST_ACCOUNTS } from '../../../simulator/gdpr/report-accounts.js';
import { createConnectReportCredentials } from './connect-report-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Fetch } from '../../platform/fetch.js';
import { createLogger } from '../../platform/logger.js';
import { createSqliteStoreProvider } from '../../store/sqlite-store-provider.js';
import { makeWorklog } from '../../store/tenant-store.contract.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import { createSqlAuditLog } from '../../tenants/audit-log.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import { createSecretBox } from '../../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import { runPersonalDataCycle, type PersonalDataCycleDeps } from '../../privacy/personal-data/personal-data-cycle.js';
import { createReportSchedule } from '../../privacy/personal-data/report-schedule.js';

const APP_KEY = 'tally-gdpr-test';
const T0 = Date.UTC(2026, 2, 3, 9, 41, 0);
const DAY = 86_400_000;
const account = (i: number) => `acc-${String(i).padStart(4, '0')}`;

interface World {
  sim: Simulator;
  control: ControlDb;
  stores: StoreProvider;
  registry: TenantRegistry;
  tenants: TenantId[];
  sleeps: number[];
  erasedEvents: TenantId[];
  deps(overrides?: Partial<PersonalDataCycleDeps>): PersonalDataCycleDeps;
  /** Stores worklogs of these accounts (each with two worklogs) in a tenant. */
  store(tenantId: TenantId, accountIds: string[]): Promise<void>;
  /** The account ids of every request sent for a tenant, in order. */
  reportedBy(tenantId: TenantId): string[][];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Sites with Tally installed (one tenant each), their stores, and the simulated reporting API. */
async function createWorld(siteCount: number): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-gdpr-'));
  const sim = createSimulator({ clock: 'manual', startMs: T0, generate: false });
  const others = Array.from({ length: siteCount - 1 }, (_, i) => createSimulator({ clock: 'manual', startMs: T0, generate: false, baseUrl: `https://site-${i}.atlassian.net` }));
  for (const other of others) sim.gdpr.addSite(other.site);
  const clock = { nowMs: () => sim.clock.now() };
  const control = await openControlDb({ dataDir, ownedMigrations: CONNECT_INSTALLATION_MIGRATIONS });
  const registry = createSqlTenantRegistry({ db: control.db, clock });
  const installations = createConnectInstallationStore({ db: control.db, registry, secretBox: createSecretBox(randomBytes(32)) });
  const stores = createSqliteStoreProvider({ dataDir });
  cleanups.push(async () => {
    await stores.close();
    await control.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const tenants: TenantId[] = [];
  const clientKeys = new Map<string, TenantId>();
  for (const [index, site] of [sim.site, ...others.map((other) => other.site)].entries()) {
    const clientKey = `ck-site-${index}`;
    const sharedSecret = `secret-${index}-${randomBytes(16).toString('hex')}`;
    site.registerApp({ key: APP_KEY, clientKey, sharedSecret, baseUrl: 'https://tally.test', descriptor: {} });
    const { tenant } = await installations.recordInstall({ clientKey, product: 'jira', baseUrl: site.baseUrl, sharedSecret });
    tenants.push(tenant.id);
    clientKeys.set(clientKey, tenant.id);
    sim.clock.advance(1000);
  }
  const sleeps: number[] = [];
  const erasedEvents: TenantId[] = [];
  let nextWorklogId = 1;
  return {
    sim,
    control,
    stores,
    registry,
    tenants,
    sleeps,
    erasedEvents,
    deps: (overrides = {}) => ({
      registry,
      stores,
      credentials: createConnectReportCredentials({ installations, appKey: APP_KEY, clock, apiUrl: 'https://api.atlassian.com' }),
      fetch: sim.fetch,
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        sim.clock.advance(ms);
      },
      db: control.db,
      config: { gdprApiUrl: 'https://api.atlassian.com', gdprCycleDays: 7 },
      audit: createSqlAuditLog({ db: control.db, clock }),
      logger: createLogger({ level: 'silent' }),
      onTenantErased: (tenantId) => erasedEvents.push(tenantId),
      ...overrides,
    }),
    async store(tenantId, accountIds) {
      const upserts = accountIds.flatMap((accountId, i) => [
        makeWorklog(nextWorklogId++, { accountId, comment: `comment of ${accountId}` }, -i * 1000),
        makeWorklog(nextWorklogId++, { accountId, comment: `second comment of ${accountId}` }, 5_000),
      ]);
      await (await stores.open(tenantId)).applyBatch({ upserts, deletions: [] });
    },
    reportedBy(tenantId) {
      return sim.gdpr.reported.filter((entry) => clientKeys.get(entry.clientKey) === tenantId).map((entry) => entry.accounts.map((a) => a.accountId));
    },
  };
}

describe('personal-data report cycle', () => {
  it('reports each tenant’s accounts in ascending batches of at most 90, then not again before the period', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    const accountsA = Array.from({ length: 200 }, (_, i) => account(i));
    await world.store(a, [...accountsA].reverse());
    await world.store(b, [account(3), account(500)]);

    const first = await runPersonalDataCycle(world.deps());
    expect(first.tenants.map((t) => [t.status, t.requests, t.reportedAccounts])).toEqual([
      ['completed', 3, 200],
      ['completed', 1, 2],
    ]);
    expect(world.reportedBy(a)).toEqual([accountsA.slice(0, 90), accountsA.slice(90, 180), accountsA.slice(180)]);
    expect(world.reportedBy(b)).toEqual([[account(3), account(500)]]);
    // updatedAt is the oldest `updated` of the account's worklogs.
    const first3 = world.sim.gdpr.reported[0]!.accounts.find((entry) => entry.accountId === account(3));
    expect(Date.parse(first3!.updatedAt)).toBe(Date.parse(makeWorklog(1, {}, -196_000).updated.replace('+0000', 'Z')));
    expect(first.nextRunAtMs).toBe(world.sim.clock.now() + 7 * DAY);

    world.sim.clock.advance(7 * DAY - 60_000);
    const early = await runPersonalDataCycle(world.deps());
    expect(early.tenants).toEqual([]);
    expect(world.sim.gdpr.reported).toHaveLength(4);

    world.sim.clock.advance(60_000);
    const again = await runPersonalDataCycle(world.deps());
    expect(again.tenants.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(world.sim.gdpr.reported).toHaveLength(8);
    const audit = await createSqlAuditLog({ db: world.control.db, clock: { nowMs: () => 0 } }).listAudit();
    expect(audit.filter((entry) => entry.event === 'gdpr.reported').map((entry) => entry.detail)).toEqual([
      { accountCount: 200, step: 'cycle_completed' },
      { accountCount: 2, step: 'cycle_completed' },
      { accountCount: 200, step: 'cycle_completed' },
      { accountCount: 2, step: 'cycle_completed' },
    ]);
  });

  it('erases a closed account from every tenant that holds it, and audits it without the id', async () => {
    const world = await createWorld(3);
    const [a, b, c] = world.tenants as [TenantId, TenantId, TenantId];
    await world.store(a, [GDPR_TEST_ACCOUNTS.closed, GDPR_TEST_ACCOUNTS.active]);
    await world.store(b, [GDPR_TEST_ACCOUNTS.closed, account(1)]);
    await world.store(c, [account(2)]);

    const result = await runPersonalDataCycle(world.deps());
    expect(result.tenants[0]).toMatchObject({ status: 'completed', closedAccounts: 1, erasedRows: 4 });
    for (const tenantId of [a, b]) {
      const store = await world.stores.open(tenantId);
      expect((await store.listAccountIds()).map((entry) => entry.accountId)).not.toContain(GDPR_TEST_ACCOUNTS.closed);
      const rows: { accountId: string | null; comment: string | null }[] = [];
      for await (const page of store.streamWorklogs()) rows.push(...page);
      expect(rows.filter((row) => row.accountId === null).map((row) => row.comment)).toEqual([null, null]);
      expect(rows.filter((row) => row.accountId !== null).every((row) => row.comment?.includes(row.accountId!))).toBe(true);
    }
    // B's own report no longer holds the erased account.
    expect(world.reportedBy(b)).toEqual([[account(1)]]);
    // The reporter goes last: while another tenant's erase fails, its copy keeps the retry possible.
    expect(world.erasedEvents).toEqual([b, a]);
    const audit = await createSqlAuditLog({ db: world.control.db, clock: { nowMs: () => 0 } }).listAudit();
    expect(audit.filter((entry) => entry.event === 'gdpr.account_erased').map((entry) => [entry.tenantId, entry.detail])).toEqual([
      [b, { rowCount: 2, reason: 'account_closed' }],
      [a, { rowCount: 2, reason: 'account_closed' }],
    ]);
    const everything = JSON.stringify(audit) + JSON.stringify(await world.control.db.selectFrom('scheduled_jobs').selectAll().execute());
    expect(everything).not.toContain(GDPR_TEST_ACCOUNTS.closed);
    expect(everything).not.toContain('acc-');
  });

  it.each([
    ['seconds', 'seconds' as const, 3 * DAY],
    ['ISO-8601', 'iso8601' as const, 2 * DAY],
    ['no', 'none' as const, 7 * DAY],
  ])('schedules the next cycle by a %s Cycle-Period header', async (_name, format, periodMs) => {
    const world = await createWorld(1);
    world.sim.gdpr.options.cyclePeriodFormat = format;
    world.sim.gdpr.options.cyclePeriodSeconds = periodMs / 1000;
    await world.store(world.tenants[0]!, [account(1)]);
    const result = await runPersonalDataCycle(world.deps());
    expect(result.tenants[0]?.nextRunAtMs).toBe(world.sim.clock.now() + periodMs);
    // The learned period is kept for the next runs (and for tenants that did not hear it).
    expect((await createReportSchedule(world.control.db).readGlobal()).cyclePeriodMs).toBe(format === 'none' ? undefined : periodMs);
  });

  it('waits a short Retry-After inline and resumes the same batch', async () => {
    const world = await createWorld(1);
    await world.store(world.tenants[0]!, Array.from({ length: 100 }, (_, i) => account(i)));
    world.sim.gdpr.failNext({ status: 429, retryAfter: '30' }, { status: 503 });
    const before = world.sim.clock.now();
    const result = await runPersonalDataCycle(world.deps());
    expect(world.sleeps).toEqual([30_000, 4_000]);
    expect(result.tenants[0]).toMatchObject({ status: 'completed', requests: 2, reportedAccounts: 100 });
    expect(world.sim.gdpr.reported[0]!.atMs - before).toBeGreaterThanOrEqual(34_000);
    expect(world.reportedBy(world.tenants[0]!).flat()).toEqual(Array.from({ length: 100 }, (_, i) => account(i)));
  });

  it('pauses every tenant for a long Retry-After and resumes at the batch that was refused', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    const accountsA = Array.from({ length: 200 }, (_, i) => account(i));
    await world.store(a, accountsA);
    await world.store(b, [account(900)]);
    const client = world.sim.gdpr;
    let calls = 0;
    const fetch: Fetch = async (input, init) => {
      if (++calls === 2) client.failNext({ status: 429, retryAfter: '7200' });
      return world.sim.fetch(input, init);
    };
    const paused = await runPersonalDataCycle(world.deps({ fetch }));
    expect(paused.tenants).toEqual([expect.objectContaining({ tenantId: a, status: 'deferred', requests: 1, error: expect.objectContaining({ code: 'GDPR_RATE_LIMITED' }) })]);
    expect(paused.pausedUntilMs).toBe(world.sim.clock.now() + 7_200_000);
    expect(paused.nextRunAtMs).toBe(paused.pausedUntilMs);

    world.sim.clock.advance(3_600_000);
    expect((await runPersonalDataCycle(world.deps())).tenants).toEqual([]);
    expect(client.reported).toHaveLength(1);

    world.sim.clock.advance(3_600_000);
    const resumed = await runPersonalDataCycle(world.deps());
    expect(resumed.tenants.map((t) => [t.tenantId, t.status])).toEqual([
      [a, 'completed'],
      [b, 'completed'],
    ]);
    expect(world.reportedBy(a)).toEqual([accountsA.slice(0, 90), accountsA.slice(90, 180), accountsA.slice(180)]);
  });

  it('resumes after a crash mid-cycle at the next batch, counting the accounts it erased', async () => {
    const world = await createWorld(1);
    const tenant = world.tenants[0]!;
    const accounts = [GDPR_TEST_ACCOUNTS.closed, ...Array.from({ length: 250 }, (_, i) => account(i))];
    await world.store(tenant, accounts);
    const sorted = [...accounts].sort();
    // The process dies while the third request is on its way.
    const crash = new AbortController();
    let calls = 0;
    const dying: Fetch = async (input, init) => {
      if (++calls === 3) {
        crash.abort(new Error('process killed'));
        throw crash.signal.reason;
      }
      return world.sim.fetch(input, init);
    };
    const crashed = await runPersonalDataCycle(world.deps({ fetch: dying, signal: crash.signal }));
    expect(crashed.aborted).toBe(true);
    expect(world.reportedBy(tenant)).toEqual([sorted.slice(0, 90), sorted.slice(90, 180)]);

    // A new process: the closed account (erased in batch 1) left the list; nothing is skipped.
    const resumed = await runPersonalDataCycle(world.deps());
    expect(resumed.tenants[0]).toMatchObject({ status: 'completed', requests: 1, reportedAccounts: 71 });
    expect(world.reportedBy(tenant)[2]).toEqual(sorted.slice(180));
  });

  it('does not skip accounts when another tenant’s report erases from a tenant mid-cycle', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    const target = account(5);
    const accountsA = Array.from({ length: 150 }, (_, i) => account(i));
    await world.store(a, accountsA);
    await world.store(b, [target]);
    const crash = new AbortController();
    let calls = 0;
    const dying: Fetch = async (input, init) => {
      if (++calls === 2) {
        crash.abort(new Error('process killed'));
        throw crash.signal.reason;
      }
      return world.sim.fetch(input, init);
    };
    // A reports its first 90 (including the target, still active), then the process dies.
    await runPersonalDataCycle(world.deps({ registry: { listInstalled: async () => [await world.registry.findTenant(a)].filter((t) => t !== undefined) }, fetch: dying, signal: crash.signal }));
    world.sim.gdpr.closeAccount(target);
    // B runs first now: it erases the target from A too, before A resumes.
    const listBThenA = async () => [await world.registry.findTenant(b), await world.registry.findTenant(a)].filter((t) => t !== undefined);
    const resumed = await runPersonalDataCycle(world.deps({ registry: { listInstalled: listBThenA } }));
    expect(resumed.tenants.map((t) => [t.tenantId, t.status, t.erasedRows])).toEqual([
      [b, 'completed', 4],
      [a, 'completed', 0],
    ]);
    const reportedA = world.reportedBy(a).flat();
    expect(new Set(reportedA)).toEqual(new Set(accountsA));
    // One account is reported twice at the resume point: the price of never skipping one.
    expect(reportedA.length).toBeLessThanOrEqual(accountsA.length + 1);
  });

  it('retries the batch when an erase fails in some tenant, and finishes the erase then', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    await world.store(a, [GDPR_TEST_ACCOUNTS.closed, account(1)]);
    await world.store(b, [GDPR_TEST_ACCOUNTS.closed]);
    let failB = true;
    const flaky: StoreProvider = {
      ...world.stores,
      open: async (tenantId) => {
        const store = await world.stores.open(tenantId);
        if (tenantId !== b) return store;
        return Object.assign(Object.create(store) as typeof store, {
          eraseAccount: async (id: string) => {
            if (failB) throw new AppError('STORE_UNAVAILABLE', 'locked');
            return store.eraseAccount(id);
          },
        });
      },
    };
    const first = await runPersonalDataCycle(world.deps({ stores: flaky }));
    // A's answer could not erase B's copy, so A kept its own; B's answer erased A's copy, and B,
    // the reporter, keeps its own while its erase fails: re-reporting it finishes the job.
    expect(first.tenants.map((t) => [t.tenantId, t.status, t.erasedRows, t.error?.code])).toEqual([
      [a, 'deferred', 0, 'STORE_UNAVAILABLE'],
      [b, 'deferred', 2, 'STORE_UNAVAILABLE'],
    ]);
    expect((await (await world.stores.open(b)).listAccountIds()).map((entry) => entry.accountId)).toEqual([GDPR_TEST_ACCOUNTS.closed]);
    expect(first.nextRunAtMs).toBe(world.sim.clock.now() + 3_600_000);

    failB = false;
    world.sim.clock.advance(3_600_000);
    const second = await runPersonalDataCycle(world.deps({ stores: flaky }));
    expect(second.tenants.map((t) => [t.tenantId, t.status, t.erasedRows])).toEqual([
      [a, 'completed', 0],
      [b, 'completed', 2],
    ]);
    expect(await (await world.stores.open(b)).listAccountIds()).toEqual([]);
    expect((await (await world.stores.open(a)).listAccountIds()).map((entry) => entry.accountId)).toEqual([account(1)]);
    // Each failed batch was reported again once.
    expect(world.reportedBy(a)).toEqual([[account(1), GDPR_TEST_ACCOUNTS.closed].sort(), [account(1)]]);
    expect(world.reportedBy(b)).toEqual([[GDPR_TEST_ACCOUNTS.closed], [GDPR_TEST_ACCOUNTS.closed]]);
  });

  it('defers a tenant whose report is refused by a day, and goes on with the others', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    await world.store(a, [account(1)]);
    await world.store(b, [account(2)]);
    world.sim.site.registerApp({ key: APP_KEY, clientKey: 'ck-site-0', sharedSecret: 'rotated-without-telling-tally-0123', baseUrl: 'https://tally.test', descriptor: {} });
    const result = await runPersonalDataCycle(world.deps());
    expect(result.tenants.map((t) => [t.tenantId, t.status, t.error?.code])).toEqual([
      [a, 'deferred', 'GDPR_REPORT_REJECTED'],
      [b, 'completed', undefined],
    ]);
    expect(result.tenants[0]!.nextRunAtMs).toBe(world.sim.clock.now() + DAY);
    expect(result.nextRunAtMs).toBe(world.sim.clock.now() + DAY);
  });

  it('drops the schedule of tenants no longer installed', async () => {
    const world = await createWorld(2);
    const [a, b] = world.tenants as [TenantId, TenantId];
    await runPersonalDataCycle(world.deps());
    await world.registry.markUninstalled(b, world.sim.clock.now());
    await runPersonalDataCycle(world.deps());
    expect(await createReportSchedule(world.control.db).listTenantJobIds()).toEqual([a]);
  });
});
