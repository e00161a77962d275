import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { contextToken } from '../support/tally-tokens.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

async function installAndSync(options: Parameters<typeof createTallyTestbed>[0] = {}) {
  bed = await createTallyTestbed(options);
  bed.tally.sync.start();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error(`install failed: ${result.status}`);
  const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  await bed.tally.queue.idle();
  return tenantId;
}

async function expectInSync(tenantId: TenantId) {
  const store = await bed.tally.stores.open(tenantId);
  const expected = visibleSetOf(bed.sim, bed.config.appKey);
  const actual = await storedSetOf(store);
  expect(describeDifference(expected, actual)).toBe('missing 0 [], extra 0 [], different 0 []');
  expect(actual).toEqual(expected);
}

/** Installs with the sync service running and the faults armed, waits for the queue, and checks that every fault fired and nothing was lost. */
async function installAndWaitOutFaults(): Promise<TenantId> {
  bed.tally.sync.start();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  await expectInSync(tenantId);
  expect(bed.sim.faults.list()).toEqual([]);
  return tenantId;
}

/** Lets the hidden minute pass and runs the scheduled incremental sync for every tenant. */
async function scheduledSync() {
  bed.sim.clock.advance(61_000);
  await bed.tally.sync.syncAll();
  await bed.tally.queue.idle();
}

