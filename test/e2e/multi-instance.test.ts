import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createRequestLog, type LoggedRequest } from '../../simulator/http/request-log.js';
import { openTenantData, type TenantData } from '../../src/compose/tenant-tools.js';
import { loadConfig } from '../../src/config/load-config.js';
import { machineRuntime } from '../../src/main.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { createTestPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { describeClientRuns, findConcurrentRequests, pointsPerHour } from '../support/multi-instance-log-checks.js';
import { startLoadBalancer, type LoadBalancer } from '../support/multi-instance-load-balancer.js';
import { startHttpSiteFleet, type HttpSiteFleet } from '../support/multi-instance-sites.js';
import { createSocketOwnerResolver, stopAndWait } from '../support/multi-instance-socket-owner.js';
import { startTallyProcesses, type TallyProcess } from '../support/multi-instance-tally.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';

const SITES = 50;
const WORKLOGS_PER_SITE = 300;
/** Small pages: a site's full sync is several `/worklog/updated` and `/worklog/list` calls (or issue worklog reads), so a kill lands inside one. */
const PAGE_SIZE = 50;
/**
 * Tier 1's quota (reference/rate-limits-2026.md): the full syncs need about half of it, and the
 * points the killed process held stay spent until the hour ends (docs/shared-points.md), so the
 * ledger's 80 % backfill ceiling is close. Making the syncs need more than the quota would leave
 * them waiting for the next UTC hour; the refusal at the quota itself is tested by
 * src/jira/shared-points-coordinators.test.ts.
 */
const POINTS_PER_HOUR = 65_000;
const APP_KEY = 'io.tally.time-reports';
/** The kill comes once this share of the sites have started their full sync. */
const KILL_AFTER_SHARE_STARTED = 0.3;
/**
 * pg-boss's heartbeat for the three processes (TALLY_JOB_HEARTBEAT_SECONDS): its minimum, so the
 * killed process's jobs are taken over after about 10 s plus one supervise pass (15 s) instead of
 * the default's 30 + 15 — the take-over wait was most of the run.
 */
const HEARTBEAT_SECONDS = 10;
/**
 * From the start of the test: pg-boss takes the killed process's jobs over once their heartbeat is
 * HEARTBEAT_SECONDS late (docs/jobs-on-postgres.md), and three processes starting on 2 busy cores
 * take 20–30 s. The test fails itself well before vitest's timeout, so its cleanup always runs.
 */
const CONVERGE_WITHIN_MS = 180_000;

/** The SIGKILL: `atMs` when it was sent, `diedAtMs` when the process was gone (requests it sent before may arrive in between). */
interface Kill {
  victim: TallyProcess;
  site: string;
  atMs: number;
  diedAtMs?: number;
}

