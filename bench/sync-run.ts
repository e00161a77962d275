/**
 * Benchmark helper (child process, one per run so peak RSS belongs to that run alone): composes
 * Tally on a throw-away data directory, registers the simulated site as a tenant, runs one full
 * sync with the given strategy and prints one JSON line with the result.
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

const { values } = parseArgs({ options: { 'sim-url': { type: 'string' }, strategy: { type: 'string' }, 'client-key': { type: 'string' }, secret: { type: 'string' } }, strict: true });
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
const tally = await composeTally(config, { clock: systemClock, fetch: (i, o) => fetch(i, o), sleep: timerSleep, logger });
try {
  const installations = createConnectInstallationStore({ db: tally.control.db, registry: tally.registry, secretBox: createSecretBox(config.secretKey!) });
  const { tenant } = await installations.recordInstall({ clientKey: values['client-key'] ?? 'bench-client', product: 'jira', baseUrl: values['sim-url'] ?? '', sharedSecret: values.secret ?? '' });
  const access = await tally.credentials.forTenant(tenant.id);
  if (!access) throw new Error('no access');
  const store = await tally.stores.open(tenant.id);
  const jira = tally.syncDeps.jiraClientFor(tenant.id, access);
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
  const worklogs = await store.countWorklogs();
  process.stdout.write(`RESULT ${JSON.stringify({ worklogs, seconds, cpuSeconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
} finally {
  await tally.close();
  rmSync(dataDir, { recursive: true, force: true });
}
