import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import type { SimUser, SimWorklog } from '../../simulator/jira/jira-site.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { sqliteTenantDbPath } from '../../src/store/sqlite-store-provider.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { prepareLoopbackTally, type LoopbackTallyPlace } from '../support/loopback-tally.js';
import { contextToken } from '../support/tally-tokens.js';

/*
 * The admin page's API end to end over real HTTP on loopback: a simulated Jira site (real clock)
 * installs Tally started the production way; Jira itself says who is a site admin. Expected
 * values come from the simulator's own data, the backup file on disk and the audit log.
 */

const DAY_MS = 86_400_000;

interface Overview {
  sync: { phase: string; fraction: number; worklogsWritten: number; lastFullSyncAtMs?: number };
  lastIncrementalSyncAtMs: number | null;
  webhook: { lastReceivedAtMs: number | null; lastLagMs: number | null };
  reconciliation: null | { atMs: number; missing: number; extra: number; invisible: number; jiraVisible: number };
  backups: { id: string; createdAtMs: number; sizeBytes: number }[];
}

let sim: Simulator;
let closeSim: () => Promise<void>;
let place: LoopbackTallyPlace;
let config: Config;
let server: RunningServer;
let clientKey: string;
let sharedSecret: string;
let tenantId: TenantId;
let admin: SimUser;
let member: SimUser;
/** What the running full sync looked like on the admin page, caught while it ran. */
let runningSnapshot: Overview | undefined;
let runningStatus: Record<string, unknown> | undefined;

