/**
 * Benchmark helper (child process, one per run so its CPU and memory are that run's alone) for
 * `bench:backfill`: one Tally on virtual time installs the big simulated site — alone, or with the
 * small sites installed at the same instant — and runs their first syncs with the given backfill
 * strategy until every installed site is synchronised. Prints `RESULT <json>`.
 *
 * What runs is Tally's own sync service (`createSyncService`: installs queue a `full` sync at
 * backfill priority, each turn is `syncTenant` with 25 pages, a partial turn re-queues behind every
 * other tenant) on the in-process job queue with the server's concurrency, the composed Jira
 * clients and their one rate-limit coordinator, the composed SQLite stores and the configured
 * backfill policy (TALLY_BACKFILL_STRATEGY). It is wired here rather than taken from
 * `composeTally` because the bench must see each store write (when the recent window became
 * complete, when the history finished) at the moment it commits, with the points spent by then:
 * the composed service's stores cannot be observed from outside. The interval's scheduled
 * incremental syncs are not run: they would only queue `auto` jobs that dedupe against the turns
 * already waiting.
 *
 * Time: the clock and sleep Tally gets are virtual (bench/virtual-time.ts) and are the simulated
 * Jira's clock, moved over the simulator's control origin; the simulator itself runs in another
 * process (bench/backfill-sim-server.ts) over real loopback HTTP, as in the other benches, so this
 * process's CPU is the sync's alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeTally } from '../src/compose.js';
import { loadConfig } from '../src/config/load-config.js';
import { createConnectInstallationStore } from '../src/edges/jira-connect/connect-installation-store.js';
import { createInProcessJobQueue } from '../src/jobs/in-process-job-queue.js';
import { createLogger } from '../src/platform/logger.js';
import { createOutgoingFetch } from '../src/platform/outgoing-fetch.js';
import type { Fetch } from '../src/platform/fetch.js';
import { initialSyncState, type StoreProvider, type SyncBatch, type SyncState, type TenantStore } from '../src/store/tenant-store.js';
import { completeFromMs } from '../src/sync/sync-status.js';
import { createSyncService } from '../src/sync/sync-service.js';
import { createSecretBox } from '../src/tenants/secret-box.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { utcHourStartMs } from '../src/jira/hourly-points-pool.js';
import { createVirtualTime } from './virtual-time.js';

/** A site as the simulator process describes it. */
export interface BackfillSite {
  url: string;
  clientKey: string;
  sharedSecret: string;
  worklogs: number;
}

/**
 * A moment of a sync: the simulated clock, the site's points by then, and its quota time — the
 * hours from the install (a top of the hour) to the top of the current hour, plus the share of
 * this hour's quota the app had spent by then. Requests take no simulated time, so every moment
 * of an hour's work would otherwise read as that hour's first instant; quota time spreads them
 * as if the app spent the hour's points at the quota's own pace.
 */
export interface SyncMoment {
  atMs: number;
  points: number;
  quotaHours: number;
}

/** What one run prints after `RESULT `. */
export interface BackfillRunResult {
  /** Whether the sync state ever named a recent window (false: the strategy ran as bulk). */
  recentWindowUsed: boolean;
  recentFromMs: number | undefined;
  /** How the big site's history was read (src/sync/issue-history.ts): `issues`, `feed`, or undefined (bulk). */
  historyPath: 'issues' | 'feed' | undefined;
  /** What reading it issue by issue cost per worklog, as Tally measured it (undefined when it did not). */
  historyIssuePointsPerWorklog: number | undefined;
  /**
   * When Tally first called the window complete — `completeFromMs` (src/sync/sync-status.ts, what
   * the page and `/api/sync/status` say) at or before the window's start — and how many of the
   * window's worklogs the store held then.
   */
  recentExact: (SyncMoment & { completeFromMs: number; windowWorklogsStored: number }) | undefined;
  /** When the store first held every worklog of the window (the simulator's truth). */
  windowStored: SyncMoment | undefined;
  /** When the big site's full sync finished (phase `incremental`). */
  complete: SyncMoment | undefined;
  /** When the last small site's first sync finished, if any were installed. */
  smallComplete: SyncMoment | undefined;
  bigStoredWorklogs: number;
  storedWorklogs: number;
  endMs: number;
  virtualJumps: number;
  /** Sleeps Tally registered (each waits for every job to wait). */
  sleeps: number;
  realSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  /** Per ended hour: the app's points and the big site's points by then (the first 12 hours). */
  hours: { hour: number; appPoints: number; bigPointsByEnd: number }[];
}