/** pg-boss's rows for `tenants` (read-only, its documented job table), one line each, for a failure message. */
async function jobsOf(databaseUrl: string, tenants: readonly TenantId[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tally-test-inspect' });
  try {
    await client.connect();
    const { rows } = await client.query<Record<string, unknown>>(
      `select singleton_key, data->>'kind' as kind, data->'payload'->>'mode' as mode, state, retry_count, created_on, started_on, completed_on, output
       from pgboss.job where singleton_key = any($1::text[]) order by singleton_key, created_on`,
      [tenants],
    );
    return rows.map((row) => `job ${JSON.stringify(row)}`);
  } catch (error) {
    return [`jobs: cannot read pg-boss's table (${(error as Error).message})`];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Requests that read a site's worklogs: only the tenant's sync job makes them. */
const isSyncRequest = (entry: LoggedRequest) => /\/worklog(\/|$)/.test(entry.path);

/**
 * Waits until every tenant's full sync has finished (phase `incremental`, which a full sync sets
 * once, in its last commit); past `deadlineMs`, throws naming the sites still waiting. A finished
 * site is not read again, so each round opens only the unfinished ones.
 */
async function waitForFullSyncs(data: TenantData, tenants: readonly TenantId[], deadlineMs: number, describeStuck: (indexes: number[]) => Promise<string>): Promise<void> {
  let waiting = tenants.map((_, i) => i);
  for (;;) {
    const phases = await Promise.all(waiting.map(async (i) => (await (await data.stores.open(tenants[i]!)).getSyncState()).phase));
    waiting = waiting.filter((_, j) => phases[j] !== 'incremental');
    if (waiting.length === 0) return;
    if (Date.now() > deadlineMs) throw new Error(`${waiting.length} of ${tenants.length} sites not fully synced in time\n${await describeStuck(waiting)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Issue 14's first "done when": three `tally serve` processes on one PostgreSQL (control database,
 * pg-boss jobs, the points ledger, a database per site) and 50 simulated sites over loopback HTTP,
 * installed through the signed Connect lifecycle behind a round-robin "load balancer". One process
 * is SIGKILLed in the middle of the full syncs — at the moment the request log shows it asking for
 * the next page of a site it is half way through — and the other two must finish everything.
 * Who sent each request is read from the kernel (the process holding the client socket), not
 * from anything Tally sends.
 */
describe.skipIf(process.platform !== 'linux' || !postgresAvailable())('three Tally processes, one PostgreSQL, 50 sites, one SIGKILL', () => {
  it('converges every site to the simulator\'s data, never syncs a site from two processes at once, and stays under the quota', async () => {
    const database = await createTestPostgresDatabase();
    let instances: TallyProcess[] = [];
    let kill: Kill | undefined;
    const owners = createSocketOwnerResolver(() => new Map(instances.map((instance) => [instance.name, instance.pid])));
    const log = createRequestLog({
      identifyClient: owners,
      onStart: (entry) => {
        if (kill || entry.client === undefined || !isSyncRequest(entry)) return;
        const sync = log.entries.filter(isSyncRequest);
        const started = new Set(sync.map((request) => request.site)).size;
        // Half way: the victim already has worklog bodies of this site (a `/worklog/list` answer, or an issue's worklogs).
        const halfWay = sync.some((request) => request.site === entry.site && request.client === entry.client && /\/worklog\/list$|\/issue\/\d+\/worklog$/.test(request.path) && request.endMs !== undefined);
        const victim = instances.find((instance) => instance.name === entry.client);
        if (started < SITES * KILL_AFTER_SHARE_STARTED || !halfWay || !victim) return;
        // Synchronously, before the simulator answers: the victim dies with this request in flight.
        // Its requests still in the sockets arrive after it died, from orphaned sockets: note whose
        // they are first — with the victim stopped, so it opens no socket between the note and the kill.
        stopAndWait(victim.pid);
        owners.remember();
        victim.kill('SIGKILL');
        const killed: Kill = { victim, atMs: entry.startMs, site: entry.site };
        kill = killed;
        void victim.exited.then(() => (killed.diedAtMs = performance.timeOrigin + performance.now()));
      },
    });
    let fleet: HttpSiteFleet | undefined;
    let balancer: LoadBalancer | undefined;
    let data: TenantData | undefined;
    let stopAll = async () => {};
    let env: Record<string, string> = {};
    const tenants: TenantId[] = [];
    const startedMs = Date.now();
    try {
      fleet = await startHttpSiteFleet({
        sites: SITES,
        worklogsPerSite: WORKLOGS_PER_SITE,
        pageSize: PAGE_SIZE,
        pointsPerHour: POINTS_PER_HOUR,
        seedPrefix: 'multi-instance',
        requestLog: log,
      });
      // The public URL: the instances behind a round-robin balancer, the killed one taken out.
      balancer = await startLoadBalancer(() => instances.filter((instance) => instance !== kill?.victim).map((instance) => instance.url));
      env = {
        DATABASE_URL: database.url,
        TALLY_BASE_URL: balancer.url,
        TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
        TALLY_INSTALL_KEYS_URL: fleet.installKeysUrl,
        TALLY_ALLOWED_HOSTS: '127.0.0.1',
        TALLY_GDPR_API_URL: fleet.urls[0]!,
        TALLY_JIRA_POINTS_PER_HOUR: String(POINTS_PER_HOUR),
        // Three instances and the other test files share the server's 100 connections.
        TALLY_PG_MAX_CONNECTIONS: '6',
        TALLY_PARSE_THREADS: '0',
        TALLY_LOG_LEVEL: 'warn',
        TALLY_JOB_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
      };
      const started = await startTallyProcesses({ count: 3, env });
      instances = started.instances;
      stopAll = started.stopAll;
      const readyMs = Date.now();

      const installs = await fleet.installAll(`${balancer.url}/atlassian-connect.json`);
      expect(installs.filter((install) => !install.ok)).toEqual([]);
      data = await openTenantData(loadConfig({ ...env, TALLY_DATA_DIR: instances[0]!.dataDir }), machineRuntime(loadConfig(env)));
      for (const install of installs) {
        const tenantId = install.ok ? await data.findTenantIdByKey(install.clientKey) : undefined;
        expect(tenantId, 'every installed site is a tenant').toBeDefined();
        tenants.push(tenantId!);
      }
      await waitForFullSyncs(data, tenants, startedMs + CONVERGE_WITHIN_MS, async (stuck) =>
        [
          `killed: ${kill ? `${kill.victim.name} on ${kill.site}` : 'nobody'}`,
          ...stuck.map((i) => `${fleet!.urls[i]}: ${describeClientRuns(log.entries.filter((entry) => entry.site === fleet!.urls[i] && isSyncRequest(entry)))}`),
          // What the queue holds for them (a stuck job says whether it waits, runs or failed).
          ...(await jobsOf(database.url, stuck.map((i) => tenants[i]!))),
          ...instances.map((instance) => `--- ${instance.name}\n${instance.output().slice(-3000)}`),
        ].join('\n'),
      );
      const syncedMs = Date.now();

      // The kill happened in the middle, and the victim died of it.
      expect(kill, `no moment to kill: ${new Set(log.entries.filter(isSyncRequest).map((e) => e.site)).size} sites started`).toBeDefined();
      expect(await kill!.victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // Every site holds exactly what the simulator shows the app, field by field.
      const different: string[] = [];
      for (const [i, sim] of fleet.sims.entries()) {
        const expected = visibleSetOf(sim, APP_KEY);
        const actual = await storedSetOf(await data.stores.open(tenants[i]!));
        if (JSON.stringify(actual) !== JSON.stringify(expected)) different.push(`${fleet.urls[i]}: ${describeDifference(expected, actual)}`);
      }
      expect(different).toEqual([]);

      // Every sync request came from one of the three processes, and no site had two at once.
      const sync = log.entries.filter(isSyncRequest);
      // (When not: how long after the kill each unnamed request started says whether it was the victim's.)
      expect(sync.filter((entry) => entry.client === undefined).map((entry) => ({ ...entry, msAfterKill: Math.round(entry.startMs - kill!.atMs) }))).toEqual([]);
      // The victim's requests end when it died: nobody read their answers.
      const diedAtMs = kill!.diedAtMs!;
      const pairs = findConcurrentRequests(sync, { killed: [{ client: kill!.victim.name, atMs: diedAtMs }], nowMs: performance.timeOrigin + performance.now() });
      expect(pairs.slice(0, 3).map(({ site, first, second }) => `${site}: ${first.client} ${first.path} and ${second.client} ${second.path}`)).toEqual([]);
      // The killed process's half-done site was finished by another.
      const victimSite = sync.filter((entry) => entry.site === kill!.site);
      const after = victimSite.filter((entry) => entry.client !== kill!.victim.name && entry.startMs > kill!.atMs);
      expect(after.length).toBeGreaterThan(0);
      expect(victimSite.at(-1)!.client).not.toBe(kill!.victim.name);
      // Work was shared: each process synced some sites.
      const clients = new Set(sync.map((entry) => entry.client));
      expect(clients).toEqual(new Set(instances.map((instance) => instance.name)));

      // The app's points: never above the quota in any UTC hour or any 60 minutes, and the log
      // misses nothing the sites' shared quota ledger charged.
      const points = pointsPerHour(log.entries);
      for (const spent of points.byUtcHour.values()) expect(spent).toBeLessThanOrEqual(POINTS_PER_HOUR);
      expect(points.maxRollingHour).toBeLessThanOrEqual(POINTS_PER_HOUR);
      const nowMs = fleet.sims[0]!.clock.now();
      const thisHour = Math.floor(nowMs / 3_600_000) * 3_600_000;
      expect(points.byUtcHour.get(thisHour) ?? 0).toBe(fleet.ledger.usedPoints(`global:${APP_KEY}`, nowMs));

      const takeOver = Math.min(...after.map((entry) => entry.startMs)) - diedAtMs;
      process.stdout.write(
        `multi-instance: ${SITES} sites × ${WORKLOGS_PER_SITE} worklogs, ${sync.length} sync requests, ${points.maxRollingHour} points (quota ${POINTS_PER_HOUR}); ` +
          `ready in ${((readyMs - startedMs) / 1000).toFixed(1)} s, synced ${((syncedMs - readyMs) / 1000).toFixed(1)} s after; ` +
          `${kill!.victim.name} killed with ${new Set(sync.filter((e) => e.startMs <= kill!.atMs).map((e) => e.site)).size} sites started, its site taken over after ${(takeOver / 1000).toFixed(1)} s ` +
          `(${describeClientRuns(victimSite)})\n`,
      );
    } finally {
      await stopAll();
      // Every tenant's database through the store (placed ones are dropped), then the control database.
      if (!data && instances[0]) data = await openTenantData(loadConfig({ ...env, TALLY_DATA_DIR: instances[0].dataDir }), machineRuntime(loadConfig(env)));
      if (data) {
        // Side by side: each DROP DATABASE waits for a checkpoint.
        await Promise.all((await data.registry.listTenants()).map((tenant) => data!.stores.destroy(tenant.id)));
        await data.close();
      }
      await balancer?.close();
      await fleet?.close();
      await database.drop();
    }
  }, 240_000);
});
