/**
 * Benchmark helper (child process, one per run so memory and descriptors belong to that run
 * alone) for `bench:tenants`: one Tally exactly as the server composes it (`composeTally`: the
 * configured tenant stores behind the open-store pool, the configured job queue, the scheduler
 * with every schedule), with real timers; the sites of `--sites-file` installed as Connect tenants
 * and all their full syncs queued at once. SQLite by default; with `--database-url` the control
 * database, the tenant databases and the jobs (pg-boss) are on PostgreSQL.
 *
 * Measures the time until every site is synchronised, then lets the interval's scheduled
 * incremental syncs run `--rounds` times and counts the sites whose incremental sync did not finish
 * before the next round began (late), then idles until the pool has closed the stores no round
 * uses. RSS and open descriptors after the sync and after idle; the longest event-loop stall
 * (`monitorEventLoopDelay`) per phase, and the part of it the main thread spent on a CPU
 * (bench/event-loop-stalls.ts). Prints `RESULT <json>`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeTally } from '../src/compose.js';
import { storeIdleCloseMs } from '../src/compose/tenant-stores.js';
import { loadConfig } from '../src/config/load-config.js';
import { createConnectInstallationStore } from '../src/edges/jira-connect/connect-installation-store.js';
import { createScheduleStore } from '../src/jobs/schedule-store.js';
import { timerSleep } from '../src/jira/sleep.js';
import { systemClock } from '../src/platform/clock.js';
import { createLogger } from '../src/platform/logger.js';
import { SYNC_SCHEDULES } from '../src/sync/sync-service.js';
import { createSecretBox } from '../src/tenants/secret-box.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { createOutgoingFetch } from '../src/platform/outgoing-fetch.js';
import { watchEventLoopStalls, type EventLoopStalls } from './event-loop-stalls.js';
import { writeHeapSnapshot } from 'node:v8';
import { classifyOpenFds, collectGarbage, countOpenFds, heapUsedMb, rssMb } from './process-probe.js';

const { values } = parseArgs({
  options: {
    'sites-file': { type: 'string' },
    'open-stores': { type: 'string' },
    interval: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    'idle-seconds': { type: 'string' },
    'database-url': { type: 'string' },
  },
  strict: true,
});
const sites = (JSON.parse(readFileSync(values['sites-file'] ?? '', 'utf8')) as { sites: { url: string; clientKey: string; sharedSecret: string }[] }).sites;
const INTERVAL_SECONDS = Number(values.interval);
const ROUNDS = Number(values.rounds);
// Idle long enough for the pool's sweep (every half idle-close period) to close what the last round left open.
const IDLE_MS = values['idle-seconds'] !== undefined ? Number(values['idle-seconds']) * 1000 : storeIdleCloseMs(INTERVAL_SECONDS) * 1.5 + 5000;

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-tenants-'));
const secretKey = randomBytes(32);
const config = loadConfig({
  TALLY_BASE_URL: 'https://tally.bench',
  TALLY_SECRET_KEY: secretKey.toString('base64'),
  TALLY_DATA_DIR: dataDir,
  TALLY_ALLOWED_HOSTS: '127.0.0.1',
  TALLY_LOG_LEVEL: 'warn',
  TALLY_SYNC_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
  ...(values['open-stores'] !== undefined ? { TALLY_OPEN_STORES: values['open-stores'] } : {}),
  // The simulators' limits are off; the points budget is not what this benchmark measures.
  TALLY_JIRA_POINTS_PER_HOUR: '10000000',
  ...(values['database-url'] !== undefined ? { DATABASE_URL: values['database-url'] } : {}),
});
const logger = createLogger({ level: 'warn', destination: process.stderr });

const synced = new Set<TenantId>();
let allSynced: () => void = () => {};
const allSyncedPromise = new Promise<void>((resolve) => (allSynced = resolve));
/** Finish times of each tenant's incremental syncs once the whole fleet is synchronised. */
const incrementalDoneMs = new Map<TenantId, number[]>();
let syncedAtMs = Number.POSITIVE_INFINITY;

const tally = await composeTally(config, { clock: systemClock, fetch: createOutgoingFetch(), sleep: timerSleep, logger }, {
  onSyncOutcome(tenantId, outcome) {
    if (outcome.status !== 'synced') return;
    const nowMs = Date.now();
    if (!synced.has(tenantId)) {
      synced.add(tenantId);
      if (synced.size === sites.length) allSynced();
    } else if (nowMs > syncedAtMs) {
      const done = incrementalDoneMs.get(tenantId) ?? [];
      done.push(nowMs);
      incrementalDoneMs.set(tenantId, done);
    }
  },
});

/**
 * When each scheduled round began, read from the scheduler's own row: a run moves the schedule's
 * next run one interval past its start (when it is claimed, and again when its task, a few ms of
 * queueing, ends), so a new next-run time names a round that started one interval earlier.
 */
