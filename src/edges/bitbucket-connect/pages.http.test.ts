import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPullRequest } from '../../../simulator/bitbucket/generate-workspace.js';
import type { SimIssue, SimWorklog } from '../../../simulator/jira/jira-site.js';
import { createJiraClientHarness, type JiraClientHarness } from '../../../test/support/jira-client-harness.js';
import { createBitbucketTimeService } from '../../bitbucket/bitbucket-time-service.js';
import { createLiveJiraData } from '../../reporting/live/live-jira-data.js';
import { createSqliteStoreProvider } from '../../store/sqlite-store-provider.js';
import type { StoreProvider } from '../../store/tenant-store.js';
import type { Tenant } from '../../tenants/tenant.js';
import { startConnectEdgeTestbed, type ConnectEdgeTestbed } from './bitbucket-connect-test-kit.js';

/*
 * The pages end to end: Bitbucket (simulated) installs Tally and loads the iframes it names in its
 * descriptor; a Jira admin's pairing code is entered on the configure page; the panel and the
 * repository page show time from the linked Jira tenant's synced worklogs, checked against sums
 * computed here from the Jira simulator's own worklogs.
 */
const DAY_MS = 86_400_000;
const jiraTimestamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** Every `data-seconds` cell of the table with this caption, by its row header text. */
function tableSeconds(page: string, caption: string): Record<string, number[]> {
  const table = new RegExp(`<caption>${caption}</caption>([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  const rows: Record<string, number[]> = {};
  for (const [, header, cells] of table.matchAll(/<tr><th scope="row">([\s\S]*?)<\/th>([\s\S]*?)<\/tr>/g)) {
    const label = (header as string).replace(/<[^>]+>/g, '').split(' ')[0] as string;
    rows[label] = [...(cells as string).matchAll(/data-seconds="(\d+)"/g)].map((match) => Number(match[1]));
  }
  return rows;
}

describe('Bitbucket Connect pages with a linked Jira site', () => {
  let bed: ConnectEdgeTestbed;
  let h: JiraClientHarness;
  let stores: StoreProvider;
  let dataDir: string;
  let tenant: Tenant;
  let issues: { a: SimIssue; b: SimIssue; c: SimIssue };
  let worklogsOf: (issue: SimIssue) => SimWorklog[];
  let viewer: { uuid: string; accountId: string };
  let repositorySlug: string;
  let prId: number;
  let openedAtMs: number;
  let closedAtMs: number;

  beforeAll(async () => {
    h = createJiraClientHarness({ generate: { worklogs: 1200, issues: 24, projects: 3, users: 8 } });
    dataDir = mkdtempSync(join(tmpdir(), 'tally-bb-pages-'));
    stores = createSqliteStoreProvider({ dataDir });
    const live = createLiveJiraData({ clientFor: async () => h.client(), clock: h.clock });
    bed = await startConnectEdgeTestbed({ simulator: { generate: { pullRequestsPerRepository: 0 } }, time: ({ registry }) => createBitbucketTimeService({ registry, stores, live }) });

    // The Jira side: an installed tenant with its worklogs synced.
    tenant = await bed.registry.transaction((tx) => tx.createTenant({ platform: 'jira-connect', product: 'jira', baseUrl: h.sim.site.baseUrl }));
    const synced = h.visibleWorklogs();
    await (await stores.open(tenant.id)).applyBatch({
      upserts: synced.map((w) => ({ clientWorklogId: w.id, accountId: w.authorId, clientIssueId: w.issueId, comment: null, created: jiraTimestamp(w.createdMs), updated: jiraTimestamp(w.updatedMs), started: jiraTimestamp(w.startedMs), timeSpentSeconds: w.timeSpentSeconds, startedMs: w.startedMs, updatedMs: w.updatedMs })),
      deletions: [],
    });
    worklogsOf = (issue) => synced.filter((w) => w.issueId === issue.id);
    const projects = [...h.sim.site.projects.values()];
    const withWorklogs = (projectId: string) => [...h.sim.site.issues.values()].filter((i) => i.projectId === projectId && worklogsOf(i).length >= 3);
    const [a, b] = withWorklogs(projects[0]!.id) as [SimIssue, SimIssue];
    const [c] = withWorklogs(projects[1]!.id) as [SimIssue];
    issues = { a, b, c };

    // The Bitbucket viewer is a Jira user (same Atlassian account id) who may not browse project 2.
    viewer = bed.bb.generated!.users[1]!;
    h.sim.site.addUser({ accountId: viewer.accountId, displayName: 'Bitbucket Viewer', active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'] });
    projects[1]!.browsers = [];

    // A merged pull request naming the three issues (branch, title, commits) and an unknown key.
    const repository = bed.bb.generated!.repositories[0]!;
    repositorySlug = repository.slug;
    const starts = worklogsOf(a).map((w) => w.startedMs).sort((x, y) => x - y);
    openedAtMs = starts[Math.floor(starts.length / 3)]!;
    closedAtMs = openedAtMs + 60 * DAY_MS;
    const pr = createPullRequest(bed.bb.model, bed.bb.generated!.random, {
      repository,
      issueKeys: [a.key, b.key, c.key, 'NOPE-9999'],
      placement: { branch: [a.key], title: [b.key], summary: [], commits: [[c.key], ['NOPE-9999']] },
      state: 'MERGED',
      createdOnMs: openedAtMs,
    });
    pr.updatedOnMs = closedAtMs;
    prId = pr.id;

    await bed.install();
  });
  afterAll(async () => {
    await bed?.close();
    await stores?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const load = async (moduleKey: string, extra: { repository?: string; pullRequestId?: number } = {}) => {
    const response = await fetch(bed.bb.connect.pageUrl({ moduleKey, viewer: viewer.uuid, ...extra }));
    return { status: response.status, text: await response.text(), csp: response.headers.get('content-type') };
  };
  const post = async (path: string, form: Record<string, string>) => {
    const response = await fetch(`${bed.tallyUrl}${path}`, { method: 'POST', body: new URLSearchParams(form) });
    return { status: response.status, text: await response.text() };
  };
  const tokenIn = (page: string) => /name="token" value="([^"]+)"/.exec(page)?.[1] as string;
  const panel = () => load('tally-pull-request-time', { repository: repositorySlug, pullRequestId: prId });

  it('says "not linked yet" and how to link before a pairing code is entered', async () => {
    const answer = await panel();
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Not linked yet');
    expect(answer.text).toContain('pairing code');
  });

  it('links with a Jira admin\'s pairing code on the configure page, and refuses a wrong one with its code', async () => {
    const configure = await load('tally-configure');
    expect(configure.text).toContain('not linked');
    const wrong = await post('/bitbucket/configure/pair', { token: tokenIn(configure.text), code: 'AAAA-BBBB-CCCC-DDDD' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('BITBUCKET_PAIRING_CODE_INVALID');
    const { code } = await bed.installations.createPairingCode(tenant.id);
    const linked = await post('/bitbucket/configure/pair', { token: tokenIn(configure.text), code: code.toLowerCase() });
    expect(linked.status).toBe(200);
    expect(linked.text).toContain(`linked to the Jira site <a href="${h.sim.site.baseUrl}"`);
    expect((await load('tally-configure')).text).toContain('Unlink');
  });

  it('shows per issue the total and the time while open, per person with live names, the hidden issue without time, and the unknown key', async () => {
    const { a, b, c } = issues;
    const answer = await panel();
    expect(answer.status).toBe(200);
    const whileOpen = (w: SimWorklog) => w.startedMs >= openedAtMs && w.startedMs < closedAtMs;
    const sums = (worklogs: SimWorklog[]) => [worklogs.reduce((sum, w) => sum + w.timeSpentSeconds, 0), worklogs.filter(whileOpen).reduce((sum, w) => sum + w.timeSpentSeconds, 0)];
    const visible = [...worklogsOf(a), ...worklogsOf(b)];
    expect(tableSeconds(answer.text, 'Time per issue')).toEqual({ [a.key]: sums(worklogsOf(a)), [b.key]: sums(worklogsOf(b)), Total: sums(visible) });

    const people = tableSeconds(answer.text, 'Time per person');
    const authors = [...new Set(visible.map((w) => w.authorId))];
    expect(Object.values(people).map(([seconds]) => seconds).reduce((x, y) => x! + y!, 0)).toBe(sums(visible)[0]);
    for (const accountId of authors) expect(answer.text).toContain(h.sim.site.users.get(accountId)!.displayName.replace(/'/g, '&#39;'));
    expect(answer.text).toContain(`href="${h.sim.site.baseUrl}/browse/${a.key}"`);

    // The hidden issue is named, and nothing of its time appears.
    const hiddenSection = /<h2>Not visible to you<\/h2>([\s\S]*?)<\/ul>/.exec(answer.text)?.[1] ?? '';
    expect(hiddenSection).toContain(`<li>${c.key}</li>`);
    expect(tableSeconds(answer.text, 'Time per issue')[c.key]).toBeUndefined();
    expect(answer.text).toContain('<li>NOPE-9999</li>');
    // Accessible structure: headings, captioned tables with scoped headers, no script.
    expect(answer.text).toMatch(/<html lang="en">[\s\S]*<h1>/);
    expect(answer.text).toContain('<th scope="col">');
    expect(answer.text).not.toContain('<script');
  });

  it('shows the repository page for this month, then another period through its session token', async () => {
    const { a, b } = issues;
    const first = await load('tally-repository-time', { repository: repositorySlug });
    expect(first.status).toBe(200);
    expect(first.text).toContain('<option value="this-month" selected>');
    const fromMs = Math.floor(openedAtMs / DAY_MS) * DAY_MS;
    const toMs = fromMs + 100 * DAY_MS;
    const repo = `${bed.bb.generated!.workspace.slug}/${repositorySlug}`;
    const chosen = await post('/bitbucket/repository', { token: tokenIn(first.text), repo, period: 'custom', from: new Date(fromMs).toISOString().slice(0, 10), to: new Date(toMs - DAY_MS).toISOString().slice(0, 10) });
    expect(chosen.status).toBe(200);
    const inPeriod = (issue: SimIssue) => worklogsOf(issue).filter((w) => w.startedMs >= fromMs && w.startedMs < toMs).reduce((sum, w) => sum + w.timeSpentSeconds, 0);
    expect(tableSeconds(chosen.text, 'Time per issue')).toEqual({ [a.key]: [inPeriod(a)], [b.key]: [inPeriod(b)], Total: [inPeriod(a) + inPeriod(b)] });
    // The token is bound to this repository: another one is refused.
    const other = await post('/bitbucket/repository', { token: tokenIn(first.text), repo: `${bed.bb.generated!.workspace.slug}/other`, period: 'last-month' });
    expect(other.status).toBe(401);
  });

  it('unlinks from the configure page; the panel then says not linked again', async () => {
    const configure = await load('tally-configure');
    const unlinked = await post('/bitbucket/configure/unlink', { token: tokenIn(configure.text) });
    expect(unlinked.status).toBe(200);
    expect(unlinked.text).toContain('no longer linked');
    expect((await panel()).text).toContain('Not linked yet');
  });
});
