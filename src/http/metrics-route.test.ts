import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessJobQueue } from '../jobs/in-process-job-queue.js';
import { createRateLimitCoordinator } from '../jira/rate-limit-coordinator.js';
import { createManualClock } from '../platform/clock.js';
import { createLiveJiraData } from '../reporting/live/live-jira-data.js';
import { createReportService } from '../reporting/report-service.js';
import { AppError } from '../platform/app-error.js';
import { createLogger } from '../platform/logger.js';
import { createInMemoryMetricsRegistry, type MetricsRegistry } from '../platform/metrics.js';
import { parseOrReject, questionSchema, reportQuestionShape, toReportQuestion } from '../reporting/report-question.js';
import type { TenantId } from '../tenants/tenant.js';
import { parseExposition, type ParsedFamily } from '../../test/support/prometheus-text.js';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { createTestPostgresDatabase, postgresAvailable } from '../../test/support/postgres.js';
import { createTestPgBossQueue } from '../jobs/pgboss-test-kit.js';
import { createTallyTestbed, type TallyTestbed } from '../../test/support/tally-testbed.js';
import { createErrorHandler, errorResponse } from './error-handler.js';
import { collectJiraBudget, collectJobQueue, collectProcess, collectReadiness, countJiraCalls, createSyncMetrics, metricsRoutes, timeReportService } from './metrics-route.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const silent = createLogger({ level: 'silent' });

/** The route mounted the way createApp mounts routes: its not-found and error handling. */
function appWith(registry: MetricsRegistry, token: string | undefined): Hono {
  const app = new Hono();
  app.route('/', metricsRoutes({ registry, token }));
  app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
  app.onError(createErrorHandler(silent));
  return app;
}

async function scrape(registry: MetricsRegistry): Promise<Map<string, ParsedFamily>> {
  return parseExposition(await registry.render());
}

/** Sample values of a family as `labels → value`, labels written `k=v,…` (no labels: ''). */
function valuesOf(families: Map<string, ParsedFamily>, name: string, sampleName = name): Record<string, number> {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  return Object.fromEntries(
    family.samples
      .filter((sample) => sample.name === sampleName)
      .map((sample) => [Object.entries(sample.labels).map(([k, v]) => `${k}=${v}`).join(','), sample.value]),
  );
}

let server: ServerType | undefined;
let bed: TallyTestbed | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await bed?.close();
  bed = undefined;
});

