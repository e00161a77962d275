/**
 * `npm run bench:sync [-- --worklogs N] [-- --json]`: a full sync of 100,000 and 1,000,000
 * generated worklogs from the simulator (its own process) over loopback HTTP into the embedded
 * SQLite store (another process per run), against the per-issue baseline most connectors use
 * (up to 100,000). Seconds run from the start of the sync to its last commit, with the simulator
 * already holding the data. API calls and points come from the simulator's own counters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { printBench, type BenchRow } from './bench-output.js';

const CLIENT_KEY = 'bench-client';
const SECRET = 'bench-secret-0123456789abcdef0123456789';
const TSX = ['--import', 'tsx'];

interface Run {
  store: 'sqlite';
  strategy: 'bulk' | 'per-issue';
  worklogs: number;
  seconds: number;
  worklogsPerSecond: number;
  apiCalls: number;
  minimumApiCalls: number;
  points: number;
  peakRssMb: number;
  callsByEndpoint: Record<string, number>;
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

async function runOnce(simUrl: string, strategy: Run['strategy']): Promise<{ worklogs: number; seconds: number; peakRssMb: number }> {
  const child = spawn(process.execPath, [...TSX, 'bench/sync-run.ts', '--sim-url', simUrl, '--strategy', strategy, '--client-key', CLIENT_KEY, '--secret', SECRET], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(await lineStartingWith(child, 'RESULT ')) as { worklogs: number; seconds: number; peakRssMb: number };
}

async function counters(simUrl: string): Promise<Record<string, { calls: number; points: number }>> {
  return (await (await fetch(`${simUrl}/__bench/counters`)).json()) as Record<string, { calls: number; points: number }>;
}

async function measure(size: number, strategies: Run['strategy'][]): Promise<Run[]> {
  const sim = await startSimulator(size);
  const runs: Run[] = [];
  try {
    for (const strategy of strategies) {
      await fetch(`${sim.url}/__bench/reset`, { method: 'POST' });
      const result = await runOnce(sim.url, strategy);
      const byEndpoint = await counters(sim.url);
      const callsByEndpoint = Object.fromEntries(Object.entries(byEndpoint).map(([k, v]) => [k, v.calls]));
      runs.push({
        store: 'sqlite',
        strategy,
        worklogs: result.worklogs,
        seconds: Number(result.seconds.toFixed(2)),
        worklogsPerSecond: Math.round(result.worklogs / result.seconds),
        apiCalls: Object.values(byEndpoint).reduce((sum, c) => sum + c.calls, 0),
        // The minimum for what the app can see: ⌈N/1000⌉ /updated pages + ⌈N/1000⌉ /list calls.
        minimumApiCalls: 2 * Math.ceil(result.worklogs / 1000),
        points: Object.values(byEndpoint).reduce((sum, c) => sum + c.points, 0),
        peakRssMb: result.peakRssMb,
        callsByEndpoint,
      });
    }
  } finally {
    sim.child.kill('SIGTERM');
  }
  return runs;
}

const { values } = parseArgs({ options: { worklogs: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
const sizes = values.worklogs ? [Number(values.worklogs)] : [100_000, 1_000_000];
const runs: Run[] = [];
for (const size of sizes) runs.push(...(await measure(size, size <= 100_000 ? ['bulk', 'per-issue'] : ['bulk'])));

if (values.json) {
  process.stdout.write(`${JSON.stringify({ runs: runs.map(({ callsByEndpoint: _omit, ...run }) => run) })}\n`);
} else {
  const rows: BenchRow[] = runs.map((r) => ({
    strategy: r.strategy,
    worklogs: r.worklogs,
    seconds: r.seconds,
    'worklogs/s': r.worklogsPerSecond,
    'API calls': r.apiCalls,
    'minimum calls': r.minimumApiCalls,
    'calls / minimum': Number((r.apiCalls / r.minimumApiCalls).toFixed(3)),
    points: r.points,
    'peak RSS MB': r.peakRssMb,
  }));
  printBench('bench:sync', rows, []);
  for (const r of runs) process.stdout.write(`\n${r.strategy} ${r.worklogs}: ${JSON.stringify(r.callsByEndpoint)}`);
  process.stdout.write('\n');
}
