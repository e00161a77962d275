/**
 * `npm run bench:sync [-- --worklogs N] [-- --store sqlite,postgres] [-- --repeat R] [-- --json]`:
 * a full sync of 100,000 and 1,000,000 generated worklogs from the simulator (its own process)
 * over loopback HTTP into a tenant store (another process per run), against the per-issue baseline
 * most connectors use (up to 100,000, SQLite only). Seconds run from the start of the sync to its
 * last commit, with the simulator already holding the data. API calls and points come from the
 * simulator's own counters.
 *
 * `--store postgres` (or `sqlite,postgres`, or `--store` repeated) measures the PostgreSQL store
 * beside SQLite in the same run, each bulk run in a fresh `tally_bench_…` control database and
 * tenant database on `--postgres-url` / TALLY_BENCH_POSTGRES_URL / the local server, dropped after
 * the run; the runs alternate between the stores (`--repeat` rounds) so drift on a shared machine
 * hits both, and the ratio of their median rates is printed against the target (≥ 0.7).
 * CPU per worklog counts the sync process and, on PostgreSQL, the tenant database's backends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { printBench, type BenchRow } from './bench-output.js';
import { benchPostgresServerUrl, createBenchControlDatabase, describeServer, parseBenchStores, type BenchStore } from './bench-postgres.js';

const CLIENT_KEY = 'bench-client';
const SECRET = 'bench-secret-0123456789abcdef0123456789';
const TSX = ['--import', 'tsx'];
/** Issue 14: a full sync on PostgreSQL at no less than this share of SQLite's rate in the same run. */
const POSTGRES_RATE_TARGET = 0.7;

interface Run {
  store: BenchStore;
  strategy: 'bulk' | 'per-issue';
  worklogs: number;
  seconds: number;
  worklogsPerSecond: number;
  apiCalls: number;
  minimumApiCalls: number;
  points: number;
  peakRssMb: number;
  /** CPU of the sync process (all threads) during the sync. */
  syncCpuSeconds: number;
  /** CPU of the tenant database's PostgreSQL backends during the sync (PostgreSQL, local server). */
  serverCpuSeconds?: number;
  /** (sync + server CPU) per worklog, in µs: what a run costs whatever else shares the machine. */
  cpuMicrosPerWorklog: number;
  /** The sync process's own CPU per worklog, in µs (issue 15's target: ≤ 25 at one million). */
  syncCpuMicrosPerWorklog: number;
  /** The machine's 1-minute load average when the run started (other work on the same cores). */
  loadAverage: number;
  callsByEndpoint: Record<string, number>;
}

/** The PostgreSQL/SQLite ratio of median full-sync rates at one size. */
interface Ratio {
  worklogs: number;
  sqliteWorklogsPerSecond: number;
  postgresWorklogsPerSecond: number;
  postgresToSqlite: number;
  target: number;
  met: boolean;
}

interface RunResult {
  worklogs: number;
  seconds: number;
  cpuSeconds: number;
  serverCpuSeconds?: number;
  peakRssMb: number;
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

async function startSimulator(worklogs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...TSX, 'bench/sim-server.ts', '--worklogs', String(worklogs), '--client-key', CLIENT_KEY, '--secret', SECRET], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' },
  });
  const ready = JSON.parse(await lineStartingWith(child, '')) as { url: string };
  return { child, url: ready.url };
}

