/**
 * `npm run bench:tenants [-- --sites N] [-- --worklogs W] [-- --open-stores K] [-- --store sqlite|postgres]
 * [-- --interval S] [-- --rounds R] [-- --idle-seconds I] [-- --idle-close-seconds C] [-- --baseline] [-- --json]`:
 * thousands of sites on one Tally instance (issue 14). N simulated sites of W worklogs (default
 * 1,000 × 2,000), each its own loopback origin in one simulator process; one Tally process per run
 * (bench/tenants-run.ts) installs them all, syncs them, lets the interval's incremental syncs run R
 * times and idles. Reports the time until every site is synchronised, RSS and open descriptors
 * after the sync and after idle, the longest event-loop stall, and the incremental syncs that
 * missed their round. `--baseline` adds a run without the open-store pool (every store stays
 * open, as before issue 14). Targets at 1,000 sites: idle RSS ≤ 400 MB, ≤ 300 descriptors,
 * longest stall ≤ 50 ms, no late incremental sync.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeMachine, printBench, type BenchRow } from './bench-output.js';

const TSX = ['--import', 'tsx'];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sites: { type: 'string', default: '1000' },
    worklogs: { type: 'string', default: '2000' },
    'open-stores': { type: 'string', default: '256' },
    store: { type: 'string', multiple: true, default: ['sqlite'] },
    interval: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    'idle-seconds': { type: 'string', default: '15' },
    'idle-close-seconds': { type: 'string' },
    baseline: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const SITES = Number(values.sites);
const WORKLOGS = Number(values.worklogs);
const numbers = [SITES, WORKLOGS, Number(values['open-stores']), Number(values.interval), Number(values.rounds), Number(values['idle-seconds'])];
if (!numbers.every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('bench:tenants: --sites, --worklogs, --open-stores, --interval, --rounds and --idle-seconds take whole numbers above 0\n');
  process.exit(2);
}
const stores = values.store.flatMap((value) => value.split(','));
for (const store of stores) {
  if (store !== 'sqlite' && store !== 'postgres') {
    process.stderr.write(`bench:tenants: --store takes sqlite or postgres, not ${store}\n`);
    process.exit(2);
  }
}

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

/** One Tally process over the sites; `openStores` 0 runs without the pool. */
async function runTally(sitesFile: string, openStores: number): Promise<Record<string, unknown>> {
  const child = spawn(
    process.execPath,
    [...TSX, 'bench/tenants-run.ts', '--sites-file', sitesFile, '--open-stores', String(openStores), '--interval', String(values.interval), '--rounds', String(values.rounds), '--idle-seconds', String(values['idle-seconds']), ...(values['idle-close-seconds'] !== undefined && openStores > 0 ? ['--idle-close-seconds', values['idle-close-seconds']] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(await lineStartingWith(child, 'RESULT ')) as Record<string, unknown>;
}

const runs: Record<string, unknown>[] = [];
if (stores.includes('postgres')) process.stderr.write('bench:tenants: --store postgres is not available yet (the PostgreSQL tenant store is not wired); measuring sqlite only\n');
if (stores.includes('sqlite')) {
  const workDir = mkdtempSync(join(tmpdir(), 'tally-bench-sites-'));
  const sim = spawn(process.execPath, [...TSX, 'bench/tenant-sites-server.ts', '--sites', String(SITES), '--worklogs', String(WORKLOGS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const generateStarted = performance.now();
    const sitesLine = await lineStartingWith(sim, '{');
    process.stderr.write(`bench:tenants: ${SITES} sites generated in ${Math.round((performance.now() - generateStarted) / 1000)} s\n`);
    const sitesFile = join(workDir, 'sites.json');
    writeFileSync(sitesFile, `{${sitesLine}`);
    const variants = [Number(values['open-stores']), ...(values.baseline ? [0] : [])];
    for (const openStores of variants) runs.push(await runTally(sitesFile, openStores));
  } finally {
    sim.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ bench: 'bench:tenants', machine: describeMachine(), worklogsPerSite: WORKLOGS, runs }, null, 2)}\n`);
} else {
  const rows: BenchRow[] = runs.map((run) => ({
    store: String(run.store),
    'open stores': run.openStoresLimit === 0 ? 'unbounded' : `${Number(run.openStoresLimit)}${run.idleCloseSeconds === null ? '' : `, idle close ${Number(run.idleCloseSeconds)} s`}`,
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
    'store opens': run.storeOpens === null ? '' : Number(run.storeOpens),
    load: Number(run.loadAverage1m),
  }));
  printBench(`bench:tenants — ${SITES} sites × ${WORKLOGS} worklogs on one instance, interval ${values.interval} s`, rows, process.argv);
}
