/**
 * Benchmark helper (child process, one per run so peak RSS belongs to that run alone): composes
 * Tally on a throw-away data directory, registers the simulated site as a tenant, runs one full
 * sync with the given strategy and prints one JSON line with the result.
 * `--store sqlite` (default) syncs into the composed SQLite store; `--store postgres
 * --control-url … --postgres-url …` into the production PostgreSQL provider over the control
 * database the orchestrator created (and drops, with the tenant database, whatever happens here).
 * Only the tenant store differs: the control plane and Jira clients are the same in both.
 *   bulk       Tally's sync: `/worklog/updated` pages + `/worklog/list` batches.
 *   per-issue  the common connector approach: every issue's `GET /issue/{id}/worklog`.
 */
import { createConnectInstallationStore } from '../src/edges/jira-connect/connect-installation-store.js';
import { createSecretBox } from '../src/tenants/secret-box.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { composeTally } from '../src/compose.js';
import { systemClock } from '../src/platform/clock.js';
import { createLogger } from '../src/platform/logger.js';
import { timerSleep } from '../src/jira/sleep.js';
import { runFullSync } from '../src/sync/full-sync.js';
import { toWorklogRow } from '../src/sync/worklog-mapping.js';
import type { TenantStore } from '../src/store/tenant-store.js';
import { createOutgoingFetch } from '../src/platform/outgoing-fetch.js';
import { openBenchPostgresStores, tenantBackendCpuSeconds } from './bench-postgres.js';

const { values } = parseArgs({
  options: {
    'sim-url': { type: 'string' },
    strategy: { type: 'string' },
    'client-key': { type: 'string' },
    secret: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    'control-url': { type: 'string' },
    'postgres-url': { type: 'string' },
  },
  strict: true,
});
if (values.store !== 'sqlite' && (values.store !== 'postgres' || !values['control-url'] || !values['postgres-url'])) {
  throw new Error('--store is sqlite, or postgres with --control-url and --postgres-url');
}
const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-'));
const config = loadConfig({
  TALLY_BASE_URL: 'https://tally.bench',
  TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
  TALLY_DATA_DIR: dataDir,
  TALLY_ALLOWED_HOSTS: '127.0.0.1',
  TALLY_LOG_LEVEL: 'warn',
  // The simulator's limits are off; tell the coordinator the budget is not the bottleneck either.
  TALLY_JIRA_POINTS_PER_HOUR: '10000000',
  // Lets a run compare decoding on the main thread (0) with the default pool.
  ...(process.env.TALLY_PARSE_THREADS ? { TALLY_PARSE_THREADS: process.env.TALLY_PARSE_THREADS } : {}),
});
// Logs go to stderr: stdout carries only the result line the orchestrator reads.
const logger = createLogger({ level: 'warn', destination: process.stderr });
// As `tally serve` calls out (src/platform/outgoing-fetch.ts); TALLY_BENCH_GLOBAL_FETCH=1 compares Node's global dispatcher.
const tally = await composeTally(config, { clock: systemClock, fetch: process.env.TALLY_BENCH_GLOBAL_FETCH ? (i, o) => fetch(i, o) : createOutgoingFetch(), sleep: timerSleep, logger });
const postgres = values.store === 'postgres' ? await openBenchPostgresStores(values['control-url']!, values['postgres-url']!) : undefined;
try {
  const installations = createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(config.secretKey!) });
  const { tenant } = await installations.recordInstall({ clientKey: values['client-key'] ?? 'bench-client', product: 'jira', baseUrl: values['sim-url'] ?? '', sharedSecret: values.secret ?? '' });
  const access = await tally.credentials.forTenant(tenant.id);
  if (!access) throw new Error('no access');
  // Opening creates and migrates the PostgreSQL database: before the clock starts, as SQLite's file.
  const store: TenantStore = postgres ? await postgres.provider.open(tenant.id) : await tally.stores.open(tenant.id);
  const serverCpu = () => (postgres ? tenantBackendCpuSeconds(values['postgres-url']!, tenant.id) : Promise.resolve(undefined));
  const jira = tally.syncDeps.jiraClientFor(tenant.id, access);
  const serverCpuBefore = await serverCpu();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  if (values.strategy === 'per-issue') {
    let token: string | undefined;
    do {
      const page = await jira.searchIssueIds('worklogDate >= "1970-01-01" ORDER BY id ASC', token, { priority: 'backfill' });
      for (const issueId of page.ids) {
        let startAt = 0;
        for (;;) {
          const batch = await jira.getIssueWorklogs(issueId, startAt, { priority: 'backfill' });
          if (batch.worklogs.length > 0) await store.applyBatch({ upserts: batch.worklogs.map(toWorklogRow), deletions: [] });
          startAt += batch.worklogs.length;
          if (batch.worklogs.length === 0 || startAt >= batch.total) break;
        }
      }
      token = page.nextPageToken;
    } while (token !== undefined);
  } else {
    const result = await runFullSync({ tenantId: tenant.id, store, jira, logger });
    if (!result.done) throw new Error('full sync did not finish');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU of every thread of this process during the sync (user + system), for the benchmark notes.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // The PostgreSQL backends' CPU during the sync (the tenant pool's connections, still open): the
  // work SQLite does inside this process, done in the server's instead.
  const serverCpuAfter = await serverCpu();
  const serverCpuSeconds = serverCpuBefore !== undefined && serverCpuAfter !== undefined ? serverCpuAfter - serverCpuBefore : undefined;
  const worklogs = await store.countWorklogs();
  process.stdout.write(`RESULT ${JSON.stringify({ worklogs, seconds, cpuSeconds, serverCpuSeconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
} finally {
  await postgres?.close();
  await tally.close();
  rmSync(dataDir, { recursive: true, force: true });
}
