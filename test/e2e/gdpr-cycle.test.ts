import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { edgeStoresOf } from '../support/tally-testbed.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { textToAdf } from '../../simulator/jira/adf.js';
import { composeTally, type Tally } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createConnectReportCredentials } from '../../src/edges/jira-connect/connect-report-credentials.js';
import { runPersonalDataCycle } from '../../src/privacy/personal-data/personal-data-cycle.js';
import { createLogger } from '../../src/platform/logger.js';
import { postgresTenantDatabaseName } from '../../src/store/postgres-tenant-db.js';
import type { WorklogRow } from '../../src/store/worklog-row.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { databaseFilesHolding, readablePostgresDataDirectory } from '../support/postgres-file-scan.js';
import { createTestPostgresDatabase, postgresAvailable } from '../support/postgres.js';

/*
 * The GDPR done-when: a personal-data cycle against the simulated Atlassian cloud erases a closed
 * account's data from every tenant and leaves everything else untouched. Two sites, so Tally is
 * composed here as in production (composeTally) with a fetch that routes by host — the shared
 * testbed drives one site — and api.atlassian.com answered by the first site's simulator, which
 * knows both sites' installations. The cycle runs on both tenant stores: SQLite files, and a
 * PostgreSQL database per site (control database on the same server), where the byte scan reads
 * the server's data directory when this process may (docs/postgres-store.md).
 */

const START_MS = Date.UTC(2026, 3, 6, 8, 13, 0);
const DAY = 86_400_000;

type StoreKind = 'sqlite' | 'postgres';

interface Scene {
  sims: Simulator[];
  tally: Tally;
  tenants: TenantId[];
  dataDir: string;
  logLines: string[];
  runCycle(): ReturnType<typeof runPersonalDataCycle>;
  rows(tenantId: TenantId): Promise<WorklogRow[]>;
  /**
   * Every file Tally keeps that holds `text`: under the data directory, and on PostgreSQL the
   * files of the control and tenant databases. Undefined where those cannot be read.
   */
  filesHolding(text: string): Promise<string[] | undefined>;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function createScene(store: StoreKind = 'sqlite'): Promise<Scene> {
  const sims = [
    createSimulator({ clock: 'manual', startMs: START_MS, baseUrl: 'https://alpha.atlassian.net', generate: { worklogs: 1500, users: 130, seed: 'gdpr-alpha' } }),
    createSimulator({ clock: 'manual', startMs: START_MS, baseUrl: 'https://beta.atlassian.net', generate: { worklogs: 400, users: 20, seed: 'gdpr-beta' } }),
  ] as const;
  sims[0].gdpr.addSite(sims[1].site);
  const byHost = new Map<string, Simulator>([
    ['alpha.atlassian.net', sims[0]],
    ['beta.atlassian.net', sims[1]],
    ['api.atlassian.com', sims[0]],
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-gdpr-e2e-'));
  const logLines: string[] = [];
  const database = store === 'postgres' ? await createTestPostgresDatabase() : undefined;
  const config = loadConfig({
    TALLY_BASE_URL: 'https://tally.test',
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_LOG_LEVEL: 'debug',
    ...(database && { DATABASE_URL: database.url, TALLY_TENANT_STORE: 'postgres' }),
  });
  const runtime = {
    clock: { nowMs: () => sims[0].clock.now() },
    fetch: async (input: Request | string | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const sim = byHost.get(new URL(request.url).host);
      if (!sim) throw new TypeError(`fetch failed: unknown host ${new URL(request.url).host}`);
      return sim.fetch(request);
    },
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      for (const sim of sims) sim.clock.advance(ms);
    },
    logger: createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    }),
  };
  const tally = await composeTally(config, runtime);
  // As main.ts does: with DATABASE_URL the jobs run on pg-boss, whose workers start here (in process: nothing to start).
  await tally.queue.start();
  const tenants: TenantId[] = [];
  cleanup = async () => {
    await tally.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (database === undefined) return;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    for (const tenantId of tenants) await admin.query(`DROP DATABASE IF EXISTS ${postgresTenantDatabaseName(tenantId)} WITH (FORCE)`);
    await admin.end();
    await database.drop();
  };
  const pgDataDirectory = database && (await readablePostgresDataDirectory(database.url));
  for (const [index, sim] of sims.entries()) {
    const clientKey = `ck-gdpr-${index}`;
    const sharedSecret = randomBytes(24).toString('base64url');
    sim.site.registerApp({ key: config.appKey, clientKey, sharedSecret, baseUrl: config.baseUrl, descriptor: {} });
    tenants.push((await edgeStoresOf(tally, config, runtime.clock).connect.recordInstall({ clientKey, product: 'jira', baseUrl: sim.site.baseUrl, sharedSecret })).tenant.id);
    // Installed one after the other: the registry lists (and the cycle runs) them in this order.
    for (const each of sims) each.clock.advance(1000);
  }
  const credentials = createConnectReportCredentials({ installations: edgeStoresOf(tally, config, runtime.clock).connect, appKey: config.appKey, clock: runtime.clock, apiUrl: config.gdprApiUrl });
  return {
    sims: [...sims],
    tally,
    tenants,
    dataDir,
    logLines,
    runCycle: () =>
      runPersonalDataCycle({
        registry: tally.registry,
        stores: tally.stores,
        credentials,
        fetch: runtime.fetch,
        clock: runtime.clock,
        sleep: runtime.sleep,
        db: tally.control.db,
        config,
        audit: tally.audit,
        logger: runtime.logger,
        onTenantErased: (tenantId) => tally.reportColumns.evict(tenantId),
      }),
    async rows(tenantId) {
      const rows: WorklogRow[] = [];
      for await (const page of (await tally.stores.open(tenantId)).streamWorklogs()) rows.push(...page);
      return rows;
    },
    async filesHolding(text) {
      const files = filesHolding(dataDir, text);
      if (database === undefined) return files;
      if (pgDataDirectory === undefined) return undefined;
      for (const name of [database.name, ...tenants.map(postgresTenantDatabaseName)]) {
        files.push(...(await databaseFilesHolding(database.url, pgDataDirectory, name, text)).map((file) => `${name}/${file}`));
      }
      return files;
    },
  };
}

