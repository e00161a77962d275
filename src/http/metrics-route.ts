import { createHash, timingSafeEqual } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Hono } from 'hono';
import type { JobQueue, QueueSnapshot } from '../jobs/job-queue.js';
import type { RateLimitCoordinator } from '../jira/rate-limit-coordinator.js';
import { parseRateLimitHeaders } from '../jira/rate-limit-headers.js';
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { MetricsRegistry } from '../platform/metrics.js';
import type { ReportService } from '../reporting/report-service.js';
import type { SyncOutcome } from '../sync/sync-tenant.js';
import type { TenantId } from '../tenants/tenant.js';
import { errorResponse } from './error-handler.js';

/*
 * Tally's `/metrics` (issue 14): the route, and the collectors that read Tally's own ports into
 * the registry. No metric carries a tenant label: at thousands of tenants one series per tenant
 * and metric is thousands of series per scrape, re-created on every install — Prometheus' own
 * guidance is to keep label values to small, fixed sets. Per-tenant detail stays where it is
 * (`tally tenants list`, `/api/sync/status`, logs); metrics carry distributions and the worst case.
 */

/** Shortest bearer token the route accepts; a generated one (`openssl rand -hex 32`) is 64 characters. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * `GET /metrics` in Prometheus text format, behind `Authorization: Bearer <token>`. Without a token
 * the route is not mounted at all (404, as for any unknown path): metrics name queue and tenant
 * counts an outsider has no business reading, so they are never public by default. The token is
 * checked when the routes are built (too short → throws) and compared in constant time (both
 * sides hashed first, so lengths leak nothing). Scrapes are never cached.
 */
