/**
 * `npm run bench:reports [-- --worklogs N] [-- --store sqlite,postgres] [-- --json] [-- --runs 30]
 * [-- --warmup 5] [-- --seed 1] [-- --shape details-page]`: report latency at 1,000,000 and
 * 10,000,000 worklogs (or the sizes given) for the four shapes of issue 5 (bench/report-shapes.ts),
 * asked two ways:
 * - `api`: through Tally's report handler over the in-memory columnar engine (columns loaded once,
 *   outside the timing; the details page includes reading its 100 rows from the store by id);
 * - `raw`: the same questions as plain SQL on the tenant SQLite file with the store's own indexes
 *   (bench/report-raw-sql.ts) — the baseline, and the independent answer: the bench checks that
 *   every api answer equals it before timing.
 * The data is generated once per size and seed and cached under os.tmpdir() (bench/report-data.ts).
 *
 * `--store postgres` (or `sqlite,postgres`, or `--store` repeated) measures the PostgreSQL store
 * beside SQLite in the same run: the cached rows are bulk-loaded into a fresh tenant database
 * (control and tenant databases on `--postgres-url` / TALLY_BENCH_POSTGRES_URL / the local server,
 * dropped at the end), its columns are loaded through `scanReportColumns` (timed, with the
 * process's and the server backends' CPU), and each shape is timed on both stores taking turns
 * call by call, so drift on a shared machine hits both. Each shape's p95 ratio is printed against the target
 * (PostgreSQL ≤ 1.5 × SQLite).
 * `--shape NAME` (repeatable, or comma-separated) times only those shapes; the default is all four.
 * `--json` prints one object `{"runs":[…],"loads":[…],"ratios":[…]}`; otherwise markdown tables.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadWorklogColumns, type WorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import type { ReportColumnRow, StoreProvider, TenantStore } from '../src/store/tenant-store.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { printBench, type BenchRow } from './bench-output.js';
import { benchPostgresServerUrl, createBenchControlDatabase, describeServer, openBenchPostgresStores, parseBenchStores, tenantBackendCpuSeconds, type BenchStore } from './bench-postgres.js';
import { reportData } from './report-data.js';
import { apiShapeRunnerViaHttp, type ApiShapeRunner } from './report-api-runner.js';
import { flattenRawAnswer, rawShapeRunner, sameAnswer } from './report-raw-sql.js';
import { flattenApiAnswer, REPORT_SHAPES, shapeQuestions, type ShapeQuestion } from './report-shapes.js';

/** Issue 14: every shape's p95 on PostgreSQL within this multiple of SQLite's in the same run. */
const POSTGRES_P95_TARGET = 1.5;
/** Rows per batch when the cached tenant is copied into PostgreSQL (as bench/report-data.ts writes). */
const COPY_BATCH = 5000;

interface Run {
  store: BenchStore;
  worklogs: number;
  shape: ShapeQuestion['shape'];
  via: 'api' | 'raw';
  p50Ms: number;
  p95Ms: number;
  /** This process's CPU per timed call: unlike the latency, it does not grow with the machine's load. */
  cpuMsPerCall: number;
  /** The tenant database's backends' CPU per call (PostgreSQL api runs, local server). */
  serverCpuMsPerCall?: number;
  /** The machine's 1-minute load average when the shape's timing started. */
  loadAverage: number;
}

/** A shape's PostgreSQL p95 over SQLite's (api), against the target. */
interface Ratio {
  worklogs: number;
  shape: ShapeQuestion['shape'];
  sqliteP95Ms: number;
  postgresP95Ms: number;
  postgresToSqlite: number;
  /** CPU per call, PostgreSQL's (process + server) over SQLite's: the same comparison without the machine's load. */
  cpuPostgresToSqlite: number;
  target: number;
  met: boolean;
}

