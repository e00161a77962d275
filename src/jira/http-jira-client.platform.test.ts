import { describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../test/support/jira-client-harness.js';
import type { SimIssue, SimUser } from '../../simulator/jira/jira-site.js';
import { isAppError } from '../platform/app-error.js';
import { createRateLimitCoordinator } from './rate-limit-coordinator.js';

const small = () => createJiraClientHarness({ generate: { worklogs: 200, issues: 150, users: 30 } });

function withParent(h: JiraClientHarness): SimIssue {
  const issue = [...h.sim.site.issues.values()].find((i) => i.parentId !== undefined);
  if (!issue) throw new Error('the generated site has no child issue');
  return issue;
}

function addMember(h: JiraClientHarness): SimUser {
  return h.sim.site.addUser({
    accountId: '5b10ac8d82e05b22cc7d4e99',
    displayName: 'Rita Restricted',
    active: true,
    timeZone: 'Europe/Vienna',
    accountType: 'atlassian',
    groups: ['jira-software-users'],
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('HttpJiraClient platform reads against the simulated Jira', () => {
  it('fetches keys, summaries, projects and parents of issues by id and by key', async () => {
    const h = small();
    const child = withParent(h);
    const parent = h.sim.site.issues.get(child.parentId!)!;
    const lone = [...h.sim.site.issues.values()].find((i) => i.parentId === undefined)!;
    const { issues, failedIdsOrKeys } = await h.client().getIssues([child.id, lone.key.toLowerCase()]);
    expect(failedIdsOrKeys).toEqual([]);
    const project = (issue: SimIssue) => {
      const p = h.sim.site.projects.get(issue.projectId)!;
      return { id: p.id, key: p.key, name: p.name };
    };
    const expected = [
      { id: child.id, key: child.key, summary: child.summary, project: project(child), parent: { id: parent.id, key: parent.key, summary: parent.summary } },
      { id: lone.id, key: lone.key, summary: lone.summary, project: project(lone), parent: null },
    ].sort((a, b) => a.id - b.id);
    expect(issues).toEqual(expected);
    const body = h.sent.filter((r) => r.url.endsWith('/rest/api/3/issue/bulkfetch'));
    expect(body).toHaveLength(1);
  });

  it('leaves deleted and unknown issues out instead of failing', async () => {
    const h = small();
    const [gone, kept] = [...h.sim.site.issues.values()];
    h.sim.site.deleteIssue(gone!.id);
    const { issues } = await h.client().getIssues([gone!.id, kept!.id, 987654321, 'NOPE-1']);
    expect(issues.map((i) => i.id)).toEqual([kept!.id]);
  });

  it('refuses more than 100 issues and sends nothing for none', async () => {
    const h = small();
    const ids = Array.from({ length: 101 }, (_, i) => i + 1);
    expect(isAppError(await rejection(h.client().getIssues(ids)), 'INTERNAL')).toBe(true);
    expect(await h.client().getIssues([])).toEqual({ issues: [], failedIdsOrKeys: [] });
    expect(h.sent).toHaveLength(0);
  });

  it('reads users past Jira’s default page of 10, with 48×48 avatars; unknown ids are absent', async () => {
    const h = small();
    const users = [...h.sim.site.users.values()].filter((u) => u.accountType === 'atlassian').slice(0, 25);
    const answer = await h.client().getUsers([...users.map((u) => u.accountId), 'unknown-account']);
    expect(answer).toHaveLength(25);
    for (const user of users) {
      const got = answer.find((a) => a.accountId === user.accountId);
      expect(got).toMatchObject({ displayName: user.displayName, active: user.active, timeZone: user.timeZone });
      expect(got?.avatarUrl).toMatch(/\/48$/);
    }
    // `557058:`-style ids survive the query string and the request signature.
    expect(users.some((u) => u.accountId.includes(':'))).toBe(true);
  });

  it('finds projects by id and by key, ignoring unknown ones', async () => {
    const h = small();
    const [first, second] = [...h.sim.site.projects.values()];
    const projects = await h.client().getProjects({ ids: [first!.id, '99999'], keys: [second!.key.toLowerCase(), 'NOPE'] });
    expect(projects.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [first!, second!].map((p) => ({ id: p.id, key: p.key, name: p.name })).sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('checks another account’s global and browse permissions as the app', async () => {
    const h = small();
    const member = addMember(h);
    const [hidden, open] = [...h.sim.site.projects.values()];
    hidden!.browsers = [h.sim.generated!.admin.accountId];
    const hiddenIssue = [...h.sim.site.issues.values()].find((i) => i.projectId === hidden!.id)!;
    const openIssue = [...h.sim.site.issues.values()].find((i) => i.projectId === open!.id)!;
    const check = { globalPermissions: ['ADMINISTER'], projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issueIds: [hiddenIssue.id, openIssue.id] }] };
    const forMember = await h.client().checkPermissions({ accountId: member.accountId, ...check });
    expect(forMember.globalPermissions).toEqual(new Set());
    expect(forMember.projectPermissions.get('BROWSE_PROJECTS')?.issueIds).toEqual(new Set([openIssue.id]));
    const forAdmin = await h.client().checkPermissions({ accountId: h.sim.generated!.admin.accountId, ...check });
    expect(forAdmin.globalPermissions).toEqual(new Set(['ADMINISTER']));
    expect(forAdmin.projectPermissions.get('BROWSE_PROJECTS')?.issueIds).toEqual(new Set([hiddenIssue.id, openIssue.id]));
  });

  it('refuses more than 1000 issue ids in one permission check', async () => {
    const h = small();
    const issueIds = Array.from({ length: 1001 }, (_, i) => i + 1);
    const error = await rejection(h.client().checkPermissions({ accountId: 'a', projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issueIds }] }));
    expect(isAppError(error, 'INTERNAL')).toBe(true);
    expect(h.sent).toHaveLength(0);
  });

  it('lets interactive reads through while backfills wait for the hour’s reserve', async () => {
    // No rate-limit headers from the site: the coordinator's own estimate of 100 points an hour
    // applies, and one bulk fetch of 90 issues leaves less than the 20% reserve.
    const h = createJiraClientHarness({ generate: { worklogs: 200, issues: 150, users: 30 }, rateLimits: { enabled: false } });
    // No interactive budget: at 100 points an hour a tenant's 5% would refuse the second read (interactive-budget.test.ts).
    const coordinator = createRateLimitCoordinator({ clock: h.clock, sleep: h.sleep, pointsPerHour: 100, random: () => 0.5, interactiveBudget: { tenantShare: 1, totalShare: 1 } });
    const client = h.client({ coordinator });
    const ids = [...h.sim.site.issues.keys()].slice(0, 90);
    await client.getIssues(ids, { priority: 'interactive' });
    expect(coordinator.snapshot().remainingPointsEstimate).toBeLessThan(20);
    await client.getIssues(ids.slice(0, 1), { priority: 'interactive' });
    expect(h.sleeps).toEqual([]);
    await client.getIssues(ids.slice(0, 1), { priority: 'backfill' });
    expect(h.sleeps).toHaveLength(1);
  });
});