describe('worklog sync against the simulated site', () => {
  it('holds exactly the visible worklogs after the full sync an install starts', async () => {
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 6000, restrictedShare: 0.05, seed: 21 } } });
    await expectInSync(tenantId);
    const state = await (await bed.tally.stores.open(tenantId)).getSyncState();
    expect(state.phase).toBe('incremental');
    // The site's page can show where the sync stands.
    const credentials = (await bed.connect.findCredentials(tenantId))!;
    const token = contextToken({ clientKey: credentials.clientKey, sharedSecret: credentials.sharedSecret, nowMs: bed.sim.clock.now() });
    const status = await bed.app.request('/api/sync/status', { headers: { authorization: `JWT ${token}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ phase: 'incremental', fraction: 1, etaSeconds: 0, worklogsWritten: expect.any(Number), pointsBudget: { pointsPerHour: 65_000 } });
  });

  it('follows creations, edits, moves, deletions and a deleted issue with incremental syncs', async () => {
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 1500, seed: 5 } } });
    const { site } = bed.sim;
    const issues = [...site.issues.values()];
    const author = bed.sim.generated!.users[0]!.accountId;
    const created = Array.from({ length: 5 }, (_, i) =>
      site.createWorklog({ issueId: issues[i]!.id, authorId: author, comment: textToAdf(`new ${i} 🚀`), startedMs: site.clock.now() - 3600_000, timeSpentSeconds: 900 }),
    );
    const existing = [...site.worklogs.values()].filter((w) => !w.visibility).slice(0, 10);
    for (const w of existing.slice(0, 3)) site.updateWorklog(w.id, { timeSpentSeconds: w.timeSpentSeconds + 60, comment: textToAdf('edited') }, author);
    site.moveWorklogs([existing[3]!.id, existing[4]!.id], issues[7]!.id, author);
    for (const w of existing.slice(5, 8)) site.deleteWorklog(w.id);
    site.deleteWorklog(created[0]!.id);
    site.deleteIssue(issues[9]!.id);
    await scheduledSync();
    await expectInSync(tenantId);
  });

  it('loses nothing when Jira answers 429, 503, timeouts, resets and truncated bodies during the full sync', async () => {
    // A short request timeout: the injected timeouts cost real time (the abort is a real timer).
    // Two parse threads: truncated and HTML bodies are refused on the workers, as on a big machine.
    // The bulk path: the feed and `/worklog/list` from the first request (recent first: the next test).
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 5000, seed: 8 } }, env: { TALLY_JIRA_TIMEOUT_SECONDS: '1', TALLY_PARSE_THREADS: '2', TALLY_BACKFILL_STRATEGY: 'bulk' } });
    const { sim } = bed;
    sim.faults.add({ kind: 'status', status: 503, headers: { 'Retry-After': '7' }, match: { path: '/rest/api/3/worklog/list' }, times: 2 });
    sim.faults.add({ kind: 'status', status: 429, match: { path: '/rest/api/3/worklog/updated' }, times: 2 });
    sim.faults.add({ kind: 'truncate', fraction: 0.3, match: { path: '/rest/api/3/worklog/list' }, times: 2 });
    sim.faults.add({ kind: 'reset', match: { path: '/rest/api/3/worklog/updated' }, times: 1 });
    sim.faults.add({ kind: 'timeout', match: { path: '/rest/api/3/worklog/list' }, times: 2 });
    sim.faults.add({ kind: 'html200', match: { path: '/rest/api/3/worklog/list' }, times: 1 });
    sim.faults.add({ kind: 'duplicatePage', times: 2 });
    await installAndWaitOutFaults();
  });

  it('loses nothing when Jira answers 429, 503, timeouts, resets and truncated bodies during a recent-first sync’s issue-by-issue reads', async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 5000, seed: 9 } }, env: { TALLY_JIRA_TIMEOUT_SECONDS: '1', TALLY_PARSE_THREADS: '2' } });
    const { sim } = bed;
    const issueWorklogs = /^\/rest\/api\/3\/issue\/\d+\/worklog\?/;
    // Five on the issue reads: the first one goes alone (its hold in the shared ledger), and six failures of one call give up.
    sim.faults.add({ kind: 'status', status: 503, headers: { 'Retry-After': '7' }, match: { path: issueWorklogs }, times: 2 });
    sim.faults.add({ kind: 'status', status: 429, match: { path: '/rest/api/3/search/jql' }, times: 2 });
    sim.faults.add({ kind: 'truncate', fraction: 0.3, match: { path: issueWorklogs }, times: 1 });
    sim.faults.add({ kind: 'reset', match: { path: '/rest/api/3/search/jql' }, times: 1 });
    sim.faults.add({ kind: 'timeout', match: { path: issueWorklogs }, times: 1 });
    sim.faults.add({ kind: 'html200', match: { path: issueWorklogs }, times: 1 });
    const tenantId = await installAndWaitOutFaults();
    expect((await (await bed.tally.stores.open(tenantId)).getSyncState()).historyPath).toBe('issues');
  });

  it('waits out an exhausted hourly quota and finishes after the reset', async () => {
    // At half past an hour: started from the wall clock, a run a minute before the top of the hour
    // (CI at 14:59) saw the quota reset by itself within the interval's 61 s and never waited.
    const halfPast = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1_800_000;
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 300, seed: 2 }, startMs: halfPast } });
    bed.sim.site.createWorklog({ issueId: [...bed.sim.site.issues.keys()][0]!, authorId: bed.sim.generated!.users[1]!.accountId, comment: undefined, startedMs: bed.sim.clock.now(), timeSpentSeconds: 60 });
    bed.sim.limits.exhaustQuota();
    const before = bed.sim.clock.now();
    await scheduledSync();
    expect(bed.sim.clock.now() - before).toBeGreaterThan(61_000);
    await expectInSync(tenantId);
  });

  it('stays exact when webhooks are dropped, duplicated and reordered', async () => {
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 200, seed: 13 } } });
    const { site, connect } = bed.sim;
    connect.webhooks.configure({ reorder: 'shuffle', duplicateShare: 0.5 });
    connect.webhooks.dropNext(2);
    const author = bed.sim.generated!.users[0]!.accountId;
    const issueId = [...site.issues.keys()][3]!;
    const made = Array.from({ length: 6 }, (_, i) => site.createWorklog({ issueId, authorId: author, comment: textToAdf(`hook ${i}`), startedMs: site.clock.now(), timeSpentSeconds: 600 }));
    site.updateWorklog(made[1]!.id, { timeSpentSeconds: 1200 }, author);
    site.deleteWorklog(made[2]!.id);
    await connect.webhooks.flush();
    await bed.tally.queue.idle();
    // Webhooks alone already hold what they announced (the dropped ones aside)...
    const store = await bed.tally.stores.open(tenantId);
    expect((await storedSetOf(store)).some((r) => r.clientWorklogId === made[2]!.id)).toBe(false);
    // ...and the next scheduled sync repairs the rest.
    await scheduledSync();
    await expectInSync(tenantId);
  });

  it('replays webhook deliveries Jira gave up on, before polling could see the change', async () => {
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 100, seed: 3 } } });
    const { site, connect } = bed.sim;
    // Every delivery is refused (a bad signature) and Jira lists it as failed.
    connect.webhooks.configure({ tamper: 'wrong-key', listRejectedAsFailed: true, maxRetries: 0 });
    const worklog = site.createWorklog({ issueId: [...site.issues.keys()][0]!, authorId: bed.sim.generated!.users[0]!.accountId, comment: textToAdf('late'), startedMs: site.clock.now(), timeSpentSeconds: 300 });
    await connect.webhooks.flush();
    await bed.tally.queue.idle();
    const store = await bed.tally.stores.open(tenantId);
    expect((await storedSetOf(store)).some((r) => r.clientWorklogId === worklog.id)).toBe(false);
    // Still inside Jira's hidden minute: the feed cannot show it, the failed-webhook list can.
    bed.sim.clock.advance(5_000);
    await bed.tally.sync.syncAll();
    await bed.tally.queue.idle();
    expect((await storedSetOf(store)).find((r) => r.clientWorklogId === worklog.id)).toMatchObject({ timeSpentSeconds: 300 });
    expect((await store.getSyncState()).failedWebhooksAfterMs).toBeGreaterThan(0);
  });

  it('removes every worklog of an issue deleted with more than a page of them', async () => {
    const tenantId = await installAndSync({ simulator: { generate: { worklogs: 300, seed: 4 } } });
    const { site } = bed.sim;
    const issue = site.addIssue({ key: 'BIG-1', projectId: [...site.projects.keys()][0]!, summary: 'Data migration', issueType: 'Task', timeTrackingEnabled: true });
    const author = bed.sim.generated!.users[0]!.accountId;
    for (let i = 0; i < 1500; i++) site.createWorklog({ issueId: issue.id, authorId: author, comment: undefined, startedMs: site.clock.now() - i * 60_000, timeSpentSeconds: 900 });
    await scheduledSync();
    await expectInSync(tenantId);
    // One instant, 1500 deletions: `/worklog/deleted` cannot page past them.
    site.deleteIssue(issue.id);
    await scheduledSync();
    await expectInSync(tenantId);
  });
});