/** One store's columns as the api runner uses them, with what loading them cost. */
interface LoadedStore {
  store: BenchStore;
  tenantStore: TenantStore;
  columns: WorklogColumns;
  load: BenchRow;
  /** CPU seconds the server's backends used for this store so far (undefined: SQLite, or not measurable). */
  serverCpu: () => Promise<number | undefined>;
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const load1 = () => Number(loadavg()[0]?.toFixed(2));

/** p50 and p95 (nearest rank) of a list of times. */
function percentiles(times: number[]): { p50Ms: number; p95Ms: number } {
  const sorted = [...times].sort((x, y) => x - y);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  return { p50Ms: Number(rank(0.5).toFixed(2)), p95Ms: Number(rank(0.95).toFixed(2)) };
}

/**
 * p50 and p95 of each of `calls` after `warmup` calls each, timing `runs` calls each, with this
 * process's CPU per call; the calls take turns run by run, the first of each turn alternating, so
 * that neither a drift of the shared machine nor a collector pause the other left behind lands on
 * one side only.
 */
async function measureTurns(calls: readonly (() => unknown)[], warmup: number, runs: number): Promise<{ p50Ms: number; p95Ms: number; cpuMsPerCall: number }[]> {
  for (const call of calls) for (let i = 0; i < warmup; i++) await call();
  const times: number[][] = calls.map(() => []);
  const cpuMicros = calls.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < calls.length; k++) {
      const index = (i + k) % calls.length;
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await calls[index]!();
      times[index]!.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuBefore);
      cpuMicros[index]! += cpu.user + cpu.system;
    }
  }
  return times.map((list, index) => ({ ...percentiles(list), cpuMsPerCall: Number((cpuMicros[index]! / runs / 1000).toFixed(3)) }));
}

/**
 * Loads `tenantStore`'s columns (timed: wall, this process's CPU, the PostgreSQL backends' CPU),
 * then a zone's day column and the author × day rollup (the first query in a zone builds them).
 */
async function loadColumns(store: BenchStore, tenantStore: TenantStore, serverCpu: () => Promise<number | undefined>, extra: BenchRow): Promise<LoadedStore> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const serverBefore = await serverCpu();
  const cpuBefore = process.cpuUsage();
  const loadStart = performance.now();
  const columns = await loadWorklogColumns(tenantStore);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu();
  const zoneStart = performance.now();
  const zone = columns.daysIn('Europe/Berlin');
  const zoneMs = performance.now() - zoneStart;
  const rollupStart = performance.now();
  zone.cube(columns.arrays);
  const rollupMs = performance.now() - rollupStart;
  global.gc?.();
  const memory = process.memoryUsage();
  const millions = columns.size / 1e6;
  const load: BenchRow = {
    store,
    worklogs: columns.size,
    'column load s': Number(loadSeconds.toFixed(2)),
    's per 1M rows': Number((loadSeconds / millions).toFixed(2)),
    'rows/s': Math.round(columns.size / loadSeconds),
    'CPU s per 1M rows': Number(((cpu.user + cpu.system) / 1e6 / millions).toFixed(2)),
    'server CPU s per 1M rows': serverBefore !== undefined && serverAfter !== undefined ? Number(((serverAfter - serverBefore) / millions).toFixed(2)) : '',
    'zone day column ms': Math.round(zoneMs),
    'rollup build ms': Math.round(rollupMs),
    'RSS before MB': mb(rssBefore),
    'RSS after MB': mb(memory.rss),
    load: load1(),
    ...extra,
  };
  return { store, tenantStore, columns, load, serverCpu };
}

/**
 * Loads the first rows into throw-away columns once, with a zone and its rollup, so that neither
 * store's timed load pays for compiling the engine's code (whichever came first did before).
 */
async function warmUpColumnCode(source: TenantStore): Promise<void> {
  const firstRows = {
    countWorklogs: async () => 0,
    async *scanReportColumns(): AsyncGenerator<ReportColumnRow[]> {
      for await (const rows of source.scanReportColumns(50_000)) {
        yield rows;
        return;
      }
    },
  };
  const columns = await loadWorklogColumns(firstRows);
  columns.daysIn('Europe/Berlin').cube(columns.arrays);
}

/** Copies the cached SQLite tenant into `provider`'s store for the same tenant, through its bulk path (timed). */
async function copyInto(provider: StoreProvider, source: TenantStore, tenantId: TenantId): Promise<{ store: TenantStore; seconds: number }> {
  const store = await provider.open(tenantId);
  const start = performance.now();
  await store.beginBulkLoad();
  for await (const rows of source.streamWorklogs(COPY_BATCH)) await store.applyBatch({ upserts: rows, deletions: [] });
  await store.endBulkLoad();
  return { store, seconds: (performance.now() - start) / 1000 };
}