const { values } = parseArgs({
  options: {
    'sites-file': { type: 'string' },
    scenario: { type: 'string' },
    strategy: { type: 'string' },
    'start-ms': { type: 'string' },
    'window-from-ms': { type: 'string' },
    'window-worklogs': { type: 'string' },
    'points-per-hour': { type: 'string', default: '65000' },
    'max-hours': { type: 'string', default: '2000' },
  },
  strict: true,
});
const sites = JSON.parse(readFileSync(values['sites-file'] ?? '', 'utf8')) as { control: string; big: BackfillSite; small: BackfillSite[] };
const strategy = values.strategy;
if (strategy !== 'recent-first' && strategy !== 'bulk') throw new Error(`--strategy is recent-first or bulk, got ${values.strategy}`);
const scenario = values.scenario;
if (scenario !== 'alone' && scenario !== 'beside-small-sites') throw new Error(`--scenario is alone or beside-small-sites, got ${scenario}`);
const startMs = Number(values['start-ms']);
if (utcHourStartMs(startMs) !== startMs) throw new Error('--start-ms must be a top of the hour (quota time counts whole hours from it)');
const pointsPerHour = Number(values['points-per-hour']);
const windowFromMs = Number(values['window-from-ms']);
const windowWorklogs = Number(values['window-worklogs']);
const maxEndMs = startMs + Number(values['max-hours']) * 3_600_000;

const vt = createVirtualTime({
  startMs,
  moveRemoteClock: async (nowMs) => {
    const answer = await fetch(`${sites.control}/clock`, { method: 'POST', body: JSON.stringify({ nowMs }), headers: { 'content-type': 'application/json' } });
    if (!answer.ok) throw new Error(`the simulator refused the clock move: ${answer.status}`);
  },
});

/** The highest `X-Bench-Site-Points` seen per site origin: the site's points spent so far. */
const pointsSeen = new Map<string, number>();
/** The highest `X-Bench-App-Hour-Points` seen in the current hour: the app's points this hour. */
let hourPointsSeen = { hourStartMs: utcHourStartMs(startMs), points: 0 };
/** Each hour that ended: the app's points in it and the big site's points by its end (where an hour's quota went). */
const hours: { hour: number; appPoints: number; bigPointsByEnd: number }[] = [];
function withSitePoints(fetch: Fetch): Fetch {
  return async (input, init) => {
    const answer = await fetch(input, init);
    const points = Number(answer.headers.get('x-bench-site-points'));
    if (points > 0) {
      const origin = new URL(answer.url || (input instanceof Request ? input.url : String(input))).origin;
      if (points > (pointsSeen.get(origin) ?? 0)) pointsSeen.set(origin, points);
    }
    const hourPoints = Number(answer.headers.get('x-bench-app-hour-points'));
    const hourStartMs = utcHourStartMs(vt.clock.nowMs());
    if (hourStartMs !== hourPointsSeen.hourStartMs) {
      hours.push({ hour: (hourPointsSeen.hourStartMs - startMs) / 3_600_000, appPoints: hourPointsSeen.points, bigPointsByEnd: pointsSeen.get(new URL(sites.big.url).origin) ?? 0 });
      hourPointsSeen = { hourStartMs, points: 0 };
    }
    if (hourPoints > hourPointsSeen.points) hourPointsSeen.points = hourPoints;
    return answer;
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-backfill-'));
const secretKey = randomBytes(32);
const config = loadConfig({
  TALLY_BASE_URL: 'https://tally.bench',
  TALLY_SECRET_KEY: secretKey.toString('base64'),
  TALLY_DATA_DIR: dataDir,
  TALLY_ALLOWED_HOSTS: '127.0.0.1',
  TALLY_LOG_LEVEL: 'warn',
  // Tier 1: what Tally assumes the app's hour holds (the simulator's headers correct it).
  TALLY_JIRA_POINTS_PER_HOUR: values['points-per-hour'] ?? '65000',
  // The strategy compared; the window is the default one (this month and the last, UTC).
  TALLY_BACKFILL_STRATEGY: strategy,
});
const logger = createLogger({ level: 'warn', destination: process.stderr });
const tally = await composeTally(config, { clock: vt.clock, fetch: vt.track(withSitePoints(createOutgoingFetch())), sleep: vt.sleep, logger });

const installed = scenario === 'alone' ? [sites.big] : [sites.big, ...sites.small];
const originOf = new Map<TenantId, string>();
let bigTenant: TenantId | undefined;
const installations = createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(secretKey) });
for (const site of installed) {
  const { tenant } = await installations.recordInstall({ clientKey: site.clientKey, product: 'jira', baseUrl: site.url, sharedSecret: site.sharedSecret });
  originOf.set(tenant.id, new URL(site.url).origin);
  bigTenant ??= tenant.id;
}
const pointsOf = (tenantId: TenantId) => pointsSeen.get(originOf.get(tenantId) ?? '') ?? 0;
/** Now, as a {@link SyncMoment} of `tenantId`. */
function momentOf(tenantId: TenantId): SyncMoment {
  const atMs = vt.clock.nowMs();
  const hourStartMs = utcHourStartMs(atMs);
  const hourPoints = hourPointsSeen.hourStartMs === hourStartMs ? hourPointsSeen.points : 0;
  return { atMs, points: pointsOf(tenantId), quotaHours: (hourStartMs - startMs) / 3_600_000 + Math.min(1, hourPoints / pointsPerHour) };
}