describe('GET /metrics', () => {
  it('does not exist without a configured token', async () => {
    const response = await appWith(createInMemoryMetricsRegistry(), undefined).request('/metrics');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route' } });
  });

  it('answers only the configured bearer token, over HTTP', async () => {
    const registry = createInMemoryMetricsRegistry();
    registry.gauge({ name: 'tally_test_up', help: 'x' }).set(undefined, 1);
    server = serve({ fetch: appWith(registry, TOKEN).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;

    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="tally-metrics"');
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('AUTH_MISSING');
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const refused = await fetch(url, { headers: { authorization } });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('tally_test_up');
    }

    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(valuesOf(parseExposition(await ok.text()), 'tally_test_up')).toEqual({ '': 1 });
  });

  it('refuses a token too short to be a secret when it is built', () => {
    expect(() => metricsRoutes({ registry: createInMemoryMetricsRegistry(), token: 'short' })).toThrow(/at least 16/);
  });
});

describe('Tally metrics from real components', () => {
  it('counts a real sync: pages as the simulator served them, worklogs as stored, lag as the clock moved', { timeout: 60_000 }, async () => {
    const registry = createInMemoryMetricsRegistry();
    let sync: ReturnType<typeof createSyncMetrics> | undefined;
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 2500, seed: 'metrics' } }, hooks: { onSyncOutcome: (tenantId, outcome) => sync!.recordOutcome(tenantId, outcome) } });
    const testbed = bed;
    sync = createSyncMetrics(registry, { clock: testbed.runtime.clock, listInstalledTenantIds: async () => (await testbed.registry.listInstalled()).map((tenant) => tenant.id) });
    testbed.tally.sync.start();
    const installed = await testbed.sim.connect.install(testbed.descriptorUrl);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    const tenantId = (await testbed.connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id;
    await testbed.tally.queue.idle();
    const firstCaughtUpMs = testbed.sim.clock.now();

    let families = await scrape(registry);
    const counters = testbed.sim.limits.counters();
    const served = (endpoint: string) => (counters[endpoint]?.calls ?? 0) - (counters[endpoint]?.throttled ?? 0);
    // Each committed page is one answered feed request: `/worklog/updated` and `/worklog/deleted`.
    expect(valuesOf(families, 'tally_sync_pages_total')).toEqual({ '': served('GET /rest/api/3/worklog/updated') + served('GET /rest/api/3/worklog/deleted') });
    const stored = await (await testbed.tally.stores.open(tenantId)).countWorklogs();
    expect(valuesOf(families, 'tally_sync_worklogs_total')['change=upserted']).toBe(stored);
    expect(valuesOf(families, 'tally_sync_runs_total')).toMatchObject({ 'status=synced,phase=incremental': 1 });
    expect(valuesOf(families, 'tally_tenants_installed')).toEqual({ '': 1 });
    // Caught up a moment ago, and the first caught-up run has no earlier one to measure from.
    expect(valuesOf(families, 'tally_sync_lag_max_seconds')).toEqual({ '': 0 });
    expect(valuesOf(families, 'tally_sync_lag_seconds', 'tally_sync_lag_seconds_count')).toEqual({ '': 0 });

    // A second site, installed but never synchronised, is the one whose lag grows.
    await testbed.connect.recordInstall({ clientKey: 'ck-never-synced', product: 'jira', baseUrl: 'https://never-synced.atlassian.net', sharedSecret: 'secret-never-synced-0123456789abcdef' });
    await scrape(registry);
    testbed.sim.clock.advance(300_000);
    testbed.tally.sync.requestSync(tenantId, 'auto');
    await testbed.tally.queue.idle();
    const secondCaughtUpMs = testbed.sim.clock.now();
    families = await scrape(registry);
    const lagSeconds = (secondCaughtUpMs - firstCaughtUpMs) / 1000;
    expect(valuesOf(families, 'tally_sync_lag_seconds', 'tally_sync_lag_seconds_count')).toEqual({ '': 1 });
    expect(valuesOf(families, 'tally_sync_lag_seconds', 'tally_sync_lag_seconds_sum')).toEqual({ '': lagSeconds });
    expect(valuesOf(families, 'tally_sync_lag_seconds', 'tally_sync_lag_seconds_bucket')).toMatchObject({ 'le=300': lagSeconds <= 300 ? 1 : 0, 'le=600': 1 });
    expect(valuesOf(families, 'tally_tenants_installed')).toEqual({ '': 2 });
    expect(valuesOf(families, 'tally_sync_lag_max_seconds')['']).toBeGreaterThanOrEqual(300);
  });

  it('shows queue depth by kind from the real in-process queue', async () => {
    const registry = createInMemoryMetricsRegistry();
    const queue = createInProcessJobQueue({ concurrency: 1, logger: silent });
    collectJobQueue(registry, queue);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.register('sync', () => gate);
    queue.register('webhook', () => gate);
    for (const key of ['t_a', 't_b', 't_c']) queue.enqueue({ kind: 'sync', key, priority: 1, payload: {} });
    queue.enqueue({ kind: 'webhook', key: 't_d', priority: 5, payload: {} });
    await new Promise((resolve) => setImmediate(resolve));
    const busy = await scrape(registry);
    expect(valuesOf(busy, 'tally_jobs_running')).toEqual({ 'kind=sync': 1 });
    expect(valuesOf(busy, 'tally_jobs_waiting')).toEqual({ 'kind=sync': 2, 'kind=webhook': 1 });
    release();
    await queue.idle();
    const idle = await scrape(registry);
    expect(valuesOf(idle, 'tally_jobs_running')).toEqual({ 'kind=sync': 0 });
    expect(valuesOf(idle, 'tally_jobs_waiting')).toEqual({ 'kind=sync': 0 });
    await queue.stop();
  });

  it.skipIf(!postgresAvailable())('shows the whole shared queue of every instance on pg-boss', { timeout: 60_000 }, async (context) => {
    const database = await createTestPostgresDatabase();
    const here = createTestPgBossQueue(database.url, 1);
    const there = createTestPgBossQueue(database.url, 1);
    context.onTestFinished(async ({ task }) => {
      await Promise.all([here.stop(), there.stop()]);
      if (task.result?.state !== 'fail') await database.drop();
    });
    const registry = createInMemoryMetricsRegistry();
    collectJobQueue(registry, here);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    for (const queue of [here, there]) queue.register<string>('sync', async (key) => {
      started.push(key);
      await gate;
    });
    for (const key of ['t_a', 't_b', 't_c', 't_d']) there.enqueue({ kind: 'sync', key, priority: 1, payload: key });
    await Promise.all([here.start(), there.start()]);
    // One job runs on each instance (concurrency 1); the other two wait.
    const deadline = Date.now() + 20_000;
    while (started.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const busy = await scrape(registry);
    expect(valuesOf(busy, 'tally_jobs_running')).toEqual({ 'kind=sync': 2 });
    expect(valuesOf(busy, 'tally_jobs_waiting')).toEqual({ 'kind=sync': 2 });
    release();
  });

  it('counts Jira points, responses and a quota 429 as the simulated Jira saw them, and shows the pause', async () => {
    const h = createJiraClientHarness();
    const registry = createInMemoryMetricsRegistry();
    const coordinator = countJiraCalls(registry, h.coordinator, h.clock);
    collectJiraBudget(registry, coordinator, h.clock);
    const client = h.client({ coordinator });
    await client.getUpdatedWorklogs({ sinceMs: 0 });
    h.sim.limits.exhaustQuota();
    const failed = await h.client({ coordinator, maxRateLimitedAttempts: 1 }).getServerTimeMs().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(AppError);

    const families = await scrape(registry);
    const counters = Object.values(h.sim.limits.counters());
    const sum = (pick: (counter: { calls: number; points: number; throttled: number }) => number) => counters.reduce((total, counter) => total + pick(counter), 0);
    expect(valuesOf(families, 'tally_jira_responses_total')).toEqual({ 'code=2xx': sum((c) => c.calls - c.throttled), 'code=429': sum((c) => c.throttled) });
    expect(valuesOf(families, 'tally_jira_throttled_total')).toEqual({ 'reason=jira-quota-global-based': 1 });
    // Tally's estimate of a read is what Jira charges for it (1 + objects returned, §3); a 429 is estimated at 1.
    expect(valuesOf(families, 'tally_jira_points_spent_total')).toEqual({ '': sum((c) => c.points) + sum((c) => c.throttled) });
    // The whole app waits for the top of the UTC hour (within Retry-After's whole second).
    const untilTopOfHourSeconds = (Math.ceil(h.sim.clock.now() / 3_600_000) * 3_600_000 - h.sim.clock.now()) / 1000;
    const pause = valuesOf(families, 'tally_jira_app_pause_seconds')['']!;
    expect(pause).toBeGreaterThanOrEqual(untilTopOfHourSeconds);
    expect(pause).toBeLessThan(untilTopOfHourSeconds + 1);
    expect(valuesOf(families, 'tally_jira_points_remaining')).toEqual({ '': 0 });
    expect(valuesOf(families, 'tally_jira_points_per_hour')).toEqual({ '': 65_000 });
    expect(valuesOf(families, 'tally_jira_wait_seconds', 'tally_jira_wait_seconds_count')).toEqual({ 'priority=incremental': h.sent.length });
  });

  it('times report answers by report and outcome without changing them', { timeout: 60_000 }, async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 500, seed: 'metrics-reports' } } });
    bed.tally.sync.start();
    const installed = await bed.sim.connect.install(bed.descriptorUrl);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    const tenantId = (await bed.connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id as TenantId;
    await bed.tally.queue.idle();
    const adminId = [...bed.sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!.accountId;
    const registry = createInMemoryMetricsRegistry();
    const reports = timeReportService(registry, bed.tally.reports);
    const question = toReportQuestion(parseOrReject(questionSchema(reportQuestionShape), { from: '2000-01-01', to: '2030-12-31', timeZone: 'UTC', groupBy: ['user'] }, 'question'));
    const viewer = { tenantId, accountId: adminId };

    expect(await reports.summaryWire(viewer, question)).toEqual(await bed.tally.reports.summaryWire(viewer, question));
    await reports.details(viewer, question, { limit: 10 });
    await expect(reports.summaryWire({ tenantId, accountId: undefined }, question)).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });

    const families = await scrape(registry);
    expect(valuesOf(families, 'tally_report_duration_seconds', 'tally_report_duration_seconds_count')).toEqual({
      'report=summary,outcome=ok': 1,
      'report=details,outcome=ok': 1,
      'report=summary,outcome=error': 1,
    });
  });

  it('reports readiness and the process figures', async () => {
    const registry = createInMemoryMetricsRegistry();
    let ready = true;
    collectReadiness(registry, async () => {
      if (!ready) throw new Error('control database gone');
      return { ready };
    });
    const process = collectProcess(registry);
    try {
      let families = await scrape(registry);
      expect(valuesOf(families, 'tally_ready')).toEqual({ '': 1 });
      expect(valuesOf(families, 'process_resident_memory_bytes')['']).toBeGreaterThan(10 * 1024 * 1024);
      expect(valuesOf(families, 'process_open_fds')['']).toBeGreaterThan(2);
      expect(valuesOf(families, 'nodejs_eventloop_lag_max_seconds')['']).toBeGreaterThanOrEqual(0);
      ready = false;
      families = await scrape(registry);
      expect(valuesOf(families, 'tally_ready')).toEqual({ '': 0 });
    } finally {
      process.close();
    }
  });
});

describe('docs/operations.md', () => {
  it('describes every metric /metrics exposes, and no other', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 23, 8));
    const registry = createInMemoryMetricsRegistry();
    const unused = () => Promise.reject(new Error('not called: only the declarations are read'));
    const coordinator = countJiraCalls(registry, createRateLimitCoordinator({ clock, sleep: async () => {} }), clock);
    createSyncMetrics(registry, { clock, listInstalledTenantIds: async () => [] });
    collectJobQueue(registry, createInProcessJobQueue({ concurrency: 1, logger: silent }));
    collectJiraBudget(registry, coordinator, clock);
    timeReportService(registry, createReportService({ columnsFor: unused, openStore: unused, live: createLiveJiraData({ clock, clientFor: unused }) }));
    collectReadiness(registry, async () => ({ ready: true }));
    const process = collectProcess(registry);
    const exposed = [...(await scrape(registry)).keys()].sort();
    process.close();
    const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const documented = [...docs.matchAll(/^\| `([a-z_:]+)` \| (?:counter|gauge|histogram) \|/gm)].map((match) => match[1]!).sort();
    expect(documented).toEqual(exposed);
  });
});
