/**
 * Benchmark helper (child process, one per run so memory and descriptors belong to that run
 * alone) for `bench:tenants`: one Tally process with real timers, the sites of `--sites-file`
 * installed as Connect tenants, all their full syncs queued at once. Measures the time until every
 * site is synchronised, then lets the interval's scheduled incremental syncs run `--rounds` times
 * and counts the sites whose incremental sync did not finish before the next round began (late),
 * then idles. RSS and open descriptors after the sync and after idle; the longest event-loop stall
 * (`monitorEventLoopDelay`) over the whole run and per phase, and the part of it this process
 * spent on the CPU (bench/event-loop-stalls.ts). Prints `RESULT <json>`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { createConnectInstallationStore } from '../src/edges/jira-connect/connect-installation-store.js';
import { timerSleep } from '../src/jira/sleep.js';
import { systemClock } from '../src/platform/clock.js';
import { createLogger } from '../src/platform/logger.js';
import { SYNC_SCHEDULES } from '../src/sync/sync-service.js';
import { createSecretBox } from '../src/tenants/secret-box.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { watchEventLoopStalls, type EventLoopStalls } from './event-loop-stalls.js';
import { classifyOpenFds, collectGarbage, countOpenFds, rssMb } from './process-probe.js';
import { composeTenantsBench } from './tenants-composition.js';

const { values } = parseArgs({
  options: {
    'sites-file': { type: 'string' },
    'open-stores': { type: 'string', default: '256' },
    interval: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '15' },
    'idle-close-seconds': { type: 'string' },
  },
  strict: true,
});
const sites = (JSON.parse(readFileSync(values['sites-file'] ?? '', 'utf8')) as { sites: { url: string; clientKey: string; sharedSecret: string }[] }).sites;
const OPEN_STORES = Number(values['open-stores']);
const INTERVAL_SECONDS = Number(values.interval);
const ROUNDS = Number(values.rounds);
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const IDLE_CLOSE_MS = values['idle-close-seconds'] === undefined ? undefined : Number(values['idle-close-seconds']) * 1000;

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-tenants-'));
const config = loadConfig({
  TALLY_BASE_URL: 'https://tally.bench',
  TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
  TALLY_DATA_DIR: dataDir,
  TALLY_ALLOWED_HOSTS: '127.0.0.1',
  TALLY_LOG_LEVEL: 'warn',
  TALLY_SYNC_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
  // The simulators' limits are off; the points budget is not what this benchmark measures.
  TALLY_JIRA_POINTS_PER_HOUR: '10000000',
});
const logger = createLogger({ level: 'warn', destination: process.stderr });

const synced = new Set<TenantId>();
let allSynced: () => void = () => {};
const allSyncedPromise = new Promise<void>((resolve) => (allSynced = resolve));
/** Finish times of each tenant's incremental syncs once the whole fleet is synchronised. */
const incrementalDoneMs = new Map<TenantId, number[]>();
let syncedAtMs = Number.POSITIVE_INFINITY;
const roundStartsMs: number[] = [];

const bench = await composeTenantsBench(config, { clock: systemClock, fetch: (input, init) => fetch(input, init), sleep: timerSleep, logger }, {
  openStores: OPEN_STORES,
  ...(IDLE_CLOSE_MS !== undefined ? { idleCloseMs: IDLE_CLOSE_MS } : {}),
  onOutcome(tenantId, outcome) {
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
  onScheduleRun(name, startedMs) {
    if (name === SYNC_SCHEDULES.incremental && startedMs > syncedAtMs) roundStartsMs.push(startedMs);
  },
});
let peakFds = 0;
let peakOpenStores = 0;
const sampler = setInterval(() => {
  peakFds = Math.max(peakFds, countOpenFds());
  peakOpenStores = Math.max(peakOpenStores, bench.pool?.stats().open ?? 0);
}, 200);
try {
  const installations = createConnectInstallationStore({ db: bench.tally.control.db, registry: bench.tally.registry, secretBox: createSecretBox(config.secretKey!) });
  const tenants: TenantId[] = [];
  for (const site of sites) tenants.push((await installations.recordInstall({ clientKey: site.clientKey, product: 'jira', baseUrl: site.url, sharedSecret: site.sharedSecret })).tenant.id);

  const stalls: EventLoopStalls = watchEventLoopStalls();
  const started = performance.now();
  for (const tenantId of tenants) bench.sync.requestSync(tenantId, 'full');
  bench.sync.start();
  bench.scheduler.start(1000);
  await allSyncedPromise;
  const secondsToSynced = (performance.now() - started) / 1000;
  syncedAtMs = Date.now();
  const stallDuringSync = stalls.takePhase();
  const rssAfterSyncMb = rssMb();
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

  // Idle: no schedule due; keep-alive sockets time out, idle stores stay as the pool left them.
  await bench.scheduler.stop();
  // The last round's syncs still in the queue finish first: idle means no work left.
  await bench.queue.idle();
  await waitMs(IDLE_MS);
  collectGarbage();
  const rssIdleMb = rssMb();
  const openFds = countOpenFds();
  const idleFdsByKind = classifyOpenFds(join(dataDir, 'tenants'));
  const stallIdle = stalls.takePhase();
  stalls.stop();
  const result = {
    store: 'sqlite',
    sites: sites.length,
    openStoresLimit: OPEN_STORES,
    idleCloseSeconds: IDLE_CLOSE_MS === undefined ? null : IDLE_CLOSE_MS / 1000,
    secondsToSynced: Math.round(secondsToSynced * 10) / 10,
    rssAfterSyncMb,
    fdsAfterSync,
    rssIdleMb,
    openFds,
    idleFdsByKind,
    peakFds,
    peakOpenStores,
    longestStallMs: Math.max(stallDuringSync.longestStallMs, stallDuringRounds.longestStallMs, stallIdle.longestStallMs),
    longestCpuStallMs: Math.max(stallDuringSync.longestCpuStallMs, stallDuringRounds.longestCpuStallMs, stallIdle.longestCpuStallMs),
    stallDuringSyncMs: stallDuringSync.longestStallMs,
    cpuStallDuringSyncMs: stallDuringSync.longestCpuStallMs,
    stallDuringRoundsMs: stallDuringRounds.longestStallMs,
    cpuStallDuringRoundsMs: stallDuringRounds.longestCpuStallMs,
    stallIdleMs: stallIdle.longestStallMs,
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    scheduledRounds: ROUNDS,
    intervalSeconds: INTERVAL_SECONDS,
    lateIncrementalSyncs,
    storeOpens: bench.pool?.stats().opens ?? null,
    storeEvictions: bench.pool?.stats().evictions ?? null,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} finally {
  clearInterval(sampler);
  await bench.close();
  rmSync(dataDir, { recursive: true, force: true });
}
