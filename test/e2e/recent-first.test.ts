import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { ReportCoverage } from '../../src/reporting/report-coverage.js';
import type { SyncStatus } from '../../src/sync/sync-status.js';
import { syncTenant } from '../../src/sync/sync-tenant.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { storedSetOf, visibleSetOf, type StatementFields } from '../support/site-expectations.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken } from '../support/tally-tokens.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

/** A turn of a backfill as the sync service runs it, short enough that the history takes many. */
const PAGES_PER_TURN = 3;

async function install(): Promise<{ tenantId: TenantId; clientKey: string; sharedSecret: string }> {
  // Two years of history; the recent window (this month and the last) holds a few percent of it.
  bed = await createTallyTestbed({ simulator: { generate: { worklogs: 12_000, years: 2, seed: 43 } } });
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error(`install failed: ${result.status}`);
  const credentials = (await bed.connect.findCredentialsByClientKey(result.clientKey))!;
  return { tenantId: credentials.tenant.id, clientKey: result.clientKey, sharedSecret: credentials.sharedSecret };
}

/** The simulator's truth restricted to worklogs started at or after `fromMs`. */
function visibleFrom(fromMs: number): StatementFields[] {
  return visibleSetOf(bed.sim, bed.config.appKey).filter((row) => bed.sim.site.worklogs.get(row.clientWorklogId)!.startedMs >= fromMs);
}

