/**
 * `npm run bench:backfill [-- --worklogs N] [-- --small-sites K] [-- --small-worklogs M]
 * [-- --strategies recent-first,bulk] [-- --scenarios alone,beside-small-sites] [-- --start ISO]
 * [-- --count-embedded-users] [-- --flat-updated] [-- --issue-active-days D] [-- --json]` (issue 15): a site's first sync under
 * Atlassian's real points quota. A simulated site of N worklogs over 3 years (default 1,000,000),
 * 20 per issue, each issue taking worklogs for D days (default 30; 0: over all 3 years), is
 * installed alone on Tier 1 (65,000 points an hour for the whole app), and again beside K small
 * sites of M worklogs (default 100 × 2,000) installed at the same instant; each with the
 * `recent-first` backfill (the window, then the history by whichever path Tally measures cheaper:
 * issue by issue or the feed) and the `bulk` one (`/worklog/updated` from 0 + `/worklog/list`).
 * Prints a table; with `--json`, one JSON object on stdout and the table on stderr. The full run
 * (the defaults) takes about 10 minutes on 2 cores; `--worklogs 20000 --small-sites 10` is a
 * smoke run of under a minute.
 *
 * The simulator (bench/backfill-sim-server.ts, its own process, real loopback HTTP) charges every
 * request by its cost rule and runs a manual clock; Tally (bench/backfill-run.ts, a process per
 * run) runs its real sync service on virtual time (bench/virtual-time.ts): requests take no
 * simulated time, and the clock jumps to the next wake-up — the top of the hour when the quota is
 * spent — once every job waits. Hours are quota hours from the install (at a top of the hour):
 * the whole hours the clock jumped through plus the share of the current hour's points the app
 * had spent by that moment, i.e. as if the app spent each hour's points at the quota's own pace.
 * Request latency is not modelled.
 *
 * Reported per run:
 *   hoursToRecentExact / pointsSpentWhenRecentExact — recent-first: when Tally first said the
 *     worklogs are complete from the window's start (this month and the last, UTC) on — its
 *     `completeFromMs`, what the page and the API show; bulk: when the store first held every
 *     worklog of that window the app can see (the simulator's truth). Both are checked against
 *     that truth (windowWorklogsStoredWhenExact).
 *   recentWindowPoints — the window's own worklogs at the simulator's price of one worklog in a
 *     `/worklog/list` body (1 point, 5 with --count-embedded-users): what they cost by the cheapest path.
 *   hoursToComplete — when the big site's full sync finished (phase `incremental`).
 *   totalPoints — everything the big site's calls were charged in the run (the simulator's counters).
 *   smallSitesHoursToComplete — when the last small site's first sync finished;
 *   smallSitesOwnPointsHours — the small sites' points ÷ the hourly quota: the time their own
 *     calls are worth of the whole pool.
 *   syncCpuMicrosPerWorklog — the Tally process's CPU (user + system, all threads, process.cpuUsage)
 *     from the installs to the last sync's end ÷ worklogs stored; the simulator runs in another
 *     process, so nothing is subtracted. The top-level figure is the big site alone, recent-first
 *     (bulk when recent-first did not run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeMachine, type BenchRow } from './bench-output.js';
import type { BackfillRunResult, BackfillSite } from './backfill-run.js';

const TSX = ['--import', 'tsx'];
const HOUR_MS = 3_600_000;
/** Issue 15's targets. */
const TARGETS = { recentExactPointsRatio: 1.2, totalPointsVsBulk: 1.05, smallSitesTimeVsOwnPoints: 1.1 } as const;

type Strategy = 'recent-first' | 'bulk';
type Scenario = 'alone' | 'beside-small-sites';

