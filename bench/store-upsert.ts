/**
 * `npm run bench:store [-- --rows 1000000] [-- --store sqlite,postgres] [-- --json]`: how fast a tenant store takes
 * worklogs through `applyBatch` (batches of 1000, the size of a Jira `/worklog/list` page):
 * a first load with the report indexes live and with a bulk load (indexes dropped, rebuilt at the
 * end), a re-apply of every row (all stale), a re-upsert of every row with a newer `updated`, and
 * an incremental-sync shape (updates among the newest rows plus new rows). Rows are generated in
 * memory first, so only the store is timed. Each scenario also reports this process's CPU per row
 * and, on PostgreSQL (`--store postgres`: fresh control and tenant databases on `--postgres-url` /
 * TALLY_BENCH_POSTGRES_URL / the local server, dropped at the end), the tenant backends' CPU per
 * row — on two shared cores, CPU per row says more than rows per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import type { ApplyResult, StoreProvider, TenantStore } from '../src/store/tenant-store.js';
import type { TenantId } from '../src/tenants/tenant.js';
import type { WorklogRow } from '../src/store/worklog-row.js';
import { newTenantId } from '../src/tenants/tenant.js';
import { printBench, type BenchRow } from './bench-output.js';
import { benchPostgresServerUrl, createBenchControlDatabase, openBenchPostgresStores, parseBenchStores, tenantBackendCpuSeconds, type BenchStore } from './bench-postgres.js';
import { createRandom } from '../simulator/random.js';

const BATCH = 1000;
const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2023, 0, 1);
const SPAN_MS = Date.UTC(2026, 0, 1) - START_MS;

/** Deterministic pseudo-random numbers in [0, 1): the simulator's seeded generator. */
function random(seed: number): () => number {
  const generator = createRandom(seed);
  return () => generator.next();
}

const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/**
 * Rows shaped like stack-check §3: ids rise with `created` over three years, 500 authors, 50,000
 * issues, `started` up to 7 days before `created`, 10% edited up to 30 days later, and an ADF
 * comment like Jira's v3 API returns.
 */
function generate(count: number, firstId: number, fromMs: number, spanMs: number, seed: number): WorklogRow[] {
  const next = random(seed);
  const rows: WorklogRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const createdMs = Math.floor(fromMs + (spanMs * i) / count);
    const startedMs = createdMs - Math.floor(next() * 7 * DAY_MS);
    const updatedMs = next() < 0.1 ? createdMs + Math.floor(next() * 30 * DAY_MS) : createdMs;
    const text = `work on item ${Math.floor(next() * 1e6).toString(36)} and review`;
    rows[i] = {
      clientWorklogId: firstId + i,
      accountId: `5b10ac8d82e05b22cc7d${Math.floor(next() * 500).toString(16).padStart(4, '0')}`,
      clientIssueId: 10_000 + Math.floor(next() * 50_000),
      comment: `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"${text}"}]}]}`,
      created: jiraTime(createdMs),
      updated: jiraTime(updatedMs),
      started: jiraTime(startedMs),
      timeSpentSeconds: 900 + Math.floor(next() ** 2 * 27_900),
      startedMs,
      updatedMs,
    };
  }
  return rows;
}

/** What one scenario cost: wall seconds, this process's CPU, the tenant's server backends' CPU (PostgreSQL). */
interface Cost {
  seconds: number;
  cpuSeconds: number;
  serverCpuSeconds: number | undefined;
}

/** Reads the CPU the tenant's server backends used so far (undefined for SQLite). */
type ServerCpu = (tenantId: TenantId) => Promise<number | undefined>;

async function applyAll(store: TenantStore, rows: readonly WorklogRow[], serverCpu: ServerCpu): Promise<Cost & { totals: ApplyResult }> {
  const totals: ApplyResult = { inserted: 0, updated: 0, skippedStale: 0, deleted: 0, deletedIssueIds: [] };
  const cost = await measureCost(store.tenantId, serverCpu, async () => {
    for (let i = 0; i < rows.length; i += BATCH) {
      const result = await store.applyBatch({ upserts: rows.slice(i, i + BATCH), deletions: [], state: { updatedCursorMs: i } });
      totals.inserted += result.inserted;
      totals.updated += result.updated;
      totals.skippedStale += result.skippedStale;
    }
  });
  return { ...cost, totals };
}

async function measureCost(tenantId: TenantId, serverCpu: ServerCpu, work: () => Promise<void>): Promise<Cost> {
  const serverBefore = await serverCpu(tenantId);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu(tenantId);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, serverCpuSeconds: serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : undefined };
}

const sum = (a: Cost, b: Cost): Cost => ({
  seconds: a.seconds + b.seconds,
  cpuSeconds: a.cpuSeconds + b.cpuSeconds,
  serverCpuSeconds: a.serverCpuSeconds === undefined || b.serverCpuSeconds === undefined ? undefined : a.serverCpuSeconds + b.serverCpuSeconds,
});

