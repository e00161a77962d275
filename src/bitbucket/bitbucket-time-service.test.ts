import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator } from '../../simulator/bitbucket/create-bitbucket-simulator.js';
import { createPullRequest, type KeyPlacement } from '../../simulator/bitbucket/generate-workspace.js';
import type { BbPullRequest, BbRepository } from '../../simulator/bitbucket/bitbucket-model.js';
import { appJwtAuthorization } from '../../simulator/bitbucket/testing/bitbucket-callers.js';
import type { SimIssue, SimUser, SimWorklog } from '../../simulator/jira/jira-site.js';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';
import { isAppError } from '../platform/app-error.js';
import type { Fetch } from '../platform/fetch.js';
import { createLiveJiraData } from '../reporting/live/live-jira-data.js';
import { createSqliteStoreProvider } from '../store/sqlite-store-provider.js';
import type { WorklogRow } from '../store/worklog-row.js';
import { openControlDb } from '../tenants/control-db.js';
import { createSqlTenantRegistry } from '../tenants/sql-tenant-registry.js';
import type { Tenant } from '../tenants/tenant.js';
import { createBitbucketApi } from './bitbucket-client.js';
import type { BitbucketInstallation, BitbucketInstallationId } from './bitbucket-installations.js';
import { createBitbucketTimeService } from './bitbucket-time-service.js';
import type { RepositoryRef } from './bitbucket-time-ports.js';

const check = createBitbucketResponseCheck();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  expect(check.takeMismatches()).toEqual([]);
});

const DAY_MS = 86_400_000;

/** Jira's timestamp form in UTC, as the sync stores it. */
const jiraTimestamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** A synced row of a simulated worklog (what the sync would write). */
function syncedRow(worklog: SimWorklog): WorklogRow {
  return {
    clientWorklogId: worklog.id,
    accountId: worklog.authorId,
    clientIssueId: worklog.issueId,
    comment: null,
    created: jiraTimestamp(worklog.createdMs),
    updated: jiraTimestamp(worklog.updatedMs),
    started: jiraTimestamp(worklog.startedMs),
    timeSpentSeconds: worklog.timeSpentSeconds,
    startedMs: worklog.startedMs,
    updatedMs: worklog.updatedMs,
  };
}

/**
 * A Jira site with synced worklogs in a real SQLite tenant store, a real control database with the
 * tenant, live Jira data over the Jira simulator, and a Bitbucket workspace with the app installed.
 */