// What the big site's writes showed, at the moment they committed.
const windowIds = new Set<number>();
/** The big site's sync state as its writes left it (a fresh tenant starts from the initial state). */
const bigState: SyncState = { ...initialSyncState };
let recentExact: BackfillRunResult['recentExact'];
let windowStored: SyncMoment | undefined;
let complete: SyncMoment | undefined;
const smallDone = new Map<TenantId, SyncMoment>();
let allDone: () => void = () => {};
const allDonePromise = new Promise<void>((resolve) => (allDone = resolve));
const checkAllDone = () => {
  if (complete !== undefined && smallDone.size === installed.length - 1) allDone();
};

function watchBigWrite(tenantId: TenantId, batch: SyncBatch): void {
  for (const row of batch.upserts) if (row.startedMs >= windowFromMs) windowIds.add(row.clientWorklogId);
  if (windowStored === undefined && windowIds.size >= windowWorklogs) windowStored = momentOf(tenantId);
  if (!batch.state) return;
  Object.assign(bigState, batch.state);
  // Exact as Tally tells the page and the API: the first moment a complete range starts at the window (or earlier).
  const from = completeFromMs(bigState);
  if (recentExact === undefined && from !== undefined && from <= windowFromMs) {
    recentExact = { ...momentOf(tenantId), completeFromMs: from, windowWorklogsStored: windowIds.size };
  }
  if (complete === undefined && bigState.phase === 'incremental') {
    complete = momentOf(tenantId);
    checkAllDone();
  }
}

function watchSmallWrite(tenantId: TenantId, batch: SyncBatch): void {
  if (batch.state?.phase === 'incremental' && !smallDone.has(tenantId)) {
    smallDone.set(tenantId, momentOf(tenantId));
    checkAllDone();
  }
}

/** The composed stores, each write reported to the watchers above once it committed. */
function observedStores(provider: StoreProvider): StoreProvider {
  const wrapped = new WeakMap<TenantStore, TenantStore>();
  const wrap = (store: TenantStore): TenantStore => {
    let proxy = wrapped.get(store);
    if (!proxy) {
      proxy = new Proxy(store, {
        get(target, property) {
          if (property === 'applyBatch') {
            return async (batch: SyncBatch) => {
              const result = await target.applyBatch(batch);
              vt.touch();
              if (target.tenantId === bigTenant) watchBigWrite(target.tenantId, batch);
              else watchSmallWrite(target.tenantId, batch);
              return result;
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      wrapped.set(store, proxy);
    }
    return proxy;
  };
  return new Proxy(provider, {
    get(target, property) {
      if (property === 'open') return async (tenantId: TenantId) => wrap(await target.open(tenantId));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const stores = observedStores(tally.stores);
const queue = createInProcessJobQueue({ concurrency: config.jobConcurrency, logger });
const service = createSyncService({
  ...tally.syncDeps,
  stores,
  queue,
  scheduler: { declarePeriodic: () => {} },
  registry: tally.registry,
  events: tally.events,
  clock: vt.clock,
  intervalSeconds: config.syncIntervalSeconds,
  reconcileIntervalMs: config.reconcileIntervalHours * 3_600_000,
  logger,
  onOutcome: () => vt.touch(),
});

const guard = setInterval(() => {
  if (vt.clock.nowMs() > maxEndMs) {
    process.stderr.write(`bench:backfill: more than ${values['max-hours']} simulated hours, giving up\n`);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  }
}, 1000);
try {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // As installs arrive (the `installed` event's full sync); the big site first, the small ones at the same instant.
  for (const tenantId of originOf.keys()) service.requestSync(tenantId, 'full');
  await allDonePromise;
  // The last turn's incremental part and nothing else is left.
  await queue.idle();
  const cpu = process.cpuUsage(cpuBefore);
  const realSeconds = (performance.now() - started) / 1000;
  let storedWorklogs = 0;
  let bigStoredWorklogs = 0;
  for (const tenantId of originOf.keys()) {
    const count = await (await tally.stores.open(tenantId)).countWorklogs();
    storedWorklogs += count;
    if (tenantId === bigTenant) bigStoredWorklogs = count;
  }
  const result: BackfillRunResult = {
    recentWindowUsed: bigState.recentFromMs !== undefined,
    recentFromMs: bigState.recentFromMs,
    historyPath: bigState.historyPath,
    historyIssuePointsPerWorklog: bigState.historyIssueWorklogs > 0 ? bigState.historyIssuePoints / bigState.historyIssueWorklogs : undefined,
    recentExact,
    windowStored,
    complete,
    smallComplete: [...smallDone.values()].reduce<SyncMoment | undefined>((last, moment) => (last === undefined || moment.quotaHours > last.quotaHours ? moment : last), undefined),
    bigStoredWorklogs,
    storedWorklogs,
    endMs: vt.clock.nowMs(),
    virtualJumps: vt.stats().jumps,
    sleeps: vt.stats().sleeps,
    realSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    hours: hours.slice(0, 12),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} finally {
  clearInterval(guard);
  vt.stop();
  await service.stop();
  await tally.close();
  rmSync(dataDir, { recursive: true, force: true });
}
