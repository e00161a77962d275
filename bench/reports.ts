/**
 * `npm run bench:reports [-- --worklogs N] [-- --json] [-- --runs 30] [-- --warmup 5] [-- --seed 1]`:
 * report latency at 1,000,000 and 10,000,000 worklogs (or the sizes given) for the four shapes of
 * issue 5 (bench/report-shapes.ts), asked two ways:
 * - `api`: the in-memory columnar engine (columns loaded once, outside the timing; the details
 *   page includes reading its 100 rows from the store by id);
 * - `raw`: the same questions as plain SQL on the tenant SQLite file with the store's own indexes
 *   (`(account_id, started_ms, time_spent_seconds)`, `(client_issue_id, started_ms,
 *   time_spent_seconds)`) — the baseline. Month buckets in SQL add the zone's offset per row from
 *   its transitions (computed here independently of the engine), so both ways answer exactly the
 *   same question; the bench checks that they agree before timing.
 * The data is generated once per size and seed and cached under os.tmpdir() (bench/report-data.ts).
 * `--json` prints one object `{"runs":[…]}`; otherwise markdown tables, with column-load time and
 * memory.
 */
import Database from 'better-sqlite3';
import { isDeepStrictEqual } from 'node:util';
import { parseArgs } from 'node:util';
import { loadWorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import { printBench, type BenchRow } from './bench-output.js';
import { reportData } from './report-data.js';
import { apiShapeRunnerViaHttp } from './report-api-runner.js';
import { DETAILS_PAGE_ROWS, flattenApiAnswer, REPORT_SHAPES, shapeQuestions, type ShapeAnswer, type ShapeQuestion } from './report-shapes.js';

interface Run {
  store: 'sqlite';
  worklogs: number;
  shape: ShapeQuestion['shape'];
  via: 'api' | 'raw';
  p50Ms: number;
  p95Ms: number;
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Offset of `zone` at `ms`, from Intl, to the second. */
function intlOffsetMs(format: Intl.DateTimeFormat, ms: number): number {
  const secondMs = Math.floor(ms / 1000) * 1000;
  const parts = Object.fromEntries(format.formatToParts(secondMs).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day, parts.hour, parts.minute, parts.second) - secondMs;
}

/** The zone's offset changes in [fromMs, toMs): hourly samples, each change bisected to the second. */
function zoneTransitions(zone: string, fromMs: number, toMs: number): { startOffsetMs: number; changes: { atMs: number; offsetMs: number }[] } {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const startOffsetMs = intlOffsetMs(format, fromMs);
  const changes: { atMs: number; offsetMs: number }[] = [];
  let offset = startOffsetMs;
  for (let ms = fromMs; ms < toMs; ms += 3_600_000) {
    const next = intlOffsetMs(format, ms + 3_600_000);
    if (next === offset) continue;
    let [lo, hi] = [ms, ms + 3_600_000];
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (intlOffsetMs(format, mid) === offset) lo = mid;
      else hi = mid;
    }
    changes.push({ atMs: hi, offsetMs: next });
    offset = next;
  }
  return { startOffsetMs, changes };
}

/** The instant local midnight starts `date` in `zone` (Berlin's midnights are never skipped). */
function localMidnightMs(date: string, zone: string): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  // Two passes: the offset at the guessed instant decides (a DST change near midnight moves it).
  const wall = Date.parse(`${date}T00:00:00Z`);
  const guess = wall - intlOffsetMs(format, wall);
  return wall - intlOffsetMs(format, guess);
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** What a raw query returns: SQLite's rows, and the filter's total. */
interface RawAnswer {
  rows: unknown[][];
  total: [number | null, number];
}

/** The raw-SQL answers of the four shapes over the tenant file, read-only. Only `run` is timed. */
function rawShapeRunner(file: string, dataFromMs: number, dataToMs: number): { run: (question: ShapeQuestion) => RawAnswer; close: () => void } {
  const db = new Database(file, { readonly: true });
  const zoneCache = new Map<string, string>();
  // `started_ms` shifted into local wall time: the offset from the zone's transitions, as SQL.
  const localMsSql = (zone: string) => {
    let sql = zoneCache.get(zone);
    if (sql === undefined) {
      const { startOffsetMs, changes } = zoneTransitions(zone, dataFromMs - 86_400_000, dataToMs + 86_400_000);
      const cases = changes.map((change, k) => `WHEN started_ms < ${change.atMs} THEN ${k === 0 ? startOffsetMs : changes[k - 1]?.offsetMs}`);
      sql = `(started_ms + CASE ${cases.join(' ')} ELSE ${changes.at(-1)?.offsetMs ?? startOffsetMs} END)`;
      zoneCache.set(zone, sql);
    }
    return sql;
  };
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql).raw();
      statements.set(sql, statement);
    }
    return statement;
  };
  const total = (fromMs: number, toMs: number) => prepared('SELECT sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ?').get(fromMs, toMs) as [number | null, number];

  // A question's instant range, computed once (outside the timed runs, like the engine's setup).
  const ranges = new Map<ShapeQuestion, [number, number]>();
  const rangeOf = (question: ShapeQuestion): [number, number] => {
    let range = ranges.get(question);
    if (range === undefined) {
      range = [localMidnightMs(question.query.fromDate, question.query.timeZone), localMidnightMs(nextDay(question.query.toDate), question.query.timeZone)];
      ranges.set(question, range);
    }
    return range;
  };

  const run = (question: ShapeQuestion): RawAnswer => {
    const { shape, query } = question;
    const [fromMs, toMs] = rangeOf(question);
    switch (shape) {
      case 'month-by-user': {
        const rows = prepared('SELECT account_id, sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ? GROUP BY account_id').all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
      case 'history-user-month': {
        const month = `strftime('%Y-%m', ${localMsSql(query.timeZone)} / 1000, 'unixepoch')`;
        const rows = prepared(`SELECT account_id, ${month} AS month, sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ? GROUP BY account_id, month`).all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
      case 'issues-year': {
        const ids = JSON.stringify(query.issueIds ?? []);
        const sql = 'FROM worklogs WHERE client_issue_id IN (SELECT value FROM json_each(?)) AND started_ms >= ? AND started_ms < ?';
        const rows = prepared(`SELECT client_issue_id, sum(time_spent_seconds), count(*) ${sql} GROUP BY client_issue_id`).all(ids, fromMs, toMs) as unknown[][];
        return { rows, total: prepared(`SELECT sum(time_spent_seconds), count(*) ${sql}`).get(ids, fromMs, toMs) as [number | null, number] };
      }
      case 'details-page': {
        // The page with its comments, as the API shows it.
        const rows = prepared(
          `SELECT client_worklog_id, time_spent_seconds, comment, started_ms FROM worklogs WHERE started_ms >= ? AND started_ms < ? ORDER BY started_ms DESC, client_worklog_id DESC LIMIT ${DETAILS_PAGE_ROWS}`,
        ).all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
    }
  };
  return { run, close: () => db.close() };
}

/** A raw answer as comparable rows: keys as the report model spells them (no author: '', issue ids as text). */
function flattenRawAnswer(shape: ShapeQuestion['shape'], { rows, total: [seconds, count] }: RawAnswer): ShapeAnswer {
  const key = (value: unknown) => (value === null ? '' : String(value));
  const flat: ShapeAnswer =
    shape === 'details-page'
      ? rows.map(([id, seconds]) => [id as number, seconds as number])
      : rows.map((row) => [...row.slice(0, -2).map(key), row.at(-2) as number, row.at(-1) as number]);
  return [...flat, ['total', seconds ?? 0, count]];
}

/** Answers compared as sets of group rows (their order is each side's own), details in order. */
function sameAnswer(shape: ShapeQuestion['shape'], a: ShapeAnswer, b: ShapeAnswer): boolean {
  if (shape === 'details-page') return isDeepStrictEqual(a, b);
  const canonical = (answer: ShapeAnswer) => answer.map((row) => JSON.stringify(row)).sort();
  return isDeepStrictEqual(canonical(a), canonical(b));
}

/** p50 and p95 (nearest rank) of `warmup` + `runs` calls of `call`, timing only the last `runs`. */
async function measure(call: () => unknown, warmup: number, runs: number): Promise<{ p50Ms: number; p95Ms: number }> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  times.sort((x, y) => x - y);
  const rank = (p: number) => times[Math.max(0, Math.ceil(p * times.length) - 1)] as number;
  return { p50Ms: Number(rank(0.5).toFixed(2)), p95Ms: Number(rank(0.95).toFixed(2)) };
}

async function benchSize(worklogs: number, seed: number, warmup: number, runs: number): Promise<{ runs: Run[]; load: BenchRow }> {
  log(`[${worklogs}] data…`);
  const data = await reportData(worklogs, seed);
  const provider = createSqliteStoreProvider({ dataDir: data.dataDir });
  const results: Run[] = [];
  try {
    const store = await provider.open(data.tenantId);
    const rssBefore = process.memoryUsage().rss;
    log(`[${worklogs}] loading columns…`);
    const loadStart = performance.now();
    const columns = await loadWorklogColumns(store);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    // The first query in a zone builds its day column, the first by user and date its author ×
    // day rollup: both timed on their own.
    const zoneStart = performance.now();
    const zone = columns.daysIn('Europe/Berlin');
    const zoneMs = performance.now() - zoneStart;
    const rollupStart = performance.now();
    zone.cube(columns.arrays);
    const rollupMs = performance.now() - rollupStart;
    // 2,000 issues with work in 2025, spread over the year's issues.
    const issuesOfYear = columns.distinctIssueIds({ fromDate: '2025-01-01', toDate: '2025-12-31', timeZone: 'Europe/Berlin', groupBy: [], sort: { by: 'key', direction: 'asc' } });
    const step = Math.max(1, Math.floor(issuesOfYear.length / 2000));
    const questions = shapeQuestions(issuesOfYear.filter((_, i) => i % step === 0).slice(0, 2000));
    global.gc?.();
    const memory = process.memoryUsage();

    // Through Tally's real report handler (bench/report-api-runner.ts): parsing, validation, the
    // report service, labels and JSON, in-process.
    const yearIssueIds = questions.find((question) => question.shape === 'issues-year')?.query.issueIds ?? [];
    const api = apiShapeRunnerViaHttp({ columns, store, tenantId: data.tenantId, yearIssueIds });
    const raw = rawShapeRunner(data.file, data.startMs - 4 * 86_400_000, data.endMs);
    try {
      for (const question of questions) {
        const viaApi = flattenApiAnswer(await api(question));
        const viaRaw = flattenRawAnswer(question.shape, raw.run(question));
        if (!sameAnswer(question.shape, viaApi, viaRaw)) throw new Error(`api and raw disagree on ${question.shape}`);
        log(`[${worklogs}] ${question.shape}: ${viaApi.length - 1} rows, answers agree; timing…`);
        results.push({ store: 'sqlite', worklogs, shape: question.shape, via: 'api', ...(await measure(() => api.ask(question), warmup, runs)) });
        results.push({ store: 'sqlite', worklogs, shape: question.shape, via: 'raw', ...(await measure(() => raw.run(question), warmup, runs)) });
      }
    } finally {
      raw.close();
    }
    const load: BenchRow = {
      worklogs,
      'column load s': Number(loadSeconds.toFixed(2)),
      'rows/s': Math.round(worklogs / loadSeconds),
      'zone day column ms': Math.round(zoneMs),
      'rollup build ms': Math.round(rollupMs),
      'RSS before MB': mb(rssBefore),
      'RSS after MB': mb(memory.rss),
      'arrayBuffers MB': mb(memory.arrayBuffers),
      'heap used MB': mb(memory.heapUsed),
      users: data.users,
      issues: data.issues,
      'generate s': data.generateSeconds,
    };
    return { runs: results, load };
  } finally {
    await provider.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { worklogs: { type: 'string', multiple: true }, json: { type: 'boolean' }, runs: { type: 'string' }, warmup: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const sizes = (values.worklogs ?? ['1000000', '10000000']).map(Number);
  const runs = Number(values.runs ?? 30);
  const warmup = Number(values.warmup ?? 5);
  const seed = Number(values.seed ?? 1);
  const all: Run[] = [];
  const loads: BenchRow[] = [];
  for (const size of sizes) {
    const { runs: sizeRuns, load } = await benchSize(size, seed, warmup, runs);
    all.push(...sizeRuns);
    loads.push(load);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs: all })}\n`);
    return;
  }
  const order = (run: Run) => REPORT_SHAPES.indexOf(run.shape);
  const rows = [...all].sort((a, b) => a.worklogs - b.worklogs || order(a) - order(b) || a.via.localeCompare(b.via));
  printBench(`bench:reports — p50/p95 of ${runs} runs after ${warmup} warm-up, Europe/Berlin`, rows.map((run) => ({ worklogs: run.worklogs, shape: run.shape, via: run.via, 'p50 ms': run.p50Ms, 'p95 ms': run.p95Ms })), []);
  process.stdout.write('\n');
  printBench('bench:reports — columns in memory', loads, []);
}

await main();