const { values } = parseArgs({
  options: {
    worklogs: { type: 'string', default: '1000000' },
    'small-sites': { type: 'string', default: '100' },
    'small-worklogs': { type: 'string', default: '2000' },
    strategies: { type: 'string', default: 'recent-first,bulk' },
    scenarios: { type: 'string', default: 'alone,beside-small-sites' },
    start: { type: 'string', default: '2026-12-15T09:00:00Z' },
    'points-per-hour': { type: 'string', default: '65000' },
    'count-embedded-users': { type: 'boolean', default: false },
    'flat-updated': { type: 'boolean', default: false },
    'issue-active-days': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const strategies = values.strategies.split(',') as Strategy[];
const scenarios = values.scenarios.split(',') as Scenario[];
for (const s of strategies) if (s !== 'recent-first' && s !== 'bulk') throw new Error(`--strategies: recent-first or bulk, got ${s}`);
for (const s of scenarios) if (s !== 'alone' && s !== 'beside-small-sites') throw new Error(`--scenarios: alone or beside-small-sites, got ${s}`);
const smallSites = Number(values['small-sites']);
if (!scenarios.includes('beside-small-sites')) values['small-sites'] = '0';
// Quota time counts whole hours from the install: it starts at a top of the hour.
const startMs = Math.floor(Date.parse(values.start) / HOUR_MS) * HOUR_MS;
if (!Number.isFinite(startMs)) throw new Error(`--start is an ISO instant, got ${values.start}`);
const pointsPerHour = Number(values['points-per-hour']);
/** The simulator's price of one worklog in a `/worklog/list` body: 1 object, plus 2 per embedded user when charged. */
const pointsPerListedWorklog = values['count-embedded-users'] ? 5 : 1;
/** Tally's default window: from midnight UTC of the first day of last month (src/sync/backfill-policy.ts). */
const windowFromMs = Date.UTC(new Date(startMs).getUTCFullYear(), new Date(startMs).getUTCMonth() - 1, 1);

/** The first stdout line of `child` that starts with `prefix` (without it). */
function lineStartingWith(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith(prefix)) resolve(line.slice(prefix.length));
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code} before answering`)));
  });
}

interface SimSites {
  control: string;
  big: BackfillSite;
  small: BackfillSite[];
}

interface Run {
  scenario: Scenario;
  strategy: Strategy;
  worklogs: number;
  recentWindowWorklogs: number;
  recentWindowPoints: number;
  pointsSpentWhenRecentExact: number | null;
  totalPoints: number;
  pointsPerWorklog: number;
  hoursToRecentExact: number | null;
  hoursToComplete: number | null;
  /** The simulated clock's hours (the top of the hour the moment fell in), beside the quota hours above. */
  clockHoursToRecentExact: number | null;
  clockHoursToComplete: number | null;
  smallSitesHoursToComplete: number | null;
  smallSitesOwnPointsHours: number | null;
  smallSitesPoints: number | null;
  /** recent-first: whether the sync state named a window at all (false: it ran as bulk). */
  recentWindowUsed: boolean;
  /** How the history was read: `issues` (issue by issue), `feed`, or null (bulk: the feed from the start). */
  historyPath: 'issues' | 'feed' | null;
  historyIssuePointsPerWorklog: number | null;
  /** What said "exact": `completeFromMs` (recent-first: Tally's own word, src/sync/sync-status.ts) or `store-holds-window` (bulk). */
  recentExactMarker: 'completeFromMs' | 'store-holds-window' | null;
  /** Worklogs of the window the store held when it was called exact (truth: recentWindowWorklogs). */
  windowWorklogsStoredWhenExact: number | null;
  /** When the store first held the whole window, by the simulator's truth. */
  hoursToWindowStored: number | null;
  bigStoredWorklogs: number;
  syncCpuMicrosPerWorklog: number;
  realSeconds: number;
  peakRssMb: number;
  loadAverage: number;
  /** The first 12 hours that ended: the app's points in each and the big site's points by its end. */
  hourly: BackfillRunResult['hours'];
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const quotaHoursOf = (moment: { quotaHours: number } | undefined) => (moment === undefined ? null : round(moment.quotaHours, 3));
const clockHoursOf = (moment: { atMs: number } | undefined) => (moment === undefined ? null : round((moment.atMs - startMs) / HOUR_MS, 3));

async function startSimulator(): Promise<{ child: ChildProcess; sites: SimSites }> {
  const args = [
    ...TSX,
    'bench/backfill-sim-server.ts',
    '--worklogs', values.worklogs,
    '--small-sites', values['small-sites'],
    '--small-worklogs', values['small-worklogs'],
    '--start-ms', String(startMs),
    '--points-per-hour', String(pointsPerHour),
    ...(values['count-embedded-users'] ? ['--count-embedded-users'] : []),
    ...(values['flat-updated'] ? ['--flat-updated'] : []),
    '--issue-active-days', values['issue-active-days'],
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' } });
  return { child, sites: JSON.parse(await lineStartingWith(child, '')) as SimSites };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const answer = await fetch(url, init);
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return (await answer.json()) as T;
}

async function runOnce(sim: SimSites, sitesFile: string, scenario: Scenario, strategy: Strategy, truth: { visible: number; inWindow: number }): Promise<Run> {
  await fetch(`${sim.control}/reset`, { method: 'POST', body: JSON.stringify({ nowMs: startMs }), headers: { 'content-type': 'application/json' } });
  const loadAverage = round(loadavg()[0] ?? 0);
  process.stderr.write(`bench:backfill ${scenario} ${strategy} (load ${loadAverage})…\n`);
  const child = spawn(
    process.execPath,
    [...TSX, 'bench/backfill-run.ts', '--sites-file', sitesFile, '--scenario', scenario, '--strategy', strategy, '--start-ms', String(startMs), '--window-from-ms', String(windowFromMs), '--window-worklogs', String(truth.inWindow), '--points-per-hour', String(pointsPerHour)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const result = JSON.parse(await lineStartingWith(child, 'RESULT ')) as BackfillRunResult;
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  const points = await json<Record<string, { points: number; calls: number; throttled: number }>>(`${sim.control}/points`);
  const totalPoints = points[sim.big.url]?.points ?? 0;
  const smallPoints = scenario === 'beside-small-sites' ? sim.small.reduce((sum, site) => sum + (points[site.url]?.points ?? 0), 0) : null;
  // Bulk has no window of its own: it is exact once the store holds every worklog of the window.
  const exact = strategy === 'recent-first' && result.recentWindowUsed ? result.recentExact : result.windowStored;
  const recentWindowPoints = truth.inWindow * pointsPerListedWorklog;
  return {
    scenario,
    strategy,
    worklogs: truth.visible,
    recentWindowWorklogs: truth.inWindow,
    recentWindowPoints,
    pointsSpentWhenRecentExact: exact?.points ?? null,
    totalPoints,
    pointsPerWorklog: round(totalPoints / truth.visible, 3),
    hoursToRecentExact: quotaHoursOf(exact),
    hoursToComplete: quotaHoursOf(result.complete),
    clockHoursToRecentExact: clockHoursOf(exact),
    clockHoursToComplete: clockHoursOf(result.complete),
    smallSitesHoursToComplete: quotaHoursOf(result.smallComplete),
    smallSitesOwnPointsHours: smallPoints === null ? null : round(smallPoints / pointsPerHour, 3),
    smallSitesPoints: smallPoints,
    recentWindowUsed: result.recentWindowUsed,
    historyPath: result.historyPath ?? null,
    historyIssuePointsPerWorklog: result.historyIssuePointsPerWorklog === undefined ? null : round(result.historyIssuePointsPerWorklog, 3),
    recentExactMarker: strategy === 'recent-first' && result.recentWindowUsed ? (result.recentExact ? 'completeFromMs' : null) : 'store-holds-window',
    windowWorklogsStoredWhenExact: strategy === 'recent-first' && result.recentWindowUsed ? (result.recentExact?.windowWorklogsStored ?? null) : truth.inWindow,
    hoursToWindowStored: quotaHoursOf(result.windowStored),
    bigStoredWorklogs: result.bigStoredWorklogs,
    syncCpuMicrosPerWorklog: round((result.cpuSeconds * 1e6) / Math.max(1, result.storedWorklogs), 1),
    realSeconds: round(result.realSeconds, 1),
    peakRssMb: result.peakRssMb,
    loadAverage,
    hourly: result.hours,
  };
}

const benchStarted = performance.now();
const sim = await startSimulator();
const tmp = mkdtempSync(join(tmpdir(), 'tally-bench-backfill-sites-'));
const runs: Run[] = [];
try {
  const sitesFile = join(tmp, 'sites.json');
  writeFileSync(sitesFile, JSON.stringify(sim.sites));
  const truth = await json<{ visible: number; inWindow: number }>(`${sim.sites.control}/truth?fromMs=${windowFromMs}`);
  for (const scenario of scenarios) for (const strategy of strategies) runs.push(await runOnce(sim.sites, sitesFile, scenario, strategy, truth));
} finally {
  sim.child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

const bulkOf = (scenario: Scenario) => runs.find((run) => run.scenario === scenario && run.strategy === 'bulk');
const checks = runs.map((run) => {
  const bulk = bulkOf(run.scenario);
  return {
    scenario: run.scenario,
    strategy: run.strategy,
    recentExactPointsRatio: run.pointsSpentWhenRecentExact === null ? null : round(run.pointsSpentWhenRecentExact / run.recentWindowPoints, 3),
    totalPointsVsBulk: bulk ? round(run.totalPoints / bulk.totalPoints, 3) : null,
    smallSitesTimeVsOwnPoints: run.smallSitesHoursToComplete !== null && run.smallSitesOwnPointsHours ? round(run.smallSitesHoursToComplete / run.smallSitesOwnPointsHours, 3) : null,
  };
});
const cpuRun = runs.find((run) => run.scenario === 'alone' && run.strategy === 'recent-first' && run.recentWindowUsed) ?? runs.find((run) => run.scenario === 'alone' && run.strategy === 'bulk') ?? runs[0];
const settings = {
  worklogs: Number(values.worklogs),
  years: 3,
  issueActiveDays: Number(values['issue-active-days']),
  smallSites,
  smallSiteWorklogs: Number(values['small-worklogs']),
  start: new Date(startMs).toISOString(),
  recentWindowFrom: new Date(windowFromMs).toISOString(),
  pointsPerHour,
  costModel: `1 per request + 1 per object${values['count-embedded-users'] ? ' + 2 per embedded user' : ''}${values['flat-updated'] ? '; /worklog/updated flat 1' : '; /worklog/updated ids counted'}`,
  pointsPerListedWorklog,
  benchSeconds: round((performance.now() - benchStarted) / 1000, 1),
};
const notes = {
  time: "quota hours from the install (a top of the hour): the whole hours the simulated clock jumped through + the share of the current hour's points the app had spent by then; requests take no simulated time (latency not modelled), the clock jumps when every job waits (quota, backoff)",
  smallSitesOwnPointsHours: 'the small sites\' points ÷ the hourly quota',
  recentWindowPoints: `worklogs started in the window that the app can see × ${pointsPerListedWorklog} point(s), their price in a /worklog/list body`,
  recentExact: "recent-first: Tally first says the worklogs are complete from the window's start on (completeFromMs, what the page and /api/sync/status show); bulk: the store first holds every window worklog (simulator truth)",
  windowWorklogsStoredWhenExact: 'window worklogs in the store at that moment, against the simulator\'s count (recentWindowWorklogs)',
  syncCpuMicrosPerWorklog: `Tally process CPU (process.cpuUsage, user+system, all threads) from the installs to the last sync's end ÷ worklogs stored; the simulator is another process; top level: ${cpuRun ? `${cpuRun.scenario}, ${cpuRun.strategy}` : 'none'}`,
  service: "Tally's createSyncService on the in-process queue (server concurrency), 25 pages per turn; no interval schedule",
};

/** The table: on stdout, or on stderr with `--json` (stdout then carries the one JSON object only). */
{
  const out = values.json ? process.stderr : process.stdout;
  const machine = describeMachine();
  const cell = (value: string | number | null | undefined) => (value === null || value === undefined ? '–' : typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : value);
  const rows: BenchRow[] = runs.map((run, i) => {
    const check = checks[i]!;
    return {
      scenario: run.scenario,
      strategy: run.strategy + (run.strategy === 'recent-first' && !run.recentWindowUsed ? ' (ran as bulk)' : ''),
      history: run.historyPath === 'issues' ? `by issue (${run.historyIssuePointsPerWorklog} pts/wl)` : run.historyPath === 'feed' ? `feed (by issue measured ${run.historyIssuePointsPerWorklog ?? '–'} pts/wl)` : 'feed',
      worklogs: run.worklogs,
      'window worklogs': run.recentWindowWorklogs,
      'window points': run.recentWindowPoints,
      'points when recent exact': cell(run.pointsSpentWhenRecentExact),
      'ratio (≤ 1.2)': cell(check.recentExactPointsRatio),
      'window stored then': run.windowWorklogsStoredWhenExact === null ? '–' : `${run.windowWorklogsStoredWhenExact}/${run.recentWindowWorklogs}`,
      'h to recent exact': cell(run.hoursToRecentExact),
      'h to complete': cell(run.hoursToComplete),
      'total points': run.totalPoints,
      'vs bulk (≤ 1.05)': cell(check.totalPointsVsBulk),
      'points / worklog': run.pointsPerWorklog,
      'small sites h': cell(run.smallSitesHoursToComplete),
      'small own-points h': cell(run.smallSitesOwnPointsHours),
      'ratio (≤ 1.1)': cell(check.smallSitesTimeVsOwnPoints),
      'sync CPU µs / worklog': run.syncCpuMicrosPerWorklog,
      'real s': run.realSeconds,
    };
  });
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const text = (value: string | number | undefined) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : (value ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((v, i) => v.padEnd(widths[i] as number)).join(' | ')} |`;
  out.write(`bench:backfill — ${machine.date}, Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; bench ${settings.benchSeconds} s\n`);
  out.write(`${settings.worklogs.toLocaleString('en-US')} worklogs over 3 years (issues at work ${settings.issueActiveDays > 0 ? `${settings.issueActiveDays} days each` : 'all 3 years'}) to ${settings.start}, window from ${settings.recentWindowFrom}; ${settings.pointsPerHour.toLocaleString('en-US')} points/h (Tier 1); cost: ${settings.costModel}\n\n`);
  out.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) out.write(`${line(columns.map((c) => text(row[c])))}\n`);
  out.write(`\nsyncCpuMicrosPerWorklog: ${cpuRun?.syncCpuMicrosPerWorklog ?? '–'} (${notes.syncCpuMicrosPerWorklog})\n`);
  for (const [name, note] of Object.entries(notes)) if (name !== 'syncCpuMicrosPerWorklog') out.write(`${name}: ${note}\n`);
}
if (values.json) {
  process.stdout.write(`${JSON.stringify({ runs, checks, targets: TARGETS, syncCpuMicrosPerWorklog: cpuRun?.syncCpuMicrosPerWorklog ?? null, settings, notes, machine: describeMachine() })}\n`);
}