/** The files under `dir` (recursively) whose raw bytes contain `text`. */
function filesHolding(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  const found: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile() && readFileSync(path).includes(needle)) found.push(name);
  }
  return found;
}

async function syncAll(scene: Scene, mode: 'full' | 'auto') {
  for (const tenantId of scene.tenants) scene.tally.sync.requestSync(tenantId, mode);
  await scene.tally.queue.idle();
}

/** The done-when scenario on one tenant store. */
async function erasesClosedAccountEverywhere(store: StoreKind): Promise<void> {
  const scene = await createScene(store);
  const [alpha, beta] = scene.sims as [Simulator, Simulator];
  const [tenantA, tenantB] = scene.tenants as [TenantId, TenantId];
  // One person who logs work on both sites, and closes their account.
  const person = alpha.generated!.users.find((user) => user.active)!;
  beta.site.addUser({ ...person });
  const canaries = [`canary-alpha-${randomBytes(6).toString('hex')}`, `canary-beta-${randomBytes(6).toString('hex')}`];
  const keptComment = `kept-${randomBytes(6).toString('hex')}`;
  for (const [index, sim] of [alpha, beta].entries()) {
    const issue = [...sim.site.issues.values()][3]!;
    sim.site.createWorklog({ issueId: issue.id, authorId: person.accountId, comment: textToAdf(`${canaries[index]} 1:1 notes`), startedMs: sim.clock.now() - 3_600_000, timeSpentSeconds: 1800 });
    sim.site.createWorklog({ issueId: issue.id, authorId: sim.generated!.admin.accountId, comment: textToAdf(keptComment), startedMs: sim.clock.now() - 7_200_000, timeSpentSeconds: 900 });
  }
  for (const sim of scene.sims) sim.clock.advance(61_000);
  await syncAll(scene, 'full');
  // The scan can fail: before the cycle each canary is in the stored files.
  for (const canary of canaries) expect((await scene.filesHolding(canary))?.length ?? 1).toBeGreaterThan(0);
  const before = new Map([tenantA, tenantB].map((tenantId) => [tenantId, []] as [TenantId, WorklogRow[]]));
  for (const tenantId of [tenantA, tenantB]) before.set(tenantId, await scene.rows(tenantId));
  expect(before.get(tenantA)!.filter((row) => row.accountId === person.accountId).length).toBeGreaterThan(1);
  expect(before.get(tenantB)!.filter((row) => row.accountId === person.accountId)).toHaveLength(1);
  await scene.tally.reportColumns.columnsFor(tenantA);

  alpha.gdpr.closeAccount(person.accountId);
  const result = await scene.runCycle();

  expect(result.tenants.map((t) => [t.tenantId, t.status])).toEqual([
    [tenantA, 'completed'],
    [tenantB, 'completed'],
  ]);
  const reported = alpha.gdpr.reported;
  expect(reported.length).toBeGreaterThanOrEqual(3);
  for (const request of reported) {
    expect(request.accounts.length).toBeLessThanOrEqual(90);
    expect(request.accounts.map((a) => a.accountId)).not.toContain('unknown');
  }
  expect(new Set(reported.map((request) => request.clientKey))).toEqual(new Set(['ck-gdpr-0', 'ck-gdpr-1']));

  // The person's rows: account id and comment gone, everything else as it was; other rows identical.
  for (const tenantId of [tenantA, tenantB]) {
    const after = await scene.rows(tenantId);
    const expected = before.get(tenantId)!.map((row) => (row.accountId === person.accountId ? { ...row, accountId: null, comment: null } : row));
    expect(after).toEqual(expected);
    expect((await (await scene.tally.stores.open(tenantId)).listAccountIds()).map((a) => a.accountId)).not.toContain(person.accountId);
  }
  // Not a byte of it left in any file Tally keeps (tenant databases — with their WAL on SQLite —
  // and the control database); the other comment is still there, once per site.
  for (const secret of [...canaries, person.accountId]) {
    const holding = await scene.filesHolding(secret);
    if (holding !== undefined) expect(holding).toEqual([]);
  }
  const kept = await scene.filesHolding(keptComment);
  if (kept !== undefined) expect(kept.length).toBe(2);
  expect(scene.tally.reportColumns.isTracking(tenantA)).toBe(false);

  const audit = await scene.tally.audit.listAudit({ limit: 1000 });
  expect(audit.filter((entry) => entry.event === 'gdpr.account_erased').map((entry) => entry.tenantId).sort()).toEqual([tenantA, tenantB].sort());
  expect(audit.filter((entry) => entry.event === 'gdpr.reported').map((entry) => entry.detail?.step)).toEqual(['cycle_completed', 'cycle_completed']);
  const log = scene.logLines.join('');
  for (const secret of [...canaries, person.accountId]) {
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(log).not.toContain(secret);
  }

  // The next sync does not bring the data back: Jira's `updated` did not change.
  for (const sim of scene.sims) sim.clock.advance(120_000);
  await syncAll(scene, 'auto');
  for (const tenantId of [tenantA, tenantB]) expect((await scene.rows(tenantId)).some((row) => row.accountId === person.accountId)).toBe(false);

  // A second run before the cycle period reports nothing again.
  const requests = reported.length;
  for (const sim of scene.sims) sim.clock.advance(6 * DAY);
  expect((await scene.runCycle()).tenants).toEqual([]);
  expect(alpha.gdpr.reported).toHaveLength(requests);
}