/** One sync in its own process; on PostgreSQL in a control and tenant database made for it and dropped after. */
async function runOnce(simUrl: string, strategy: Run['strategy'], store: BenchStore, postgresUrl: string): Promise<RunResult> {
  // TALLY_BENCH_CPU_PROF=<dir>: a V8 CPU profile of each sync process, to see where its CPU goes.
  const profile = process.env.TALLY_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TALLY_BENCH_CPU_PROF}`] : [];
  const args = [...profile, ...TSX, 'bench/sync-run.ts', '--sim-url', simUrl, '--strategy', strategy, '--client-key', CLIENT_KEY, '--secret', SECRET, '--store', store];
  const control = store === 'postgres' ? await createBenchControlDatabase(postgresUrl) : undefined;
  try {
    if (control) args.push('--control-url', control.url, '--postgres-url', postgresUrl);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const result = JSON.parse(await lineStartingWith(child, 'RESULT ')) as RunResult;
    // The child closes its pools before it exits; the drop waits for that rather than forcing them.
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    return result;
  } finally {
    await control?.drop();
  }
}

async function counters(simUrl: string): Promise<Record<string, { calls: number; points: number }>> {
  return (await (await fetch(`${simUrl}/__bench/counters`)).json()) as Record<string, { calls: number; points: number }>;
}

async function measure(size: number, stores: BenchStore[], repeat: number, postgresUrl: string): Promise<Run[]> {
  const sim = await startSimulator(size);
  // Bulk runs alternate between the stores, round after round; the per-issue baseline runs once, on SQLite.
  const plan: { store: BenchStore; strategy: Run['strategy'] }[] = [];
  for (let round = 0; round < repeat; round++) for (const store of stores) plan.push({ store, strategy: 'bulk' });
  if (size <= 100_000) plan.push({ store: 'sqlite', strategy: 'per-issue' });
  const runs: Run[] = [];
  try {
    for (const { store, strategy } of plan) {
      await fetch(`${sim.url}/__bench/reset`, { method: 'POST' });
      const loadAverage = Number(loadavg()[0]?.toFixed(2));
      process.stderr.write(`[${size}] ${store} ${strategy} (load ${loadAverage})…\n`);
      const result = await runOnce(sim.url, strategy, store, postgresUrl);
      const byEndpoint = await counters(sim.url);
      const callsByEndpoint = Object.fromEntries(Object.entries(byEndpoint).map(([k, v]) => [k, v.calls]));
      const cpuSeconds = result.cpuSeconds + (result.serverCpuSeconds ?? 0);
      runs.push({
        store,
        strategy,
        worklogs: result.worklogs,
        seconds: Number(result.seconds.toFixed(2)),
        worklogsPerSecond: Math.round(result.worklogs / result.seconds),
        apiCalls: Object.values(byEndpoint).reduce((sum, c) => sum + c.calls, 0),
        // The minimum for what the app can see: ⌈N/1000⌉ /updated pages + ⌈N/1000⌉ /list calls.
        minimumApiCalls: 2 * Math.ceil(result.worklogs / 1000),
        points: Object.values(byEndpoint).reduce((sum, c) => sum + c.points, 0),
        peakRssMb: result.peakRssMb,
        syncCpuSeconds: Number(result.cpuSeconds.toFixed(2)),
        ...(result.serverCpuSeconds !== undefined ? { serverCpuSeconds: Number(result.serverCpuSeconds.toFixed(2)) } : {}),
        cpuMicrosPerWorklog: Number(((cpuSeconds * 1e6) / result.worklogs).toFixed(1)),
        syncCpuMicrosPerWorklog: Number(((result.cpuSeconds * 1e6) / result.worklogs).toFixed(1)),
        loadAverage,
        callsByEndpoint,
      });
    }
  } finally {
    sim.child.kill('SIGTERM');
  }
  return runs;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Per size with bulk runs on both stores: PostgreSQL's median rate over SQLite's, against the target. */
function ratiosOf(runs: Run[]): Ratio[] {
  const sizes = [...new Set(runs.map((run) => run.worklogs))];
  return sizes.flatMap((worklogs) => {
    const rate = (store: BenchStore) => runs.filter((run) => run.worklogs === worklogs && run.store === store && run.strategy === 'bulk').map((run) => run.worklogsPerSecond);
    const [sqlite, postgres] = [rate('sqlite'), rate('postgres')];
    if (sqlite.length === 0 || postgres.length === 0) return [];
    const postgresToSqlite = Number((median(postgres) / median(sqlite)).toFixed(3));
    return [{ worklogs, sqliteWorklogsPerSecond: Math.round(median(sqlite)), postgresWorklogsPerSecond: Math.round(median(postgres)), postgresToSqlite, target: POSTGRES_RATE_TARGET, met: postgresToSqlite >= POSTGRES_RATE_TARGET }];
  });
}

const { values } = parseArgs({
  options: {
    worklogs: { type: 'string' },
    json: { type: 'boolean' },
    store: { type: 'string', multiple: true },
    'postgres-url': { type: 'string' },
    repeat: { type: 'string', default: '1' },
  },
  strict: true,
});
const stores = parseBenchStores(values.store);
const postgresUrl = benchPostgresServerUrl(values['postgres-url']);
const repeat = Number(values.repeat);
if (!Number.isSafeInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
const sizes = values.worklogs ? [Number(values.worklogs)] : [100_000, 1_000_000];
const runs: Run[] = [];
for (const size of sizes) runs.push(...(await measure(size, stores, repeat, postgresUrl)));
const ratios = ratiosOf(runs);

if (values.json) {
  process.stdout.write(`${JSON.stringify({ runs: runs.map(({ callsByEndpoint: _omit, ...run }) => run), ratios })}\n`);
} else {
  const rows: BenchRow[] = runs.map((r) => ({
    store: r.store,
    strategy: r.strategy,
    worklogs: r.worklogs,
    seconds: r.seconds,
    'worklogs/s': r.worklogsPerSecond,
    'API calls': r.apiCalls,
    'minimum calls': r.minimumApiCalls,
    'calls / minimum': Number((r.apiCalls / r.minimumApiCalls).toFixed(3)),
    points: r.points,
    'peak RSS MB': r.peakRssMb,
    'sync CPU s': r.syncCpuSeconds,
    'server CPU s': r.serverCpuSeconds ?? '',
    'CPU µs/worklog': r.cpuMicrosPerWorklog,
    'sync CPU µs/worklog': r.syncCpuMicrosPerWorklog,
    load: r.loadAverage,
  }));
  printBench('bench:sync', rows, []);
  if (stores.includes('postgres')) process.stdout.write(`\nPostgreSQL: ${describeServer(postgresUrl)}\n`);
  for (const ratio of ratios) {
    process.stdout.write(
      `\nfull sync, ${ratio.worklogs.toLocaleString('en-US')} worklogs: PostgreSQL ${ratio.postgresWorklogsPerSecond.toLocaleString('en-US')}/s ÷ SQLite ${ratio.sqliteWorklogsPerSecond.toLocaleString('en-US')}/s = ${ratio.postgresToSqlite} (target ≥ ${ratio.target}: ${ratio.met ? 'met' : 'NOT met'})`,
    );
  }
  for (const r of runs) process.stdout.write(`\n${r.store} ${r.strategy} ${r.worklogs}: ${JSON.stringify(r.callsByEndpoint)}`);
  process.stdout.write('\n');
}