async function benchSize(worklogs: number, seed: number, warmup: number, runs: number, stores: BenchStore[], shapes: readonly ShapeQuestion['shape'][], postgresUrl: string): Promise<{ runs: Run[]; loads: BenchRow[] }> {
  log(`[${worklogs}] data…`);
  const data = await reportData(worklogs, seed);
  const sqliteProvider = createSqliteStoreProvider({ dataDir: data.dataDir });
  const control = stores.includes('postgres') ? await createBenchControlDatabase(postgresUrl) : undefined;
  const postgres = control ? await openBenchPostgresStores(control.url, postgresUrl) : undefined;
  const results: Run[] = [];
  try {
    const sqliteStore = await sqliteProvider.open(data.tenantId);
    await warmUpColumnCode(sqliteStore);
    const loaded: LoadedStore[] = [];
    for (const store of stores) {
      if (store === 'sqlite') {
        log(`[${worklogs}] sqlite: loading columns…`);
        loaded.push(await loadColumns('sqlite', sqliteStore, async () => undefined, { 'generate s': data.generateSeconds }));
      } else {
        log(`[${worklogs}] postgres: copying ${worklogs.toLocaleString('en-US')} rows into a fresh tenant database…`);
        const copy = await copyInto(postgres!.provider, sqliteStore, data.tenantId);
        log(`[${worklogs}] postgres: loading columns…`);
        const serverCpu = () => tenantBackendCpuSeconds(postgresUrl, data.tenantId);
        loaded.push(await loadColumns('postgres', copy.store, serverCpu, { 'bulk copy s': Number(copy.seconds.toFixed(1)), 'bulk copy rows/s': Math.round(worklogs / copy.seconds) }));
      }
    }
    const first = loaded[0]!;
    for (const other of loaded) if (other.columns.size !== first.columns.size) throw new Error(`${other.store} holds ${other.columns.size} rows, ${first.store} ${first.columns.size}`);
    // 2,000 issues with work in 2025, spread over the year's issues (the same on every store).
    const issuesOfYear = first.columns.distinctIssueIds({ fromDate: '2025-01-01', toDate: '2025-12-31', timeZone: 'Europe/Berlin', groupBy: [], sort: { by: 'key', direction: 'asc' } });
    const step = Math.max(1, Math.floor(issuesOfYear.length / 2000));
    const questions = shapeQuestions(issuesOfYear.filter((_, i) => i % step === 0).slice(0, 2000)).filter((question) => shapes.includes(question.shape));
    const yearIssueIds = questions.find((question) => question.shape === 'issues-year')?.query.issueIds ?? [];

    // Through Tally's real report handler served on loopback HTTP (bench/report-api-runner.ts):
    // parsing, validation, the report service, labels and JSON — one server per store.
    const apis: { store: BenchStore; api: ApiShapeRunner }[] = [];
    const raw = rawShapeRunner(data.file, data.startMs - 4 * 86_400_000, data.endMs);
    try {
      for (const { store, columns, tenantStore } of loaded) apis.push({ store, api: await apiShapeRunnerViaHttp({ columns, store: tenantStore, tenantId: data.tenantId, yearIssueIds }) });
      for (const question of questions) {
        const viaRaw = flattenRawAnswer(question.shape, raw.run(question));
        for (const { store, api } of apis) {
          const viaApi = flattenApiAnswer(await api(question));
          if (!sameAnswer(question.shape, viaApi, viaRaw)) throw new Error(`${store} api and raw SQL disagree on ${question.shape}`);
        }
        log(`[${worklogs}] ${question.shape}: ${viaRaw.length - 1} rows, answers agree on ${stores.join(' and ')}; timing…`);
        const serverBefore = await Promise.all(loaded.map(({ serverCpu }) => serverCpu()));
        const apiTimes = await measureTurns(apis.map(({ api }) => () => api.ask(question)), warmup, runs);
        const serverAfter = await Promise.all(loaded.map(({ serverCpu }) => serverCpu()));
        apis.forEach(({ store }, i) => {
          const [before, after] = [serverBefore[i], serverAfter[i]];
          // The server's share covers the warm-up calls too (its CPU is read around the whole turn).
          const server = before !== undefined && after !== undefined ? { serverCpuMsPerCall: Number((((after - before) * 1000) / (warmup + runs)).toFixed(3)) } : {};
          results.push({ store, worklogs, shape: question.shape, via: 'api', ...apiTimes[i]!, ...server, loadAverage: load1() });
        });
        const [rawTimes] = await measureTurns([() => raw.run(question)], warmup, runs);
        results.push({ store: 'sqlite', worklogs, shape: question.shape, via: 'raw', ...rawTimes!, loadAverage: load1() });
      }
    } finally {
      raw.close();
      for (const { api } of apis) await api.close();
    }
    // One small read of each store (the sync state row), taking turns: what the details page's one
    // read of its rows costs beyond the engine — on PostgreSQL a round trip, on a loaded machine
    // mostly the wait until the server's backend and then this process get a core again.
    const roundTrips = await measureTurns(loaded.map(({ tenantStore }) => () => tenantStore.getSyncState()), warmup, runs * 10);
    return {
      runs: results,
      loads: loaded.map(({ load }, i) => ({ ...load, 'store read p50 ms': roundTrips[i]!.p50Ms, 'store read p95 ms': roundTrips[i]!.p95Ms, users: data.users, issues: data.issues })),
    };
  } finally {
    await sqliteProvider.close();
    await postgres?.close();
    await control?.drop();
  }
}