describe('GDPR personal-data cycle against the simulated Atlassian cloud', () => {
  it('erases a closed account’s id and comments from every tenant and leaves all else untouched', { timeout: 120_000 }, () => erasesClosedAccountEverywhere('sqlite'));

  it.skipIf(!postgresAvailable())('does the same with a PostgreSQL database per site, down to the database files', { timeout: 300_000 }, () => erasesClosedAccountEverywhere('postgres'));

  it('honours Retry-After before reporting again', { timeout: 60_000 }, async () => {
    const scene = await createScene();
    const [alpha] = scene.sims as [Simulator];
    await syncAll(scene, 'full');
    alpha.gdpr.failNext({ status: 429, retryAfter: '120' });
    const startedMs = alpha.clock.now();
    const result = await scene.runCycle();
    expect(result.tenants.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(alpha.gdpr.reported[0]!.atMs - startedMs).toBeGreaterThanOrEqual(120_000);

    // A Retry-After longer than Tally waits inline pauses the cycle for every tenant until then.
    for (const sim of scene.sims) sim.clock.advance(8 * DAY);
    alpha.gdpr.failNext({ status: 429, retryAfter: '5400' });
    const paused = await scene.runCycle();
    expect(paused.pausedUntilMs).toBe(alpha.clock.now() + 5_400_000);
    const sent = alpha.gdpr.reported.length;
    for (const sim of scene.sims) sim.clock.advance(5_000_000);
    expect((await scene.runCycle()).tenants).toEqual([]);
    expect(alpha.gdpr.reported).toHaveLength(sent);
    for (const sim of scene.sims) sim.clock.advance(400_000);
    expect((await scene.runCycle()).tenants.map((t) => t.status)).toEqual(['completed', 'completed']);
  });
});