export function metricsRoutes(deps: { registry: Pick<MetricsRegistry, 'render' | 'contentType'>; token: string | undefined }): Hono {
  const routes = new Hono();
  if (deps.token === undefined) return routes;
  if (deps.token.length < MIN_METRICS_TOKEN_LENGTH) throw new Error(`The metrics token must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  const expected = digest(deps.token);
  routes.get('/metrics', async (c) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      const error = match ? new AppError('AUTH_INVALID', 'The metrics token is not valid') : new AppError('AUTH_MISSING', 'The metrics need a bearer token');
      c.header('WWW-Authenticate', 'Bearer realm="tally-metrics"');
      return errorResponse(c, error);
    }
    return c.body(await deps.registry.render(), 200, { 'content-type': deps.registry.contentType, 'cache-control': 'no-store' });
  });
  return routes;
}

/** Seconds-scale buckets for sync lag: the interval is minutes (TALLY_SYNC_INTERVAL_SECONDS), trouble is hours. */
const LAG_BUCKETS_SECONDS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400];

/** What {@link createSyncMetrics} gives the composition root. */
export interface SyncMetrics {
  /** The sync service's `onOutcome`: counts the run, and a caught-up run ends the tenant's lag. */
  recordOutcome(tenantId: TenantId, outcome: SyncOutcome): void;
}

/**
 * Sync metrics from the sync service's outcomes: runs, pages and worklogs written (counters), and
 * lag. A tenant's lag is how long ago its last caught-up run (`synced`) finished, as this process
 * saw it. `tally_sync_lag_seconds` observes, at each caught-up run, the lag it ended (how stale the
 * tenant had become); `tally_sync_lag_max_seconds` is the largest lag over the installed tenants at
 * scrape time — the one a histogram observed at completion cannot show: a tenant that never
 * completes again. A tenant this process has not seen caught up counts from when the process
 * first listed it (a restart starts every lag from zero). Memory: one number per installed tenant.
 */
export function createSyncMetrics(registry: MetricsRegistry, deps: { clock: Clock; listInstalledTenantIds(): Promise<readonly TenantId[]> }): SyncMetrics {
  const runs = registry.counter({ name: 'tally_sync_runs_total', help: 'Sync runs by how they ended (synced: caught up; partial: a backfill turn ended; skipped: no Jira access) and the phase they ended in.', labelNames: ['status', 'phase'] });
  const pages = registry.counter({ name: 'tally_sync_pages_total', help: 'Change-feed pages the sync runs committed.' });
  const worklogs = registry.counter({ name: 'tally_sync_worklogs_total', help: 'Worklogs the sync runs wrote, by change (upserted, deleted, skipped_stale: an older copy than the stored one).', labelNames: ['change'] });
  const lag = registry.histogram({ name: 'tally_sync_lag_seconds', help: 'At each caught-up sync run: seconds since the same tenant last caught up (how stale its data had become).', buckets: LAG_BUCKETS_SECONDS });
  const lagMax = registry.gauge({ name: 'tally_sync_lag_max_seconds', help: 'The largest lag of any installed tenant now: seconds since its last caught-up sync run (or since this process first listed it).' });
  const installed = registry.gauge({ name: 'tally_tenants_installed', help: 'Installed tenants.' });
  const caughtUpAtMs = new Map<TenantId, number>();

  registry.onCollect('sync-lag', async () => {
    const tenantIds = await deps.listInstalledTenantIds();
    const nowMs = deps.clock.nowMs();
    const current = new Set(tenantIds);
    // Uninstalled tenants leave the map, so it stays one entry per installed tenant.
    for (const tenantId of caughtUpAtMs.keys()) if (!current.has(tenantId)) caughtUpAtMs.delete(tenantId);
    let oldestMs = nowMs;
    for (const tenantId of tenantIds) {
      if (!caughtUpAtMs.has(tenantId)) caughtUpAtMs.set(tenantId, nowMs);
      oldestMs = Math.min(oldestMs, caughtUpAtMs.get(tenantId)!);
    }
    installed.set(undefined, tenantIds.length);
    lagMax.set(undefined, (nowMs - oldestMs) / 1000);
  });

  return {
    recordOutcome(tenantId, outcome) {
      runs.inc({ status: outcome.status, phase: outcome.status === 'skipped' ? 'none' : outcome.phase });
      if (outcome.status === 'skipped') return;
      pages.inc(undefined, outcome.counts.pages);
      worklogs.inc({ change: 'upserted' }, outcome.counts.upserted);
      worklogs.inc({ change: 'deleted' }, outcome.counts.deleted);
      worklogs.inc({ change: 'skipped_stale' }, outcome.counts.skippedStale);
      if (outcome.status !== 'synced') return;
      const nowMs = deps.clock.nowMs();
      const previousMs = caughtUpAtMs.get(tenantId);
      if (previousMs !== undefined) lag.observe(undefined, Math.max(0, nowMs - previousMs) / 1000);
      caughtUpAtMs.set(tenantId, nowMs);
    },
  };
}

/** The part of a job name before the key: `sync:t_…` → `sync`. Kinds are a fixed, small set. */
const kindOf = (job: string) => job.slice(0, Math.max(0, job.indexOf(':'))) || job;

/**
 * Queue depth at scrape time: running and waiting jobs per kind. A shared queue (pg-boss) offers
 * `inspect()`, which reads the whole queue of every instance, and is preferred; the in-process
 * queue's `snapshot()` is this process's.
 */
export function collectJobQueue(registry: MetricsRegistry, queue: Pick<JobQueue, 'snapshot'> & { inspect?(): Promise<QueueSnapshot> }): void {
  const running = registry.gauge({ name: 'tally_jobs_running', help: 'Running jobs by kind (on a shared pg-boss queue: of every instance).', labelNames: ['kind'] });
  const waiting = registry.gauge({ name: 'tally_jobs_waiting', help: 'Waiting jobs by kind (on a shared pg-boss queue: of every instance).', labelNames: ['kind'] });
  registry.onCollect('job-queue', async () => {
    const snapshot = queue.inspect ? await queue.inspect() : queue.snapshot();
    for (const [gauge, jobs] of [[running, snapshot.running], [waiting, snapshot.queued]] as const) {
      gauge.reset();
      const byKind = new Map<string, number>();
      for (const job of jobs) byKind.set(kindOf(job), (byKind.get(kindOf(job)) ?? 0) + 1);
      for (const [kind, count] of byKind) gauge.set({ kind }, count);
      // An empty queue still says so, so dashboards show 0 rather than a gap.
      if (jobs.length === 0) gauge.set({ kind: 'sync' }, 0);
    }
  });
}

/** The points budget and pauses at scrape time, from the rate-limit coordinator's snapshot. */
export function collectJiraBudget(registry: MetricsRegistry, coordinator: Pick<RateLimitCoordinator, 'snapshot'>, clock: Clock): void {
  const quota = registry.gauge({ name: 'tally_jira_points_per_hour', help: "The app's hourly Jira points quota (Jira's figure once it sent one)." });
  const remaining = registry.gauge({ name: 'tally_jira_points_remaining', help: "Estimated Jira points left this UTC hour for the whole app (Jira's last figure minus what was spent since)." });
  const appPause = registry.gauge({ name: 'tally_jira_app_pause_seconds', help: 'Seconds until every Jira call may go again after a spent quota; 0 when not paused.' });
  const pausedTenants = registry.gauge({ name: 'tally_jira_paused_tenants', help: "Tenants whose own Jira quota is spent (all their calls wait)." });
  const pausedEndpoints = registry.gauge({ name: 'tally_jira_paused_endpoints', help: 'Tenant × endpoint pairs paused by a burst or per-issue 429.' });
  registry.onCollect('jira-budget', () => {
    const snapshot = coordinator.snapshot();
    quota.set(undefined, snapshot.pointsPerHour);
    remaining.set(undefined, snapshot.remainingPointsEstimate);
    appPause.set(undefined, Math.max(0, ((snapshot.appPausedUntilMs ?? 0) - clock.nowMs()) / 1000));
    pausedTenants.set(undefined, Object.keys(snapshot.tenantPausedUntilMs).length);
    pausedEndpoints.set(undefined, Object.keys(snapshot.endpointPausedUntilMs).length);
  });
}

/** The `RateLimit-Reason` values Jira documents and the coordinator acts on (rate-limit-coordinator.ts); anything else is `other`, so the label stays bounded. */
const KNOWN_THROTTLE_REASONS = new Set(['jira-quota-global-based', 'jira-quota-tenant-based', 'jira-burst-based', 'jira-per-issue-on-write']);

const WAIT_BUCKETS_SECONDS = [0.01, 0.1, 1, 5, 30, 60, 300, 900, 3600];

/**
 * Wraps the rate-limit coordinator (every Jira call passes through it) to count what Jira said:
 * points spent (Tally's estimate), responses by status class, 429s by Jira's reason, and how long
 * calls waited for the budget or a pause, by priority. Behaviour is unchanged: every call is
 * passed through as it is.
 */
export function countJiraCalls(registry: MetricsRegistry, coordinator: RateLimitCoordinator, clock: Clock): RateLimitCoordinator {
  const points = registry.counter({ name: 'tally_jira_points_spent_total', help: 'Jira points this process spent, as Tally estimates them (1 + objects returned for reads).' });
  const responses = registry.counter({ name: 'tally_jira_responses_total', help: 'Jira responses by status class (2xx, 3xx, 4xx, 429, 5xx).', labelNames: ['code'] });
  const throttled = registry.counter({ name: 'tally_jira_throttled_total', help: "Jira 429 responses by RateLimit-Reason (other: none or an unknown one).", labelNames: ['reason'] });
  const waited = registry.histogram({ name: 'tally_jira_wait_seconds', help: 'How long Jira calls waited for the points budget or a pause before going, by priority.', labelNames: ['priority'], buckets: WAIT_BUCKETS_SECONDS });
  return {
    async acquire(request) {
      const startMs = clock.nowMs();
      await coordinator.acquire(request);
      waited.observe({ priority: request.priority }, (clock.nowMs() - startMs) / 1000);
    },
    record(response) {
      points.inc(undefined, Math.max(0, response.pointsEstimate));
      responses.inc({ code: response.status === 429 ? '429' : `${Math.floor(response.status / 100)}xx` });
      if (response.status === 429) {
        const reason = parseRateLimitHeaders(response.headers, clock.nowMs()).reason;
        throttled.inc({ reason: reason !== undefined && KNOWN_THROTTLE_REASONS.has(reason) ? reason : 'other' });
      }
      return coordinator.record(response);
    },
    snapshot: () => coordinator.snapshot(),
  };
}

const REPORT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Wraps the report service to time its answers: the summary (API and export), a details page and
 * the session (the viewer's zone), each with `outcome` ok or error. Exports' streamed details are
 * not timed: their duration is the client's reading speed. `elapsedMs` is a monotonic clock
 * (performance.now by default), because a duration must not jump with the wall clock.
 */
export function timeReportService(registry: MetricsRegistry, reports: ReportService, elapsedMs: () => number = () => performance.now()): ReportService {
  const duration = registry.histogram({ name: 'tally_report_duration_seconds', help: 'Time to answer a report question, by report and outcome.', labelNames: ['report', 'outcome'], buckets: REPORT_BUCKETS_SECONDS });
  const timed = <A extends unknown[], R>(report: string, answer: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const startMs = elapsedMs();
      let outcome = 'error';
      try {
        const result = await answer(...args);
        outcome = 'ok';
        return result;
      } finally {
        duration.observe({ report, outcome }, (elapsedMs() - startMs) / 1000);
      }
    };
  return {
    ...reports,
    summaryWire: timed('summary', reports.summaryWire),
    summary: timed('summary', reports.summary),
    details: timed('details', reports.details),
    session: timed('session', reports.session),
  };
}

/** `tally_ready`: 1 when `/readyz` would say ready (control database and job runner up), else 0. */
export function collectReadiness(registry: MetricsRegistry, readiness: () => Promise<{ ready: boolean }>): void {
  const ready = registry.gauge({ name: 'tally_ready', help: 'Whether this instance is ready (the /readyz check): 1 or 0.' });
  registry.onCollect('readiness', async () => {
    ready.set(undefined, (await readiness().catch(() => ({ ready: false }))).ready ? 1 : 0);
  });
}

/**
 * The process: resident memory, open file descriptors (Linux: /proc/self/fd) and the longest
 * event-loop delay since the previous scrape — the three figures issue 14's targets are about.
 * Names are prom-client's defaults, so dashboards built for them work. `close()` stops the
 * event-loop monitor.
 */
export function collectProcess(registry: MetricsRegistry): { close(): void } {
  const rss = registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.' });
  const fds = registry.gauge({ name: 'process_open_fds', help: 'Number of open file descriptors.' });
  const loopMax = registry.gauge({ name: 'nodejs_eventloop_lag_max_seconds', help: 'The longest event-loop delay since the previous scrape, in seconds.' });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  registry.onCollect('process', async () => {
    rss.set(undefined, process.memoryUsage.rss());
    // No /proc (not Linux): the series is left out rather than reported as 0.
    const open = await readdir('/proc/self/fd').catch(() => undefined);
    if (open) fds.set(undefined, open.length);
    loopMax.set(undefined, loop.max / 1e9);
    loop.reset();
  });
  return { close: () => loop.disable() };
}
