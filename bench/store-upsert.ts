/**
 * `npm run bench:store [-- --rows 1000000] [-- --json]`: how fast the SQLite tenant store takes
 * worklogs through `applyBatch` (batches of 1000, the size of a Jira `/worklog/list` page):
 * a first load with the report indexes live and with a bulk load (indexes dropped, rebuilt at the
 * end), a re-apply of every row (all stale), a re-upsert of every row with a newer `updated`, and
 * an incremental-sync shape (updates among the newest rows plus new rows). Rows are generated in
 * memory first, so only the store is timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import type { ApplyResult, TenantStore } from '../src/store/tenant-store.js';
import type { WorklogRow } from '../src/store/worklog-row.js';
import { newTenantId } from '../src/tenants/tenant.js';
import { printBench, type BenchRow } from './bench-output.js';
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

async function applyAll(store: TenantStore, rows: readonly WorklogRow[]): Promise<{ seconds: number; totals: ApplyResult }> {
  const totals: ApplyResult = { inserted: 0, updated: 0, skippedStale: 0, deleted: 0, deletedIssueIds: [] };
  const start = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const result = await store.applyBatch({ upserts: rows.slice(i, i + BATCH), deletions: [], state: { updatedCursorMs: i } });
    totals.inserted += result.inserted;
    totals.updated += result.updated;
    totals.skippedStale += result.skippedStale;
  }
  return { seconds: (performance.now() - start) / 1000, totals };
}

function row(scenario: string, rows: number, seconds: number, totals: ApplyResult, note = ''): BenchRow {
  return {
    scenario,
    rows,
    seconds: Number(seconds.toFixed(2)),
    'rows/s': Math.round(rows / seconds),
    inserted: totals.inserted,
    updated: totals.updated,
    skipped: totals.skippedStale,
    note,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, json: { type: 'boolean' }, dir: { type: 'string' } }, strict: true });
  const count = Number(values.rows ?? 1_000_000);
  const dataDir = mkdtempSync(join(values.dir ?? tmpdir(), 'tally-bench-store-'));
  const provider = createSqliteStoreProvider({ dataDir });
  const results: BenchRow[] = [];
  try {
    const rows = generate(count, 1, START_MS, SPAN_MS, 1);

    const live = await provider.open(newTenantId());
    const first = await applyAll(live, rows);
    results.push(row('first load, indexes live', count, first.seconds, first.totals));

    const bulk = await provider.open(newTenantId());
    await bulk.beginBulkLoad();
    const loaded = await applyAll(bulk, rows);
    const indexStart = performance.now();
    await bulk.endBulkLoad();
    const indexSeconds = (performance.now() - indexStart) / 1000;
    results.push(row('first load, bulk (writes only)', count, loaded.seconds, loaded.totals));
    results.push(row('first load, bulk (+ index build, ANALYZE)', count, loaded.seconds + indexSeconds, loaded.totals, `endBulkLoad ${indexSeconds.toFixed(2)} s`));

    const again = await applyAll(live, rows);
    results.push(row('re-apply same rows (all stale)', count, again.seconds, again.totals));

    const newer = rows.map((r) => ({ ...r, updatedMs: r.updatedMs + 1000, updated: jiraTime(r.updatedMs + 1000), comment: `${r.comment} ` }));
    const reupsert = await applyAll(live, newer);
    results.push(row('re-upsert all rows, newer updated, indexes live', count, reupsert.seconds, reupsert.totals));

    // Incremental shape (stack-check §4b "recent"): half updates among the newest 20%, half new rows of the last 30 days.
    const size = Math.min(100_000, count);
    const recentFrom = Math.floor(count * 0.8);
    const pick = random(7);
    const picked = new Set<number>();
    while (picked.size < Math.min(size / 2, count - recentFrom)) picked.add(recentFrom + Math.floor(pick() * (count - recentFrom)));
    const updates = [...picked].map((index) => newer[index] as WorklogRow).map((r) => ({ ...r, updatedMs: r.updatedMs + 5000, updated: jiraTime(r.updatedMs + 5000) }));
    const fresh = generate(size / 2, count + 1, START_MS + SPAN_MS - 30 * DAY_MS, 30 * DAY_MS, 3);
    const mixed = fresh.flatMap((row, i) => (updates[i] === undefined ? [row] : [updates[i], row]));
    const incremental = await applyAll(live, mixed);
    results.push(row('incremental: recent updates + new rows, indexes live', mixed.length, incremental.seconds, incremental.totals));
  } finally {
    await provider.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  printBench('store-upsert (SQLite tenant store, applyBatch of 1000)', results, process.argv);
}

await main();
