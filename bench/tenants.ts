/**
 * `npm run bench:tenants [-- --sites N] [-- --worklogs W] [-- --open-stores K] [-- --store sqlite,postgres]
 * [-- --interval S] [-- --rounds R] [-- --idle-seconds I] [-- --postgres-url URL] [-- --cpu-prof DIR]
 * [-- --simulator-as-tally] [-- --tally-node-flags="…"] [-- --json]`:
 * thousands of sites on one Tally instance (issue 14). N simulated sites of W worklogs (default
 * 1,000 × 2,000), each its own loopback origin in one simulator process; one Tally process per
 * store (bench/tenants-run.ts, composed as the server is) installs them all, syncs them, lets the
 * interval's incremental syncs run R times and idles until the open-store pool has closed what
 * the rounds left open (I seconds; default 1.5 × the pool's idle close + 5 s). K is
 * TALLY_OPEN_STORES (its default unless given). Reports the time
 * until every site is synchronised, RSS and open descriptors after the sync and after idle, the
 * longest event-loop stall, and the incremental syncs that missed their round.
 *
 * `--store postgres` measures the PostgreSQL stores beside SQLite over the same sites: a fresh
 * control database per run on `--postgres-url` / TALLY_BENCH_POSTGRES_URL / the local server
 * (with it, the jobs run on pg-boss there, as in production), dropped after the run together
 * with every `tally_t_…` tenant database the run created.
 *
 * The simulator stands for Atlassian's cloud, which runs on other machines; here it shares two
 * cores with the Tally process whose event loop is measured. Holding 1,000 sites' worklogs (~7 GB
 * of JavaScript objects), its major collections ran on both cores (V8's parallel GC threads) and
 * Tally's main thread waited for a core — 70–160 ms "stalls" that were the simulator's. So it
 * runs with one GC thread (`--single-threaded-gc`) and, with every thread it starts, at the lowest
 * priority (`nice -n 19`; a renice of the pid alone would reach only its main thread on Linux).
 * `--simulator-as-tally` runs it as before (same priority, parallel GC) to compare.
 *
 * `--tally-node-flags="…"` passes Node/V8 flags to the Tally processes only (e.g. `--tally-node-flags=--v8-pool-size=1`).
 *
 * `--cpu-prof DIR` writes a V8 CPU profile of each Tally process (not the simulator's) into DIR:
 * a blocking call shows there as one long sample, so a stall's stack can be read afterwards.
 *
 * Targets at 1,000 sites: idle RSS ≤ 400 MB, ≤ 300 descriptors, longest stall ≤ 50 ms, no late
 * incremental sync.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { benchPostgresServerUrl, createBenchControlDatabase, describeServer, parseBenchStores, type BenchStore } from './bench-postgres.js';
import { describeMachine, printBench, type BenchRow } from './bench-output.js';

const TSX = ['--import', 'tsx'];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sites: { type: 'string', default: '1000' },
    worklogs: { type: 'string', default: '2000' },
    'open-stores': { type: 'string' },
    store: { type: 'string', multiple: true },
    interval: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    'idle-seconds': { type: 'string' },
    'postgres-url': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'simulator-as-tally': { type: 'boolean', default: false },
    'tally-node-flags': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const SITES = Number(values.sites);
const WORKLOGS = Number(values.worklogs);
const numbers = [SITES, WORKLOGS, Number(values['open-stores'] ?? 1), Number(values.interval), Number(values.rounds), Number(values['idle-seconds'] ?? 1)];
if (!numbers.every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('bench:tenants: --sites, --worklogs, --open-stores, --interval, --rounds and --idle-seconds take whole numbers above 0\n');
  process.exit(2);
}
let stores: BenchStore[];
try {
  stores = parseBenchStores(values.store);
} catch (error) {
  process.stderr.write(`bench:tenants: ${(error as Error).message}\n`);
  process.exit(2);
}
const postgresUrl = benchPostgresServerUrl(values['postgres-url']);

/** The first stdout line of `child` that starts with `prefix` (without it). */
function lineStartingWith(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith(prefix)) resolve(line.slice(prefix.length));
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before answering`)));
  });
}

/** One Tally process over the sites, on SQLite or (with a control database URL) on PostgreSQL. */
async function runTally(sitesFile: string, databaseUrl: string | undefined): Promise<Record<string, unknown>> {
  const args = ['--sites-file', sitesFile, '--interval', String(values.interval), '--rounds', String(values.rounds)];
  if (values['open-stores'] !== undefined) args.push('--open-stores', values['open-stores']);
  if (values['idle-seconds'] !== undefined) args.push('--idle-seconds', values['idle-seconds']);
  if (databaseUrl !== undefined) args.push('--database-url', databaseUrl);
  const profile = values['cpu-prof'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const nodeFlags = values['tally-node-flags'].split(' ').filter((flag) => flag !== '');
  const child = spawn(process.execPath, [...nodeFlags, ...profile, ...TSX, 'bench/tenants-run.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await lineStartingWith(child, 'RESULT ');
    // Each run's figures as soon as they exist: a later run that fails does not lose them.
    process.stderr.write(`bench:tenants: ${line}\n`);
    return JSON.parse(line) as Record<string, unknown>;
  } finally {
    // The run prints its result before closing; wait for it to let go of its databases.
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
}

const runs: Record<string, unknown>[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'tally-bench-sites-'));
const simArgs = [...TSX, 'bench/tenant-sites-server.ts', '--sites', String(SITES), '--worklogs', String(WORKLOGS)];
const sim = values['simulator-as-tally']
  ? spawn(process.execPath, simArgs, { stdio: ['ignore', 'pipe', 'inherit'] })
  : spawn('nice', ['-n', '19', process.execPath, '--single-threaded-gc', ...simArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const generateStarted = performance.now();
  const sitesLine = await lineStartingWith(sim, '{');
  process.stderr.write(`bench:tenants: ${SITES} sites generated in ${Math.round((performance.now() - generateStarted) / 1000)} s\n`);
  const sitesFile = join(workDir, 'sites.json');
  writeFileSync(sitesFile, `{${sitesLine}`);
  for (const store of stores) {
    if (store === 'sqlite') {
      runs.push(await runTally(sitesFile, undefined));
      continue;
    }
    const control = await createBenchControlDatabase(postgresUrl);
    try {
      runs.push({ ...(await runTally(sitesFile, control.url)), postgresServer: describeServer(postgresUrl) });
    } finally {
      await control.drop();
    }
  }
} finally {
  sim.kill('SIGTERM');
  rmSync(workDir, { recursive: true, force: true });
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ bench: 'bench:tenants', machine: describeMachine(), worklogsPerSite: WORKLOGS, simulator: values['simulator-as-tally'] ? 'as tally' : 'nice 19, one GC thread', tallyNodeFlags: values['tally-node-flags'], runs }, null, 2)}\n`);
} else {
  const rows: BenchRow[] = runs.map((run) => ({
    store: `${String(run.store)} (${String(run.queue)} jobs)`,
    'open stores': `${Number(run.openStoresLimit)}, idle close ${Number(run.idleCloseSeconds)} s`,
    sites: Number(run.sites),
    's to synced': Number(run.secondsToSynced),
    'RSS synced MB': Number(run.rssAfterSyncMb),
    'RSS idle MB': Number(run.rssIdleMb),
    'fds synced': Number(run.fdsAfterSync),
    'fds idle': Number(run.openFds),
    'fds peak': Number(run.peakFds),
    'stall sync ms (CPU)': `${Number(run.stallDuringSyncMs)} (${Number(run.cpuStallDuringSyncMs)})`,
    'stall rounds ms (CPU)': `${Number(run.stallDuringRoundsMs)} (${Number(run.cpuStallDuringRoundsMs)})`,
    'late syncs': `${Number(run.lateIncrementalSyncs)} / ${Number(run.sites) * Number(run.scheduledRounds)}`,
    load: Number(run.loadAverage1m),
  }));
  printBench(`bench:tenants — ${SITES} sites × ${WORKLOGS} worklogs on one instance, interval ${values.interval} s, simulator ${values['simulator-as-tally'] ? 'as Tally' : 'at nice 19 with one GC thread'}`, rows, process.argv);
}