const roundStartsMs: number[] = [];
let lastNextRunMs: number | undefined;
// One row, not the scheduler's whole list (a row per tenant and per-tenant schedule): the watch
// runs every 200 ms and must not add its own stall to what it measures.
const schedules = createScheduleStore(tally.control.db);
const watchRounds = async () => {
  const row = await schedules.find({ name: SYNC_SCHEDULES.incremental });
  if (row === undefined || row.nextRunAtMs === lastNextRunMs) return;
  if (lastNextRunMs !== undefined) {
    const startedMs = row.nextRunAtMs - INTERVAL_SECONDS * 1000;
    // The claim and the end of the task both move it: the second move is the same round.
    const previous = roundStartsMs.at(-1);
    const sameRound = previous !== undefined && startedMs - previous < (INTERVAL_SECONDS * 1000) / 2;
    if (startedMs > syncedAtMs && !sameRound) roundStartsMs.push(startedMs);
  }
  lastNextRunMs = row.nextRunAtMs;
};

let peakFds = 0;
// Listed off the main thread: `/proc/self/fd` with a thousand entries took 20–70 ms of a loaded
// machine synchronously, a stall of the benchmark's own making.
const sampler = setInterval(() => {
  void readdir('/proc/self/fd').then((fds) => (peakFds = Math.max(peakFds, fds.length)), () => undefined);
  void watchRounds().catch(() => undefined);
}, 200);
try {
  const installations = createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(secretKey) });
  const tenants: TenantId[] = [];
  for (const site of sites) tenants.push((await installations.recordInstall({ clientKey: site.clientKey, product: 'jira', baseUrl: site.url, sharedSecret: site.sharedSecret })).tenant.id);

  const stalls: EventLoopStalls = watchEventLoopStalls();
  const started = performance.now();
  // As `tally serve` starts (src/main.ts), without the HTTP server: the installs' full syncs first.
  await tally.queue.start();
  for (const tenantId of tenants) tally.sync.requestSync(tenantId, 'full');
  tally.sync.start();
  tally.scheduler.start(1000);
  await allSyncedPromise;
  const secondsToSynced = (performance.now() - started) / 1000;
  syncedAtMs = Date.now();
  const stallDuringSync = stalls.takePhase();
  const rssAfterSyncMb = rssMb();
  const heapAfterSyncMb = heapUsedMb();
  const fdsAfterSync = countOpenFds();

  // The scheduled rounds: each must finish every site's incremental sync before the next begins.
  while (roundStartsMs.length < ROUNDS + 1) await waitMs(200);
  let lateIncrementalSyncs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const from = roundStartsMs[round] as number;
    const until = roundStartsMs[round + 1] as number;
    for (const tenantId of tenants) if (!(incrementalDoneMs.get(tenantId) ?? []).some((ms) => ms >= from && ms < until)) lateIncrementalSyncs++;
  }
  const stallDuringRounds = stalls.takePhase();

  // Idle: no schedule runs; the last round's syncs still queued finish first, then the pool's
  // idle close has its time and keep-alive sockets time out.
  await tally.scheduler.stop();
  await tally.queue.idle();
  await waitMs(IDLE_MS);
  // Before the forced collection below: a full GC of the whole heap is the benchmark's doing.
  const stallIdle = stalls.takePhase();
  stalls.stop();
  // What the last idle collection left, before the forced one: the live heap a full GC must mark.
  const heapIdleMb = heapUsedMb();
  if (process.env.TALLY_BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.TALLY_BENCH_HEAP_SNAPSHOT);
  collectGarbage();
  const rssIdleMb = rssMb();
  const openFds = countOpenFds();
  const idleFdsByKind = classifyOpenFds(join(dataDir, 'tenants'));
  const result = {
    store: config.tenantStore,
    queue: tally.queue.mechanism,
    sites: sites.length,
    openStoresLimit: config.openStores,
    idleCloseSeconds: storeIdleCloseMs(INTERVAL_SECONDS) / 1000,
    secondsToSynced: Math.round(secondsToSynced * 10) / 10,
    rssAfterSyncMb,
    heapAfterSyncMb,
    heapIdleMb,
    fdsAfterSync,
    rssIdleMb,
    openFds,
    idleFdsByKind,
    peakFds,
    longestStallMs: Math.max(stallDuringSync.longestStallMs, stallDuringRounds.longestStallMs, stallIdle.longestStallMs),
    longestCpuStallMs: Math.max(stallDuringSync.longestCpuStallMs, stallDuringRounds.longestCpuStallMs, stallIdle.longestCpuStallMs),
    stallDuringSyncMs: stallDuringSync.longestStallMs,
    cpuStallDuringSyncMs: stallDuringSync.longestCpuStallMs,
    stallDuringRoundsMs: stallDuringRounds.longestStallMs,
    cpuStallDuringRoundsMs: stallDuringRounds.longestCpuStallMs,
    stallIdleMs: stallIdle.longestStallMs,
    // When each of the longest stalls ended (monotonic µs, the clock of a --cpu-prof profile), per phase.
    stallsDuringSync: stallDuringSync.stalls,
    stallsDuringRounds: stallDuringRounds.stalls,
    stallsIdle: stallIdle.stalls,
    idleSeconds: IDLE_MS / 1000,
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    scheduledRounds: ROUNDS,
    intervalSeconds: INTERVAL_SECONDS,
    lateIncrementalSyncs,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} finally {
  clearInterval(sampler);
  await tally.close();
  rmSync(dataDir, { recursive: true, force: true });
}