/** The shapes named by `--shape` (repeated, or comma-separated), all four by default; throws on an unknown name. */
function parseShapes(values: readonly string[] | undefined): ShapeQuestion['shape'][] {
  if (values === undefined) return [...REPORT_SHAPES];
  const named = values.flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  for (const name of named) {
    if (!(REPORT_SHAPES as readonly string[]).includes(name)) throw new Error(`--shape must be one of ${REPORT_SHAPES.join(', ')}, got "${name}"`);
  }
  return REPORT_SHAPES.filter((shape) => named.includes(shape));
}

/** Per size and shape measured on both stores: PostgreSQL's api p95 over SQLite's. */
function ratiosOf(runs: Run[]): Ratio[] {
  const api = runs.filter((run) => run.via === 'api');
  return api
    .filter((run) => run.store === 'postgres')
    .flatMap((pg) => {
      const sqlite = api.find((run) => run.store === 'sqlite' && run.worklogs === pg.worklogs && run.shape === pg.shape);
      if (sqlite === undefined) return [];
      const postgresToSqlite = Number((pg.p95Ms / sqlite.p95Ms).toFixed(2));
      const cpuPostgresToSqlite = Number(((pg.cpuMsPerCall + (pg.serverCpuMsPerCall ?? 0)) / sqlite.cpuMsPerCall).toFixed(2));
      return [{ worklogs: pg.worklogs, shape: pg.shape, sqliteP95Ms: sqlite.p95Ms, postgresP95Ms: pg.p95Ms, postgresToSqlite, cpuPostgresToSqlite, target: POSTGRES_P95_TARGET, met: postgresToSqlite <= POSTGRES_P95_TARGET }];
    });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worklogs: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      store: { type: 'string', multiple: true },
      'postgres-url': { type: 'string' },
      shape: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const sizes = (values.worklogs ?? ['1000000', '10000000']).map(Number);
  const runs = Number(values.runs ?? 30);
  const warmup = Number(values.warmup ?? 5);
  const seed = Number(values.seed ?? 1);
  const stores = parseBenchStores(values.store);
  const postgresUrl = benchPostgresServerUrl(values['postgres-url']);
  const shapes = parseShapes(values.shape);
  const all: Run[] = [];
  const loads: BenchRow[] = [];
  for (const size of sizes) {
    const { runs: sizeRuns, loads: sizeLoads } = await benchSize(size, seed, warmup, runs, stores, shapes, postgresUrl);
    all.push(...sizeRuns);
    loads.push(...sizeLoads);
  }
  const ratios = ratiosOf(all);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs: all, loads, ratios })}\n`);
    return;
  }
  const order = (run: Run) => REPORT_SHAPES.indexOf(run.shape);
  const rows = [...all].sort((a, b) => a.worklogs - b.worklogs || order(a) - order(b) || a.via.localeCompare(b.via) || a.store.localeCompare(b.store));
  printBench(
    `bench:reports — p50/p95 of ${runs} runs after ${warmup} warm-up, Europe/Berlin`,
    rows.map((run) => ({
      worklogs: run.worklogs,
      shape: run.shape,
      store: run.store,
      via: run.via,
      'p50 ms': run.p50Ms,
      'p95 ms': run.p95Ms,
      'CPU ms/call': run.cpuMsPerCall,
      'server CPU ms/call': run.serverCpuMsPerCall ?? '',
      load: run.loadAverage,
    })),
    [],
  );
  process.stdout.write('\n');
  printBench('bench:reports — columns in memory', loads, []);
  if (stores.includes('postgres')) process.stdout.write(`\nPostgreSQL: ${describeServer(postgresUrl)}\n`);
  for (const ratio of ratios) {
    process.stdout.write(
      `\n${ratio.shape}, ${ratio.worklogs.toLocaleString('en-US')} worklogs: p95 PostgreSQL ${ratio.postgresP95Ms} ms ÷ SQLite ${ratio.sqliteP95Ms} ms = ${ratio.postgresToSqlite} (target ≤ ${ratio.target}: ${ratio.met ? 'met' : 'NOT met'}); CPU per call ${ratio.cpuPostgresToSqlite} × SQLite's`,
    );
  }
  process.stdout.write('\n');
}

await main();