async function call(method: string, path: string, accountId: string | undefined, body?: unknown): Promise<Response> {
  const token = contextToken({ clientKey, sharedSecret, nowMs: Date.now(), ...(accountId === undefined ? {} : { accountId }) });
  const headers: Record<string, string> = { authorization: `JWT ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
}

async function overview(): Promise<Overview> {
  const response = await call('GET', '/api/admin/overview', admin.accountId);
  expect(response.status).toBe(200);
  return (await response.json()) as Overview;
}

async function errorOf(response: Response): Promise<{ code: string; details?: string[] }> {
  return ((await response.json()) as { error: { code: string; details?: string[] } }).error;
}

/** Worklogs the app user may read (what a sync must hold). */
function appVisible(): SimWorklog[] {
  const site = sim.site;
  const app = site.findApp(config.appKey)!;
  const appUser = site.users.get(app.appUserAccountId)!;
  return [...site.worklogs.values()].filter((worklog) => site.canSeeWorklog(worklog, appUser) && site.canBrowseIssue(site.issues.get(worklog.issueId)!, appUser));
}

async function storedRow(worklogId: number) {
  return (await (await server.tally.stores.open(tenantId)).getWorklogsByIds([worklogId]))[0];
}

const adminEvents = async () => (await server.tally.audit.listAudit({ tenantId, limit: 1000 })).filter((entry) => entry.event.startsWith('admin.'));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  sim = createSimulator({ clock: 'real', generate: { worklogs: 3000, seed: 16, restrictedShare: 0.02 } });
  const simServer = await sim.listen();
  closeSim = simServer.close;
  place = await prepareLoopbackTally('tally-admin-e2e-');
  config = loadConfig({ ...place.env, TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl, TALLY_ALLOWED_HOSTS: '127.0.0.1', TALLY_LOG_LEVEL: 'silent',
    // The longest interval: a scheduled backup (first at a random-looking offset) would land in this test's minute once in about 43,000 runs instead of 1,400.
    TALLY_BACKUP_INTERVAL_HOURS: '720' });
  server = await startServer(config);
  const users = [...sim.site.users.values()].filter((user) => user.accountType === 'atlassian' && user.active);
  admin = users.find((user) => user.siteAdmin)!;
  member = users.find((user) => !user.siteAdmin)!;

  // Every worklog and issue read answers 150 ms late, so the full sync is still running while the page looks.
  const slow = sim.faults.add({ kind: 'timeout', delayMs: 150, match: { path: /\/rest\/api\/3\/(worklog|issue|search)/ }, times: Infinity });
  const installed = await sim.connect.install(`${server.url}/atlassian-connect.json`);
  if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
  clientKey = installed.clientKey;
  sharedSecret = installed.sharedSecret;
  const session = (await (await call('GET', '/api/session', admin.accountId)).json()) as { tenantId: TenantId };
  tenantId = session.tenantId;
  runningSnapshot = await waitFor('the full sync to show progress', async () => {
    const seen = await overview();
    return seen.sync.phase === 'full' && (seen.sync.worklogsWritten > 0 || seen.sync.fraction > 0) ? seen : undefined;
  });
  runningStatus = (await (await call('GET', '/api/sync/status', admin.accountId)).json()) as Record<string, unknown>;
  sim.faults.remove(slow);
  await waitFor('the full sync to finish', async () => ((await overview()).sync.phase === 'incremental' ? true : undefined), 60_000);
  await server.tally.queue.idle();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await closeSim?.();
  place?.remove();
});

describe('admin API over real HTTP', () => {
  it('shows a running full sync with its progress, the same status /api/sync/status gives', () => {
    expect(runningSnapshot!.sync.phase).toBe('full');
    expect(runningSnapshot!.sync.fraction).toBeLessThan(1);
    expect(runningSnapshot!.sync.worklogsWritten).toBeLessThan(appVisible().length);
    expect(Object.keys(runningSnapshot!.sync).sort()).toEqual(Object.keys(runningStatus!).sort());
    expect(runningSnapshot!.reconciliation).toBeNull();
    expect(runningSnapshot!.backups).toEqual([]);
  });

  it('shows the last incremental sync once the full sync has finished', async () => {
    const seen = await overview();
    expect(seen.sync).toMatchObject({ phase: 'incremental', fraction: 1 });
    expect(seen.lastIncrementalSyncAtMs).toEqual(expect.any(Number));
    expect(seen.lastIncrementalSyncAtMs!).toBeLessThanOrEqual(Date.now());
    expect(seen.lastIncrementalSyncAtMs!).toBeGreaterThanOrEqual(seen.sync.lastFullSyncAtMs! - 5_000);
  });

  it('shows a reconciliation that found a missing worklog and repaired it', async () => {
    const missing = appVisible()[10]!;
    const db = new Database(sqliteTenantDbPath(config.dataDir, tenantId));
    try {
      expect(db.prepare('DELETE FROM worklogs WHERE client_worklog_id = ?').run(missing.id).changes).toBe(1);
    } finally {
      db.close();
    }
    const before = (await adminEvents()).length;
    const response = await call('POST', '/api/admin/reconcile', admin.accountId);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ queued: true });
    await server.tally.queue.idle();

    const seen = await overview();
    expect(seen.reconciliation).toEqual({ atMs: expect.any(Number), missing: 1, extra: 0, invisible: 0, jiraVisible: appVisible().length });
    expect((await storedRow(missing.id))?.timeSpentSeconds).toBe(missing.timeSpentSeconds);
    expect((await adminEvents()).slice(before).map((entry) => entry.event)).toEqual(['admin.reconcile_requested']);
  });

  it('shows when the last webhook arrived and how late', async () => {
    const issue = sim.site.issues.get(appVisible()[0]!.issueId)!;
    const sentAtMs = Date.now();
    // The event's own timestamp (what the webhook body carries), stamped as Jira emits it: with a
    // real clock it may be a millisecond after the worklog's `updated`.
    let eventTimestampMs: number | undefined;
    const off = sim.site.onWorklogEvent((event) => (eventTimestampMs ??= event.timestamp));
    const created = sim.site.createWorklog({ issueId: issue.id, authorId: admin.accountId, comment: undefined, startedMs: sentAtMs - 3_600_000, timeSpentSeconds: 1800 });
    off();
    await waitFor('the webhook to be applied', async () => ((await storedRow(created.id)) ? true : undefined));
    await server.tally.queue.idle();
    const seen = await overview();
    expect(seen.webhook.lastReceivedAtMs!).toBeGreaterThanOrEqual(sentAtMs);
    expect(seen.webhook.lastReceivedAtMs!).toBeLessThanOrEqual(Date.now());
    // Tally received the event after Jira stamped it; the lag is exactly the difference.
    expect(eventTimestampMs).toBeGreaterThanOrEqual(created.updatedMs);
    expect(seen.webhook.lastLagMs).toBe(seen.webhook.lastReceivedAtMs! - eventTimestampMs!);
  });

  it('creates a backup and lists it with the size of its file', async () => {
    const before = (await adminEvents()).length;
    const response = await call('POST', '/api/admin/backups', admin.accountId);
    expect(response.status).toBe(201);
    const { backup } = (await response.json()) as { backup: Overview['backups'][number] };
    const file = join(config.backupDir, tenantId, `${backup.id}.sqlite`);
    expect(backup.sizeBytes).toBe(statSync(file).size);
    expect(backup.sizeBytes).toBeGreaterThan(100_000);
    expect((await overview()).backups).toEqual([backup]);
    const events = (await server.tally.audit.listAudit({ tenantId, limit: 1000 })).map((entry) => entry.event);
    expect(events.slice(-2)).toEqual(['admin.backup_requested', 'backup.created']);
    expect((await adminEvents()).length).toBe(before + 1);
  });

  it('re-syncs a date range: a silent change inside is repaired, one outside is not touched', async () => {
    const worklogs = appVisible().sort((a, b) => a.startedMs - b.startedMs);
    const inside = worklogs[Math.floor(worklogs.length / 2)]!;
    const from = new Date(inside.startedMs - 2 * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(inside.startedMs + 2 * DAY_MS).toISOString().slice(0, 10);
    const outside = worklogs.find((worklog) => worklog.startedMs < inside.startedMs - 10 * DAY_MS)!;
    const outsideBefore = await storedRow(outside.id);
    // Changed in Jira with no feed entry and no webhook: only a re-read can find it.
    for (const worklog of [inside, outside]) Object.assign(worklog, { timeSpentSeconds: worklog.timeSpentSeconds + 300, updatedMs: Date.now() });
    const before = (await adminEvents()).length;

    const response = await call('POST', '/api/admin/resync', admin.accountId, { from, to });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ queued: true });
    await server.tally.queue.idle();

    expect((await storedRow(inside.id))?.timeSpentSeconds).toBe(inside.timeSpentSeconds);
    expect(await storedRow(outside.id)).toEqual(outsideBefore);
    const [event] = (await adminEvents()).slice(before);
    expect(event).toMatchObject({ event: 'admin.resync_requested', detail: { step: 'date_range', dateRange: `${from}..${to}` } });
  });

  it('re-syncs everything by running the full sync again', async () => {
    const lastFull = (await overview()).sync.lastFullSyncAtMs!;
    const response = await call('POST', '/api/admin/resync', admin.accountId, {});
    expect(response.status).toBe(202);
    await server.tally.queue.idle();
    const seen = await overview();
    expect(seen.sync.phase).toBe('incremental');
    expect(seen.sync.lastFullSyncAtMs!).toBeGreaterThan(lastFull);
    expect((await adminEvents()).at(-1)).toMatchObject({ event: 'admin.resync_requested', detail: { step: 'everything' } });
  });

  it('refuses a bad re-sync request with a stable code, queueing nothing', async () => {
    const before = (await adminEvents()).length;
    const cases: [unknown, string][] = [
      [{ from: '2026-01-01' }, 'to: must be given with from, as a date YYYY-MM-DD'],
      [{ from: '2026-02-30', to: '2026-03-01' }, 'from: must be a calendar date YYYY-MM-DD from 1970 on'],
      [{ from: '2026-03-02', to: '2026-03-01' }, 'to: must not be before from'],
      [{ from: '2024-01-01', to: '2025-01-01' }, 'to: the range may span at most 366 days; re-sync everything instead'],
      [{ from: '2026-01-01', to: '2026-01-02', tenant: 'x' }, 'tenant: is not a field of this request'],
      [[], 'body: must be a JSON object'],
    ];
    for (const [body, detail] of cases) {
      const response = await call('POST', '/api/admin/resync', admin.accountId, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'ADMIN_INPUT_INVALID', details: [detail] });
    }
    expect((await adminEvents()).length).toBe(before);
  });

  it('refuses every route to an account Jira does not call a site admin, and to a call without an account', async () => {
    const before = await server.tally.audit.listAudit({ tenantId, limit: 1000 });
    const backupsBefore = (await overview()).backups;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/admin/overview'],
      ['POST', '/api/admin/resync', {}],
      ['POST', '/api/admin/reconcile'],
      ['POST', '/api/admin/backups'],
    ];
    for (const [method, path, body] of routes) {
      const refused = await call(method, path, member.accountId, body);
      expect(refused.status, path).toBe(403);
      expect((await errorOf(refused)).code).toBe('AUTH_FORBIDDEN');
      const anonymous = await call(method, path, undefined, body);
      expect(anonymous.status, path).toBe(401);
    }
    await server.tally.queue.idle();
    expect(await server.tally.audit.listAudit({ tenantId, limit: 1000 })).toEqual(before);
    expect((await overview()).backups).toEqual(backupsBefore);
  });
});
