/**
 * The synthetic tenant `bench:reports` measures: a seeded generator written straight into a tenant
 * SQLite store through its bulk path (beginBulkLoad, applyBatch, endBulkLoad — so the file has the
 * store's own indexes), cached under os.tmpdir() by size and seed: a second run reuses the file.
 *
 * Shape: ids rise with `created` over four years (2022-12 … 2026-11); `started` up to 3 days
 * before `created`; users 150–1,500 (0.45·√N) with a skewed share each; one issue per 20
 * worklogs (5% of N), opened over the same four years, worklogs mostly on recently opened issues
 * (a long tail reaches 180 days back); 0.5% of worklogs without author; 15 min – 8 h each; an
 * ADF comment of ~150 bytes, so the table is as wide as a real one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import type { WorklogRow } from '../src/store/worklog-row.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { createRandom } from '../simulator/random.js';

/** Bump when the generator changes, so cached files of the old shape are not reused. */
const GENERATOR_VERSION = 2;
const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2022, 11, 1);
const END_MS = Date.UTC(2026, 10, 20);
const BATCH = 5000;

/** What was generated: enough for the bench to phrase its questions. */
export interface ReportData {
  version: number;
  worklogs: number;
  seed: number;
  users: number;
  issues: number;
  firstIssueId: number;
  startMs: number;
  endMs: number;
  generateSeconds: number;
  /** The store's data directory (`<dataDir>/tenants/<tenantId>.sqlite`) and tenant. */
  dataDir: string;
  tenantId: TenantId;
  file: string;
}

/** Deterministic pseudo-random numbers in [0, 1): the simulator's seeded generator. */
function random(seed: number): () => number {
  const generator = createRandom(seed);
  return () => generator.next();
}

const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** Every row of the tenant, in batches of BATCH, in id order; the same rows for the same arguments. */
function* generateRows(worklogs: number, seed: number, users: number, issues: number, firstIssueId: number): Generator<WorklogRow[]> {
  const next = random(seed);
  const span = END_MS - START_MS;
  const issuesPerDay = issues / (span / DAY_MS);
  const accountIds = Array.from({ length: users }, (_, u) => `5b10ac8d82e05b22cc7d${(0x1000 + u).toString(16)}`);
  let rows: WorklogRow[] = [];
  for (let i = 0; i < worklogs; i++) {
    const createdMs = START_MS + Math.floor((span * i) / worklogs) + Math.floor(next() * 60_000);
    const startedMs = createdMs - Math.floor(next() * 3 * DAY_MS / 60_000) * 60_000;
    // Issues opened so far, minus a skewed look-back: most work is on recent issues.
    const opened = Math.min(issues - 1, Math.floor(((createdMs - START_MS) / DAY_MS) * issuesPerDay));
    const issue = Math.max(0, opened - Math.floor(next() ** 3 * 180 * issuesPerDay));
    // A skewed share per user (r²), spread over the id space by a multiplicative step.
    const user = (Math.floor(next() ** 2 * users) * 7919) % users;
    const updatedMs = next() < 0.1 ? createdMs + Math.floor(next() * 30 * DAY_MS) : createdMs;
    const text = `worked on ${Math.floor(next() * 1e9).toString(36)}: review, fixes and notes`;
    rows.push({
      clientWorklogId: 1_000_000 + i,
      accountId: next() < 0.005 ? null : (accountIds[user] as string),
      clientIssueId: firstIssueId + issue,
      comment: `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"${text}"}]}]}`,
      created: jiraTime(createdMs),
      updated: jiraTime(updatedMs),
      started: jiraTime(startedMs),
      timeSpentSeconds: 900 * (1 + Math.floor(next() ** 2 * 32)),
      startedMs,
      updatedMs,
    });
    if (rows.length === BATCH) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}

/** The generated tenant for (`worklogs`, `seed`): from the cache, or generated into it now. */
export async function reportData(worklogs: number, seed: number, cacheRoot = join(tmpdir(), 'tally-bench-reports')): Promise<ReportData> {
  const dataDir = join(cacheRoot, `v${GENERATOR_VERSION}-n${worklogs}-s${seed}`);
  const metaFile = join(dataDir, 'report-data.json');
  const tenantId = `t_${createHash('sha256').update(`reports ${worklogs} ${seed}`).digest('hex').slice(0, 24)}` as TenantId;
  const file = join(dataDir, 'tenants', `${tenantId}.sqlite`);
  // The meta file is written last: without it, an interrupted generation starts over.
  if (existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8')) as ReportData;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const users = Math.min(1500, Math.max(150, Math.round(0.45 * Math.sqrt(worklogs))));
  const issues = Math.max(1, Math.round(worklogs * 0.05));
  const firstIssueId = 10_000;
  const started = performance.now();
  const provider = createSqliteStoreProvider({ dataDir });
  try {
    const store = await provider.open(tenantId);
    await store.beginBulkLoad();
    for (const rows of generateRows(worklogs, seed, users, issues, firstIssueId)) await store.applyBatch({ upserts: rows, deletions: [] });
    await store.endBulkLoad();
  } finally {
    await provider.close();
  }
  const data: ReportData = {
    version: GENERATOR_VERSION,
    worklogs,
    seed,
    users,
    issues,
    firstIssueId,
    startMs: START_MS,
    endMs: END_MS,
    generateSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    dataDir,
    tenantId,
    file,
  };
  writeFileSync(metaFile, `${JSON.stringify(data, null, 2)}\n`);
  return data;
}