async function setup() {
  const h = createJiraClientHarness({ generate: { worklogs: 1500, issues: 24, projects: 3, users: 8 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bb-time-'));
  const control = await openControlDb({ dataDir });
  const stores = createSqliteStoreProvider({ dataDir });
  cleanups.push(async () => {
    await stores.close();
    await control.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const registry = createSqlTenantRegistry({ db: control.db, clock: h.clock });
  const tenant: Tenant = await registry.transaction((tx) => tx.createTenant({ platform: 'test-edge', product: 'jira', baseUrl: `${h.sim.site.baseUrl}/` }));
  const synced = h.visibleWorklogs();
  await (await stores.open(tenant.id)).applyBatch({ upserts: synced.map(syncedRow), deletions: [] });
  const live = createLiveJiraData({ clientFor: async () => h.client(), clock: h.clock });
  const service = createBitbucketTimeService({ registry, stores, live, clock: h.clock });

  const bb = createBitbucketSimulator({ inspectResponse: check.inspect, generate: { pullRequestsPerRepository: 0 } });
  const bbInstallation = bb.model.installConnectApp('tally-bb', bb.generated!.workspace.slug);
  const bitbucketCalls: string[] = [];
  const bbFetch: Fetch = (input, init) => {
    bitbucketCalls.push(String(input));
    return bb.fetch(input, init);
  };
  const api = createBitbucketApi({
    apiBaseUrl: bb.baseUrl,
    fetch: bbFetch,
    authorize: async ({ method, url }) => appJwtAuthorization(bbInstallation, method, url.pathname + url.search, bb.clock.now()),
  });
  const installation: BitbucketInstallation = {
    id: 'bb_0123456789abcdef01234567' as BitbucketInstallationId,
    edge: 'bitbucket-test',
    state: 'active',
    installer: { uuid: bb.generated!.users[0]!.uuid, username: null, avatarUrl: null },
    jiraTenantId: tenant.id,
    linkedAtMs: h.clock.nowMs(),
    createdAtMs: h.clock.nowMs(),
  };

  // Three issues with synced worklogs: A and B in one project, C in a project the viewer may not browse.
  const worklogsOf = (issue: SimIssue) => synced.filter((w) => w.issueId === issue.id);
  const projects = [...h.sim.site.projects.values()];
  const withWorklogs = (projectId: string) => [...h.sim.site.issues.values()].filter((i) => i.projectId === projectId && worklogsOf(i).length >= 3);
  const [a, b] = withWorklogs(projects[0]!.id) as [SimIssue, SimIssue];
  const [c] = withWorklogs(projects[1]!.id) as [SimIssue];
  const addJiraUser = (accountId: string, extra: Partial<SimUser> = {}) =>
    h.sim.site.addUser({ accountId, displayName: `Viewer ${accountId}`, active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'], ...extra });
  const viewer = addJiraUser('5b10ac8d82e05b22cc7d4e11');
  const admin = addJiraUser('5b10ac8d82e05b22cc7d4e22', { siteAdmin: true });
  projects[1]!.browsers = [admin.accountId];

  return { h, bb, api, service, registry, tenant, installation, synced, worklogsOf, a, b, c, viewer, admin, bitbucketCalls };
}

type Setup = Awaited<ReturnType<typeof setup>>;

function refOf(s: Setup, repository: BbRepository): RepositoryRef {
  return { workspace: s.bb.generated!.workspace.slug, repository: repository.slug };
}

/** A pull request naming `placement`'s keys, open over [openedAtMs, closedAtMs). */
function pullRequest(s: Setup, placement: Partial<KeyPlacement>, openedAtMs: number, closedAtMs: number, repository = s.bb.generated!.repositories[0]!): BbPullRequest {
  const keys = [...new Set([...(placement.branch ?? []), ...(placement.title ?? []), ...(placement.summary ?? []), ...(placement.commits ?? []).flat()])];
  const pr = createPullRequest(s.bb.model, s.bb.generated!.random, { repository, issueKeys: keys, placement, state: 'MERGED', createdOnMs: openedAtMs });
  pr.updatedOnMs = closedAtMs;
  return pr;
}

/** Sums of the simulator's worklogs, per account: the truth the answer must match. */
function sumsOf(worklogs: readonly SimWorklog[], counts: (w: SimWorklog) => boolean = () => true) {
  const byAccount: Record<string, { seconds: number; secondsWhileOpen: number }> = {};
  let seconds = 0;
  let secondsWhileOpen = 0;
  for (const w of worklogs) {
    const entry = (byAccount[w.authorId] ??= { seconds: 0, secondsWhileOpen: 0 });
    entry.seconds += w.timeSpentSeconds;
    seconds += w.timeSpentSeconds;
    if (counts(w)) {
      entry.secondsWhileOpen += w.timeSpentSeconds;
      secondsWhileOpen += w.timeSpentSeconds;
    }
  }
  return { seconds, secondsWhileOpen, byAccount };
}

const byAccountRecord = (entries: readonly { accountId: string | null; seconds: number; secondsWhileOpen?: number }[]) =>
  Object.fromEntries(entries.map(({ accountId, ...sums }) => [String(accountId), sums]));

describe('Bitbucket time service: pull-request panel', () => {
  it('sums the visible issues’ synced worklogs in all and while open, hides the issue the viewer may not browse, and names people live', async () => {
    const s = await setup();
    const { a, b, c } = s;
    const starts = s.worklogsOf(a).map((w) => w.startedMs).sort((x, y) => x - y);
    const openedAtMs = starts[Math.floor(starts.length / 3)]!;
    const closedAtMs = openedAtMs + 90 * DAY_MS;
    const pr = pullRequest(s, { branch: [a.key], title: [b.key], commits: [[a.key], [c.key], ['NOPE-9999']] }, openedAtMs, closedAtMs);

    const panel = await s.service.pullRequestPanel({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: refOf(s, s.bb.generated!.repositories[0]!), pullRequestId: pr.id });

    const whileOpen = (w: SimWorklog) => w.startedMs >= openedAtMs && w.startedMs < closedAtMs;
    const expectedA = sumsOf(s.worklogsOf(a), whileOpen);
    const expectedB = sumsOf(s.worklogsOf(b), whileOpen);
    const expectedTotal = sumsOf([...s.worklogsOf(a), ...s.worklogsOf(b)], whileOpen);
    expect(panel.time.issues.map((i) => [i.key, i.visible])).toEqual([
      [a.key, true],
      [b.key, true],
      [c.key, false],
    ]);
    const [issueA, issueB, hidden] = panel.time.issues as [any, any, any];
    expect([issueA.issueId, issueA.seconds, issueA.secondsWhileOpen, byAccountRecord(issueA.byAccount)]).toEqual([a.id, expectedA.seconds, expectedA.secondsWhileOpen, expectedA.byAccount]);
    expect([issueB.issueId, issueB.seconds, issueB.secondsWhileOpen, byAccountRecord(issueB.byAccount)]).toEqual([b.id, expectedB.seconds, expectedB.secondsWhileOpen, expectedB.byAccount]);
    expect(hidden).toEqual({ key: c.key, visible: false });
    expect(panel.time.unknownKeys).toEqual(['NOPE-9999']);
    expect([panel.time.total.seconds, panel.time.total.secondsWhileOpen, byAccountRecord(panel.time.total.byAccount)]).toEqual([expectedTotal.seconds, expectedTotal.secondsWhileOpen, expectedTotal.byAccount]);
    expect(expectedTotal.secondsWhileOpen).toBeGreaterThan(0);
    expect(expectedTotal.secondsWhileOpen).toBeLessThan(expectedTotal.seconds);

    const site = s.h.sim.site;
    expect(panel.people).toEqual(
      Object.fromEntries(
        Object.keys(expectedTotal.byAccount).map((accountId) => {
          const user = site.users.get(accountId)!;
          return [accountId, { accountId, displayName: user.displayName, avatarUrl: expect.any(String) }];
        }),
      ),
    );
    expect(panel.issueDetails).toEqual({
      [a.id]: { key: a.key, summary: a.summary, url: `${site.baseUrl}/browse/${a.key}` },
      [b.id]: { key: b.key, summary: b.summary, url: `${site.baseUrl}/browse/${b.key}` },
    });
    expect(panel.siteUrl).toBe(site.baseUrl);
    expect(panel.pullRequest).toEqual({ id: pr.id, title: pr.title, state: 'MERGED', openedAtMs, closedAtMs });
    expect([panel.viewerMatched, panel.truncated]).toEqual([true, false]);
  });

  it('shows a site admin every issue', async () => {
    const s = await setup();
    const pr = pullRequest(s, { branch: [s.c.key], title: [], commits: [[s.a.key]] }, 0, 1);
    const panel = await s.service.pullRequestPanel({ installation: s.installation, viewerAccountId: s.admin.accountId, api: s.api, repository: refOf(s, s.bb.generated!.repositories[0]!), pullRequestId: pr.id });
    expect(panel.time.issues.map((i) => [i.key, i.visible])).toEqual([
      [s.c.key, true],
      [s.a.key, true],
    ]);
    expect(panel.time.total.seconds).toBe(sumsOf([...s.worklogsOf(s.c), ...s.worklogsOf(s.a)]).seconds);
  });

  it('hides every issue from a viewer Jira does not know, or no viewer at all', async () => {
    const s = await setup();
    const pr = pullRequest(s, { branch: [s.a.key], title: [s.b.key], commits: [[s.c.key]] }, 0, 1);
    for (const viewerAccountId of [undefined, '5b10ac8d82e05b22cc7d4eff']) {
      const panel = await s.service.pullRequestPanel({ installation: s.installation, viewerAccountId, api: s.api, repository: refOf(s, s.bb.generated!.repositories[0]!), pullRequestId: pr.id });
      expect(panel.time.issues).toEqual([s.a, s.b, s.c].map((i) => ({ key: i.key, visible: false })));
      expect(panel.time.total).toEqual({ seconds: 0, secondsWhileOpen: 0, byAccount: [] });
      expect([panel.viewerMatched, panel.people, panel.issueDetails]).toEqual([false, {}, {}]);
    }
  });

  it('says it stopped reading when a pull request has more commits than it reads', async () => {
    const s = await setup();
    const commits = Array.from({ length: 1_001 }, (_, i) => (i === 1_000 ? [s.b.key] : [s.a.key]));
    const pr = pullRequest(s, { branch: [], title: [], commits }, 0, 1);
    const panel = await s.service.pullRequestPanel({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: refOf(s, s.bb.generated!.repositories[0]!), pullRequestId: pr.id });
    expect(panel.truncated).toBe(true);
    // Bitbucket lists the pull request's commits oldest first here: the 1,001st (naming B) was not read.
    expect(panel.time.issues.map((i) => i.key)).toEqual([s.a.key]);
  });

  it('refuses a pending installation, an unlinked one and one linked to a disabled or uninstalled site, before calling Bitbucket', async () => {
    const s = await setup();
    const ask = (installation: BitbucketInstallation) =>
      s.service.pullRequestPanel({ installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: { workspace: 'w', repository: 'r' }, pullRequestId: 1 }).then(
        () => 'answered',
        (error: unknown) => (isAppError(error) ? error.code : String(error)),
      );
    expect(await ask({ ...s.installation, state: 'pending' })).toBe('BITBUCKET_INSTALLATION_PENDING');
    expect(await ask({ ...s.installation, jiraTenantId: null, linkedAtMs: null })).toBe('BITBUCKET_NOT_LINKED');
    expect(await ask({ ...s.installation, jiraTenantId: 't_00000000000000000000ffff' as Tenant['id'] })).toBe('BITBUCKET_NOT_LINKED');
    await s.registry.setEnabled(s.tenant.id, false, s.h.clock.nowMs());
    expect(await ask(s.installation)).toBe('BITBUCKET_NOT_LINKED');
    await s.registry.setEnabled(s.tenant.id, true, s.h.clock.nowMs());
    await s.registry.markUninstalled(s.tenant.id, s.h.clock.nowMs());
    expect(await ask(s.installation)).toBe('BITBUCKET_NOT_LINKED');
    expect(s.bitbucketCalls).toEqual([]);
  });
});

describe('Bitbucket time service: repository page', () => {
  it('sums the period’s worklogs of the issues named in branch, title or description of the repository’s pull requests', async () => {
    const s = await setup();
    const { a, b, c } = s;
    const repository = s.bb.generated!.repositories[1]!;
    const [d] = [...s.h.sim.site.issues.values()].filter((i) => i.projectId === a.projectId && i.id !== a.id && i.id !== b.id && s.worklogsOf(i).length > 0) as [SimIssue];
    pullRequest(s, { branch: [a.key], title: [], summary: [], commits: [[d.key]] }, 0, 1, repository);
    pullRequest(s, { branch: [], title: [c.key], summary: ['NOPE-77'], commits: [[]] }, 10, 11, repository);
    pullRequest(s, { branch: [], title: [], summary: [b.key, a.key], commits: [[]] }, 20, 21, repository);
    const starts = s.worklogsOf(a).map((w) => w.startedMs).sort((x, y) => x - y);
    const fromMs = starts[Math.floor(starts.length / 4)]!;
    const toMs = fromMs + 120 * DAY_MS;

    const page = await s.service.repositoryPage({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: refOf(s, repository), fromMs, toMs });

    const inPeriod = (w: SimWorklog) => w.startedMs >= fromMs && w.startedMs < toMs;
    const periodSums = (worklogs: SimWorklog[]) => {
      const { secondsWhileOpen: seconds, byAccount } = sumsOf(worklogs, inPeriod);
      return { seconds, byAccount: Object.fromEntries(Object.entries(byAccount).filter(([, sums]) => sums.secondsWhileOpen > 0).map(([id, sums]) => [id, { seconds: sums.secondsWhileOpen }])) };
    };
    // Most recently updated pull request first: its keys (B, A) lead; D, only in a commit, is not read.
    expect(page.time.issues.map((i) => [i.key, i.visible])).toEqual([
      [b.key, true],
      [a.key, true],
      [c.key, false],
    ]);
    const [issueB, issueA] = page.time.issues as [any, any];
    expect([issueA.seconds, byAccountRecord(issueA.byAccount)]).toEqual(Object.values(periodSums(s.worklogsOf(a))));
    expect([issueB.seconds, byAccountRecord(issueB.byAccount)]).toEqual(Object.values(periodSums(s.worklogsOf(b))));
    const total = periodSums([...s.worklogsOf(a), ...s.worklogsOf(b)]);
    expect([page.time.total.seconds, byAccountRecord(page.time.total.byAccount)]).toEqual([total.seconds, total.byAccount]);
    expect(total.seconds).toBeGreaterThan(0);
    expect(page.time.unknownKeys).toEqual(['NOPE-77']);
    expect(Object.keys(page.issueDetails).sort()).toEqual([String(a.id), String(b.id)].sort());
    expect(Object.keys(page.people).sort()).toEqual(Object.keys(total.byAccount).sort());
    expect([page.pullRequestsRead, page.truncated, page.viewerMatched, page.fromMs, page.toMs]).toEqual([3, false, true, fromMs, toMs]);
  });

  it('reads the 200 most recently updated pull requests and at most 300 keys, and says it stopped there', async () => {
    const s = await setup();
    const repository = s.bb.generated!.repositories[1]!;
    const ref = refOf(s, repository);
    const period = { fromMs: 0, toMs: 366 * DAY_MS };
    // The oldest pull request names A; 200 newer ones name B: A is beyond the 200 read.
    pullRequest(s, { branch: [s.a.key], title: [], commits: [[]] }, 0, 1, repository);
    for (let i = 0; i < 200; i++) pullRequest(s, { branch: [], title: [s.b.key], commits: [[]] }, 10 + i, 11 + i, repository);
    const page = await s.service.repositoryPage({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: ref, ...period });
    expect([page.pullRequestsRead, page.truncated, page.time.issues.map((i) => i.key)]).toEqual([200, true, [s.b.key]]);

    // Four newer pull requests naming 100 keys each (none on the site): only the first 300 distinct keys are resolved.
    const many = Array.from({ length: 400 }, (_, i) => `ZZ-${i + 1}`);
    for (let p = 0; p < 4; p++) pullRequest(s, { branch: [], title: [], summary: many.slice(p * 100, p * 100 + 100), commits: [[]] }, 1_000 - p, 1_001 - p, repository);
    const capped = await s.service.repositoryPage({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository: ref, ...period });
    expect(capped.truncated).toBe(true);
    expect(capped.time.unknownKeys).toEqual(many.slice(0, 300));
  });

  it('refuses an empty, reversed or longer than 366-day period with REQUEST_INVALID, before calling Bitbucket', async () => {
    const s = await setup();
    const repository = refOf(s, s.bb.generated!.repositories[1]!);
    for (const [fromMs, toMs] of [
      [1_000, 1_000],
      [2_000, 1_000],
      [0, 366 * DAY_MS + 1],
      [Number.NaN, 1],
    ] as const) {
      const error = await s.service.repositoryPage({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository, fromMs, toMs }).catch((e: unknown) => e);
      expect(isAppError(error, 'REQUEST_INVALID'), `${fromMs}..${toMs}`).toBe(true);
    }
    expect(s.bitbucketCalls).toEqual([]);
    const page = await s.service.repositoryPage({ installation: s.installation, viewerAccountId: s.viewer.accountId, api: s.api, repository, fromMs: 0, toMs: 366 * DAY_MS });
    expect([page.pullRequestsRead, page.time.issues]).toEqual([0, []]);
  });
});