function row(store: BenchStore, scenario: string, rows: number, cost: Cost, totals: ApplyResult, note = ''): BenchRow {
  const micros = (seconds: number) => Number(((seconds * 1e6) / rows).toFixed(1));
  return {
    store,
    scenario,
    rows,
    seconds: Number(cost.seconds.toFixed(2)),
    'rows/s': Math.round(rows / cost.seconds),
    'CPU µs/row': micros(cost.cpuSeconds),
    'server CPU µs/row': cost.serverCpuSeconds === undefined ? '' : micros(cost.serverCpuSeconds),
    inserted: totals.inserted,
    updated: totals.updated,
    skipped: totals.skippedStale,
    note,
  };
}

/** Every scenario on one store provider, with the same rows. */
async function scenarios(store: BenchStore, provider: StoreProvider, serverCpu: ServerCpu, count: number, rows: WorklogRow[]): Promise<BenchRow[]> {
  const results: BenchRow[] = [];
  const live = await provider.open(newTenantId());
  const first = await applyAll(live, rows, serverCpu);
  results.push(row(store, 'first load, indexes live', count, first, first.totals));

  const bulk = await provider.open(newTenantId());
  await bulk.beginBulkLoad();
  const loaded = await applyAll(bulk, rows, serverCpu);
  const index = await measureCost(bulk.tenantId, serverCpu, () => bulk.endBulkLoad());
  results.push(row(store, 'first load, bulk (writes only)', count, loaded, loaded.totals));
  results.push(row(store, 'first load, bulk (+ index build, ANALYZE)', count, sum(loaded, index), loaded.totals, `endBulkLoad ${index.seconds.toFixed(2)} s`));

  const again = await applyAll(live, rows, serverCpu);
  results.push(row(store, 're-apply same rows (all stale)', count, again, again.totals));

  const newer = rows.map((r) => ({ ...r, updatedMs: r.updatedMs + 1000, updated: jiraTime(r.updatedMs + 1000), comment: `${r.comment} ` }));
  const reupsert = await applyAll(live, newer, serverCpu);
  results.push(row(store, 're-upsert all rows, newer updated, indexes live', count, reupsert, reupsert.totals));

  // Incremental shape (stack-check §4b "recent"): half updates among the newest 20%, half new rows of the last 30 days.
  const size = Math.min(100_000, count);
  const recentFrom = Math.floor(count * 0.8);
  const pick = random(7);
  const picked = new Set<number>();
  while (picked.size < Math.min(size / 2, count - recentFrom)) picked.add(recentFrom + Math.floor(pick() * (count - recentFrom)));
  const updates = [...picked].map((index) => newer[index] as WorklogRow).map((r) => ({ ...r, updatedMs: r.updatedMs + 5000, updated: jiraTime(r.updatedMs + 5000) }));
  const fresh = generate(size / 2, count + 1, START_MS + SPAN_MS - 30 * DAY_MS, 30 * DAY_MS, 3);
  const mixed = fresh.flatMap((row, i) => (updates[i] === undefined ? [row] : [updates[i], row]));
  const incremental = await applyAll(live, mixed, serverCpu);
  results.push(row(store, 'incremental: recent updates + new rows, indexes live', mixed.length, incremental, incremental.totals));
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, json: { type: 'boolean' }, dir: { type: 'string' }, store: { type: 'string', multiple: true }, 'postgres-url': { type: 'string' } },
    strict: true,
  });
  const count = Number(values.rows ?? 1_000_000);
  const stores = parseBenchStores(values.store);
  const postgresUrl = benchPostgresServerUrl(values['postgres-url']);
  const rows = generate(count, 1, START_MS, SPAN_MS, 1);
  const results: BenchRow[] = [];
  for (const store of stores) {
    if (store === 'sqlite') {
      const dataDir = mkdtempSync(join(values.dir ?? tmpdir(), 'tally-bench-store-'));
      const provider = createSqliteStoreProvider({ dataDir });
      try {
        results.push(...(await scenarios('sqlite', provider, async () => undefined, count, rows)));
      } finally {
        await provider.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    } else {
      const control = await createBenchControlDatabase(postgresUrl);
      try {
        const postgres = await openBenchPostgresStores(control.url, postgresUrl);
        try {
          results.push(...(await scenarios('postgres', postgres.provider, (tenantId) => tenantBackendCpuSeconds(postgresUrl, tenantId), count, rows)));
        } finally {
          await postgres.close();
        }
      } finally {
        await control.drop();
      }
    }
  }
  printBench('store-upsert (tenant stores, applyBatch of 1000)', results, process.argv);
}

await main();