async function storedFrom(tenantId: TenantId, fromMs: number): Promise<StatementFields[]> {
  const ids = new Set(visibleFrom(fromMs).map((row) => row.clientWorklogId));
  const stored = await storedSetOf(await bed.tally.stores.open(tenantId));
  // Rows outside the truth's window are kept if their start is in the window as the store has it.
  return stored.filter((row) => ids.has(row.clientWorklogId) || Date.parse(row.started) >= fromMs);
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe('a first sync, recent first', () => {
  it('makes the recent window exact first and keeps it so, marks the rest as loading, then holds exactly the site', { timeout: 180_000 }, async () => {
    const { tenantId, clientKey, sharedSecret } = await install();
    const deps = bed.tally.syncDeps;
    const store = await bed.tally.stores.open(tenantId);
    const request = async (path: string, body?: unknown): Promise<Response> => {
      const admin = [...bed.sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!;
      const token = contextToken({ clientKey, sharedSecret, nowMs: bed.sim.clock.now(), accountId: admin.accountId });
      const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
      const response = await bed.app.request(path, { ...init, headers: { ...(init.headers ?? {}), authorization: `JWT ${token}` } });
      expect(response.status, path).toBe(200);
      return response;
    };
    const api = async <T>(path: string, body?: unknown): Promise<T> => (await (await request(path, body)).json()) as T;
    /** The summary export's last line (its total row) and the file's coverage header. */
    const summaryFile = async (from: string, to: string) => {
      const response = await request('/api/reports/export', { kind: 'summary', format: 'csv', from, to, timeZone: 'UTC', groupBy: ['user'] });
      const lines = (await response.text()).trim().split(/\r?\n/);
      return { coverage: response.headers.get('tally-coverage'), totalRow: lines.at(-1)! };
    };

    bed.sim.limits.resetCounters();
    // Tally prices a refused (429) answer at 1 point to stay on the safe side; the simulator charges it none.
    const simulatorPoints = () => Object.values(bed.sim.limits.counters()).reduce((sum, counter) => sum + counter.points + counter.throttled, 0);
    expect((await syncTenant(deps, tenantId, { mode: 'auto', maxPages: PAGES_PER_TURN })).status).toBe('partial');
    const first = await store.getSyncState();
    // What the first sync says it spent is what the simulated Jira charged (its own count, by its rule; bursts meet 429s).
    expect(first.fullSyncPoints).toBe(simulatorPoints());
    expect(first.recentWindowPoints).toBeGreaterThan(0);
    expect(first.recentWindowPoints).toBeLessThan(first.fullSyncPoints);
    expect(first.phase).toBe('full');
    expect(first.recentFromMs).toBeDefined();
    expect(first.recentReadAtMs).toBeDefined();
    const fromMs = first.recentFromMs!;
    // This month and the last, a day earlier for the zones ahead of UTC.
    const now = new Date(bed.sim.clock.now());
    expect(fromMs).toBe(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1) - 86_400_000);
    expect(visibleFrom(fromMs).length).toBeGreaterThan(200);
    expect(await storedFrom(tenantId, fromMs)).toEqual(visibleFrom(fromMs));

    // Changes while the history loads: in the window, into it, out of it, deleted.
    const { site } = bed.sim;
    const author = bed.sim.generated!.users[0]!.accountId;
    const issue = [...site.issues.values()][3]!;
    const inWindow = [...site.worklogs.values()].filter((w) => !w.visibility && w.startedMs >= fromMs + 86_400_000);
    const old = [...site.worklogs.values()].filter((w) => !w.visibility && w.startedMs < fromMs - 30 * 86_400_000);
    site.createWorklog({ issueId: issue.id, authorId: author, comment: textToAdf('new during the backfill'), startedMs: site.clock.now() - 3600_000, timeSpentSeconds: 1200 });
    site.updateWorklog(inWindow[0]!.id, { timeSpentSeconds: inWindow[0]!.timeSpentSeconds + 60, comment: textToAdf('edited') }, author);
    site.updateWorklog(old[0]!.id, { startedMs: fromMs + 2 * 86_400_000 }, author);
    site.updateWorklog(inWindow[1]!.id, { startedMs: fromMs - 90 * 86_400_000 }, author);
    site.deleteWorklog(inWindow[2]!.id);
    bed.sim.clock.advance(61_000);
    expect((await syncTenant(deps, tenantId, { mode: 'auto', maxPages: PAGES_PER_TURN })).status).toBe('partial');

    const status = await api<SyncStatus>('/api/sync/status');
    expect(status.phase).toBe('full');
    expect(status.fraction).toBeGreaterThan(0.02);
    expect(status.fraction).toBeLessThan(0.3);
    expect(status.completeFromMs).toBe(fromMs);
    expect(status.etaSeconds).toBeGreaterThan(0);
    expect(status.points.spent).toBe(simulatorPoints());
    expect(status.points.recentWindowPerWorklog).toBeCloseTo(first.recentWindowPoints / first.recentWindowWorklogs, 9);
    // The window equals the truth, changes included, while most of the history is still to come.
    expect(await storedFrom(tenantId, fromMs)).toEqual(visibleFrom(fromMs));
    expect(await store.countWorklogs()).toBeLessThan(visibleSetOf(bed.sim, bed.config.appKey).length / 2);

    // A report inside the window is complete and equals the truth; one reaching earlier says it is not.
    const lastMonth = utcDate(fromMs + 86_400_000);
    const today = utcDate(bed.sim.clock.now());
    const recent = await api<{ total: { seconds: number; worklogs: number }; coverage: ReportCoverage }>('/api/reports/summary', { from: lastMonth, to: today, timeZone: 'UTC', groupBy: ['user'] });
    const truth = visibleFrom(Date.parse(`${lastMonth}T00:00:00Z`));
    expect(recent.total).toEqual({ seconds: truth.reduce((sum, row) => sum + row.timeSpentSeconds, 0), worklogs: truth.length });
    expect(recent.coverage).toMatchObject({ complete: true, loading: true, completeFrom: new Date(fromMs).toISOString(), completeFromDate: utcDate(fromMs) });
    const all = await api<{ coverage: ReportCoverage }>('/api/reports/summary', { from: '2000-01-01', to: today, timeZone: 'UTC', groupBy: ['user'] });
    expect(all.coverage).toMatchObject({ complete: false, loading: true, completeFrom: new Date(fromMs).toISOString() });
    expect(all.coverage.etaSeconds).toBeGreaterThan(0);
    // Files say it too: never a "Total" over a range still loading.
    expect(await summaryFile('2000-01-01', today)).toMatchObject({ coverage: `partial; complete-from=${utcDate(fromMs)}`, totalRow: expect.stringMatching(new RegExp(`^0,"?Partial total \\(complete from ${utcDate(fromMs)}; earlier worklogs still loading\\)"?,`)) });
    expect(await summaryFile(lastMonth, today)).toMatchObject({ coverage: 'complete', totalRow: expect.stringMatching(/^0,Total,/) });
    const details = await request('/api/reports/export', { kind: 'details', format: 'csv', from: '2000-01-01', to: today, timeZone: 'UTC' });
    expect(details.headers.get('tally-coverage')).toBe(`partial; complete-from=${utcDate(fromMs)}`);
    await details.arrayBuffer();

    // The rest of the history, in turns; then the export is exactly the site.
    for (let turn = 0; turn < 200; turn++) {
      if ((await syncTenant(deps, tenantId, { mode: 'auto', maxPages: PAGES_PER_TURN })).status === 'synced') break;
    }
    const done = await store.getSyncState();
    expect(done.phase).toBe('incremental');
    expect(done.liveUpdatedCursorMs).toBeUndefined();
    // Its issues hold some 24 worklogs each: the history was read issue by issue, the cheaper way here.
    expect(done.historyPath).toBe('issues');
    // The resume points (issue ids) are not kept once they have served.
    expect([done.recentDoneThroughIssueId, done.historyFirstIssueId, done.historyLastIssueId, done.historyDoneThroughIssueId]).toEqual([undefined, undefined, undefined, undefined]);
    const exported: string[] = [];
    const io = { stdout: { write: (text: string) => exported.push(text), isTTY: false }, stderr: { write: () => {} } };
    expect(await runCli(['worklogs', 'export', '--tenant', clientKey], bed.config, bed.runtime, io)).toBe(0);
    const rows = exported.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const asFields = rows.map((r) => ({ clientWorklogId: r.client_worklog_id, accountId: r.account_id, clientIssueId: r.client_issue_id, comment: r.comment, created: r.created, updated: r.updated, started: r.started, timeSpentSeconds: r.time_spent_seconds }));
    expect(asFields).toEqual(visibleSetOf(bed.sim, bed.config.appKey));
    expect((await api<{ coverage: ReportCoverage }>('/api/reports/summary', { from: '2000-01-01', to: today, timeZone: 'UTC', groupBy: ['user'] })).coverage).toEqual({ complete: true, completeFrom: null, completeFromDate: null, loading: false, etaSeconds: null });
    expect(await summaryFile('2000-01-01', today)).toMatchObject({ coverage: 'complete', totalRow: expect.stringMatching(/^0,Total,/) });
  });
});
