import { describe, expect, it } from 'vitest';
import { createJiraClientHarness, type JiraClientHarness } from '../../../test/support/jira-client-harness.js';
import { compileJqlText } from '../../../simulator/jira/jql/jql-evaluator.js';
import type { SimIssue, SimProject, SimUser } from '../../../simulator/jira/jira-site.js';
import type { SimulatorOptions } from '../../../simulator/create-simulator.js';
import { isAppError } from '../../platform/app-error.js';
import type { Fetch } from '../../platform/fetch.js';
import type { CallOptions, JiraClient } from '../../jira/jira-client.js';
import type { TenantId } from '../../tenants/tenant.js';
import { createRateLimitCoordinator } from '../../jira/rate-limit-coordinator.js';
import { createLiveJiraData, type LiveJiraDataOptions } from './live-jira-data.js';

/** Bodies of the `issue/bulkfetch` calls, to see which ids each one asked for. */
type Bodies = { bulkfetch: string[][] };

function setup(options: Partial<LiveJiraDataOptions> = {}, sim: Partial<SimulatorOptions> = {}, wiring: { interactiveBudget?: false } = {}) {
  const h = createJiraClientHarness({ generate: { worklogs: 300, issues: 220, users: 30 }, ...sim });
  const coordinator = wiring.interactiveBudget === false ? createRateLimitCoordinator({ clock: h.clock, sleep: h.sleep, random: () => 0.5, interactiveBudget: { tenantShare: 1, totalShare: 1 } }) : h.coordinator;
  const bodies: Bodies = { bulkfetch: [] };
  const fetch: Fetch = (input, init) => {
    if (String(input).endsWith('/rest/api/3/issue/bulkfetch')) bodies.bulkfetch.push((JSON.parse(String(init?.body)) as { issueIdsOrKeys: string[] }).issueIdsOrKeys);
    return h.fetch(input, init);
  };
  const priorities: (string | undefined)[] = [];
  const client = recordPriorities(h.client({ fetch, coordinator }), priorities);
  const live = createLiveJiraData({ clientFor: async () => client, clock: h.clock, ...options });
  return { h, live, t: h.tenantId, bodies, priorities };
}

/** Wraps every client method to note the priority it was called with. */
function recordPriorities(client: JiraClient, into: (string | undefined)[]): JiraClient {
  return new Proxy(client, {
    get(target, name: keyof JiraClient) {
      const method: unknown = target[name];
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        const options = args.find((a): a is CallOptions => typeof a === 'object' && a !== null && 'priority' in a);
        into.push(options?.priority);
        return method.apply(target, args);
      };
    },
  });
}

const calls = (h: JiraClientHarness, path: string) => h.sent.filter((r) => new URL(r.url).pathname === `/rest/api/3/${path}`).length;
const appUser = (h: JiraClientHarness) => h.sim.site.users.get(h.app.appUserAccountId)!;

/** What the simulated site itself says `jql` matches for the app. */
function siteMatches(h: JiraClientHarness, jql: string): number[] {
  const compiled = compileJqlText(jql, { site: h.sim.site, viewer: appUser(h) });
  return [...h.sim.site.issues.values()].filter((i) => h.sim.site.canBrowseIssue(i, appUser(h)) && compiled.matches(i)).map((i) => i.id).sort((a, b) => a - b);
}

function expectedIssue(h: JiraClientHarness, issue: SimIssue) {
  const project = h.sim.site.projects.get(issue.projectId)!;
  const parent = issue.parentId === undefined ? undefined : h.sim.site.issues.get(issue.parentId);
  return {
    id: issue.id,
    key: issue.key,
    summary: issue.summary,
    projectId: project.id,
    projectKey: project.key,
    projectName: project.name,
    parentId: parent?.id ?? null,
    parentKey: parent?.key ?? null,
    parentSummary: parent?.summary ?? null,
  };
}

function addUser(h: JiraClientHarness, accountId: string, extra: Partial<SimUser> = {}): SimUser {
  return h.sim.site.addUser({ accountId, displayName: `User ${accountId}`, active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'], ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('live issue details', () => {
  it('returns key, summary, project and parent of every issue as the site has them, in batches of 100', async () => {
    const { h, live, t, bodies } = setup();
    const all = [...h.sim.site.issues.values()];
    expect(all.some((i) => i.parentId !== undefined)).toBe(true);
    const details = await live.issues(t, all.map((i) => i.id));
    expect(details.size).toBe(all.length);
    for (const issue of all) expect(details.get(issue.id)).toEqual(expectedIssue(h, issue));
    expect(bodies.bulkfetch.map((ids) => ids.length)).toEqual([100, 100, 20]);
  });

  it('leaves deleted issues out, and does not ask again for them within the TTL', async () => {
    const { h, live, t } = setup();
    const [gone, kept] = [...h.sim.site.issues.values()] as [SimIssue, SimIssue];
    h.sim.site.deleteIssue(gone.id);
    const details = await live.issues(t, [gone.id, kept.id]);
    expect([...details.keys()]).toEqual([kept.id]);
    await live.issues(t, [gone.id]);
    expect(calls(h, 'issue/bulkfetch')).toBe(1);
  });

  it('answers from memory within the TTL and asks Jira again after it', async () => {
    const { h, live, t } = setup({ ttlMs: { issuesMs: 60_000 } });
    const issue = [...h.sim.site.issues.values()][0]!;
    await live.issues(t, [issue.id]);
    h.sim.clock.advance(59_999);
    issue.summary = 'Renamed in Jira';
    expect((await live.issues(t, [issue.id])).get(issue.id)?.summary).not.toBe('Renamed in Jira');
    expect(calls(h, 'issue/bulkfetch')).toBe(1);
    h.sim.clock.advance(1);
    expect((await live.issues(t, [issue.id])).get(issue.id)?.summary).toBe('Renamed in Jira');
    expect(calls(h, 'issue/bulkfetch')).toBe(2);
  });

  it('asks for each issue once when reports ask for overlapping issues at the same time', async () => {
    const { h, live, t, bodies } = setup();
    const ids = [...h.sim.site.issues.keys()];
    const [a, b, c] = await Promise.all([live.issues(t, ids.slice(0, 150)), live.issues(t, ids.slice(50, 200)), live.issues(t, ids.slice(0, 200))]);
    expect([a.size, b.size, c.size]).toEqual([150, 150, 200]);
    const asked = bodies.bulkfetch.flat();
    expect(asked).toHaveLength(200);
    expect(new Set(asked).size).toBe(200);
  });

  it('forgets a tenant on eviction', async () => {
    const { h, live, t } = setup();
    const id = [...h.sim.site.issues.keys()][0]!;
    await live.issues(t, [id]);
    live.evictTenant(t);
    await live.issues(t, [id]);
    expect(calls(h, 'issue/bulkfetch')).toBe(2);
  });

  it('keeps tenants apart', async () => {
    const { h, live, t } = setup();
    const id = [...h.sim.site.issues.keys()][0]!;
    await live.issues(t, [id]);
    await live.issues('t_00000000000000000000000b' as TenantId, [id]);
    live.evictTenant('t_00000000000000000000000b' as TenantId);
    await live.issues(t, [id]);
    expect(calls(h, 'issue/bulkfetch')).toBe(2);
  });

  it('makes every call as an interactive read', async () => {
    const { h, live, t, priorities } = setup();
    await live.issues(t, [...h.sim.site.issues.keys()].slice(0, 3));
    await live.users(t, [h.sim.generated!.admin.accountId]);
    await live.issueIdsForJql(t, 'issuetype = Epic');
    await live.issueIdsForProjects(t, [[...h.sim.site.projects.values()][0]!.key]);
    await (await live.viewerScope(t, addUser(h, 'viewer-1').accountId)).kind;
    expect(priorities.length).toBeGreaterThan(4);
    expect(new Set(priorities)).toEqual(new Set(['interactive']));
  });
});

describe('live user details', () => {
  it('returns names, 48×48 avatars and activity; unknown account ids are absent', async () => {
    const { h, live, t } = setup();
    addUser(h, 'former-1', { active: false, displayName: 'Former user' });
    const users = [...h.sim.site.users.values()].filter((u) => u.accountType === 'atlassian');
    const found = await live.users(t, [...users.map((u) => u.accountId), 'no-such-account']);
    expect(found.size).toBe(users.length);
    for (const user of users) {
      expect(found.get(user.accountId)).toMatchObject({ accountId: user.accountId, displayName: user.displayName, active: user.active, timeZone: user.timeZone });
      expect(found.get(user.accountId)?.avatarUrl).toContain('/48');
    }
    await live.users(t, ['no-such-account', users[0]!.accountId]);
    expect(calls(h, 'user/bulk')).toBe(Math.ceil((users.length + 1) / 50));
  });
});

describe('filters resolved to issue ids', () => {
  it('resolves JQL to exactly what the site matches, and caches it for minutes', async () => {
    const { h, live, t } = setup({ ttlMs: { resolutionsMs: 300_000 } });
    for (const jql of ['issuetype = Epic', `project = ${[...h.sim.site.projects.values()][1]!.key} AND issuetype != Bug ORDER BY key DESC`]) {
      const expected = siteMatches(h, jql);
      expect(expected.length).toBeGreaterThan(0);
      expect(await live.issueIdsForJql(t, jql)).toEqual(expected);
    }
    const searches = calls(h, 'search/jql');
    await live.issueIdsForJql(t, '  issuetype = Epic ');
    expect(calls(h, 'search/jql')).toBe(searches);
    h.sim.clock.advance(300_000);
    await live.issueIdsForJql(t, 'issuetype = Epic');
    expect(calls(h, 'search/jql')).toBe(searches + 1);
  });

  it('pages JQL results to the end', async () => {
    // 5,200 ids cost 5,202 points, more than one tenant's interactive share of Tier 1 (3,250): paging is the subject here.
    const { h, live, t } = setup({}, { generate: { worklogs: 100, issues: 5200, users: 10 } }, { interactiveBudget: false });
    const project = [...h.sim.site.projects.values()].map((p) => p.key).join(', ');
    const expected = siteMatches(h, `project in (${project})`);
    expect(expected.length).toBe(5200);
    expect(await live.issueIdsForJql(t, `project in (${project})`)).toEqual(expected);
    expect(calls(h, 'search/jql')).toBe(2);
  });

  it('turns JQL Jira refuses into REPORT_JQL_INVALID without repeating it', async () => {
    const { h, live, t } = setup();
    for (const jql of ['project = = secret-token-123', 'nosuchfield = 1', 'key = NOPE-424242', 'ORDER BY key']) {
      const error = await rejection(live.issueIdsForJql(t, jql));
      expect(isAppError(error, 'REPORT_JQL_INVALID'), jql).toBe(true);
      expect((error as { httpStatus: number }).httpStatus).toBe(400);
      expect((error as Error).message).not.toContain(jql);
    }
    const sent = h.sent.length;
    expect(isAppError(await rejection(live.issueIdsForJql(t, '   ')), 'REPORT_JQL_INVALID')).toBe(true);
    expect(isAppError(await rejection(live.issueIdsForJql(t, `summary ~ "${'x'.repeat(10_001)}"`)), 'REPORT_JQL_INVALID')).toBe(true);
    expect(h.sent.length).toBe(sent);
  });

  it('refuses a filter matching more issues than allowed', async () => {
    const { live, t } = setup({ maxIssuesPerFilter: 10 });
    expect(isAppError(await rejection(live.issueIdsForJql(t, 'issuetype != Epic')), 'REQUEST_INVALID')).toBe(true);
  });

  it('resolves issue keys and ids, ignoring unknown and malformed ones, and remembers their details', async () => {
    const { h, live, t } = setup();
    const [a, b, gone] = [...h.sim.site.issues.values()] as [SimIssue, SimIssue, SimIssue];
    h.sim.site.deleteIssue(gone.id);
    const ids = await live.issueIdsForKeys(t, [` ${a.key.toLowerCase()} `, String(b.id), gone.key, 'NOPE-99999', 'not a key', '']);
    expect(ids).toEqual([a.id, b.id].sort((x, y) => x - y));
    const fetches = calls(h, 'issue/bulkfetch');
    expect((await live.issues(t, [a.id, b.id])).get(a.id)).toEqual(expectedIssue(h, a));
    expect(calls(h, 'issue/bulkfetch')).toBe(fetches);
    expect(await live.issueIdsForKeys(t, ['nothing at all'])).toEqual([]);
  });

  it('maps each key to its issue, a moved issue’s old key included, and remembers the answers', async () => {
    // Jira (and the simulator) find a moved issue by its old key; bulkfetch answers with the current key.
    const { h, t } = setup();
    const client = h.client();
    const keyed = createLiveJiraData({ clientFor: async () => client, clock: h.clock });
    const [moved, b, gone] = [...h.sim.site.issues.values()] as [SimIssue, SimIssue, SimIssue];
    const target = [...h.sim.site.projects.values()].find((p) => p.id !== moved.projectId)!;
    const oldKey = moved.key;
    h.sim.site.moveIssue(moved.id, target.id);
    h.sim.site.deleteIssue(gone.id);

    const asked = [oldKey.toLowerCase(), moved.key, b.key, gone.key, 'NOPE-99999', 'not a key', String(b.id)];
    const found = await keyed.issuesForKeys(t, asked);
    expect(new Map([...found].map(([key, issue]) => [key, issue.id]))).toEqual(
      new Map([
        [oldKey, moved.id],
        [moved.key, moved.id],
        [b.key, b.id],
      ]),
    );
    expect(found.get(oldKey)).toEqual(expectedIssue(h, moved));
    const fetches = calls(h, 'issue/bulkfetch');
    // One bulk fetch, then the three keys it did not name by their current key, one by one.
    expect(fetches).toBe(4);
    expect(await keyed.issuesForKeys(t, asked)).toEqual(found);
    expect(calls(h, 'issue/bulkfetch')).toBe(fetches);
    expect(await keyed.issuesForKeys(t, [])).toEqual(new Map());
  });

  it('resolves projects by key or id to every issue in them; unknown projects match nothing', async () => {
    const { h, live, t } = setup();
    const [p1, p2] = [...h.sim.site.projects.values()] as [SimProject, SimProject];
    const expected = [...h.sim.site.issues.values()].filter((i) => i.projectId === p1.id || i.projectId === p2.id).map((i) => i.id).sort((a, b) => a - b);
    expect(await live.issueIdsForProjects(t, [p1.key.toLowerCase(), p2.id, 'NOPE', '99999'])).toEqual(expected);
    expect(await live.issueIdsForProjects(t, ['NOPE'])).toEqual([]);
    expect(await live.issueIdsForProjects(t, [])).toEqual([]);
  });
});

describe('viewer scope', () => {
  function restrict(h: JiraClientHarness, viewer: SimUser) {
    const [hidden] = [...h.sim.site.projects.values()];
    hidden!.browsers = [h.sim.generated!.admin.accountId];
    const all = [...h.sim.site.issues.values()];
    const browsable = all.filter((i) => h.sim.site.canBrowseIssue(i, viewer)).map((i) => i.id);
    expect(browsable.length).toBeGreaterThan(0);
    expect(browsable.length).toBeLessThan(all.length);
    return { all: all.map((i) => i.id), browsable };
  }

  it('gives a site admin and a Jira administrator everything', async () => {
    const { h, live, t } = setup();
    expect(await live.viewerScope(t, h.sim.generated!.admin.accountId)).toEqual({ kind: 'all' });
    const jiraAdmin = addUser(h, 'jira-admin-1', { groups: ['jira-software-users', 'jira-administrators'] });
    expect((await live.viewerScope(t, jiraAdmin.accountId)).kind).toBe('all');
  });

  it('lets anyone else see exactly the issues they may browse', async () => {
    const { h, live, t } = setup();
    const viewer = addUser(h, 'viewer-1');
    const { all, browsable } = restrict(h, viewer);
    const scope = await live.viewerScope(t, viewer.accountId);
    if (scope.kind !== 'restricted') throw new Error('expected a restricted scope');
    expect([...(await scope.browsable(all))].sort((a, b) => a - b)).toEqual(browsable.sort((a, b) => a - b));
  });

  it('lets an inactive user see nothing', async () => {
    const { h, live, t } = setup();
    const viewer = addUser(h, 'left-1', { active: false });
    const scope = await live.viewerScope(t, viewer.accountId);
    if (scope.kind !== 'restricted') throw new Error('expected a restricted scope');
    expect(await scope.browsable([...h.sim.site.issues.keys()])).toEqual(new Set());
  });

  it('checks at most 1000 issues per call and re-checks only after the viewer TTL', async () => {
    const { h, live, t } = setup({ ttlMs: { viewerMs: 90_000 } }, { generate: { worklogs: 100, issues: 1500, users: 10 } });
    const viewer = addUser(h, 'viewer-1');
    const { all, browsable } = restrict(h, viewer);
    const scope = await live.viewerScope(t, viewer.accountId);
    if (scope.kind !== 'restricted') throw new Error('expected a restricted scope');
    expect((await scope.browsable(all)).size).toBe(browsable.length);
    expect(calls(h, 'permissions/check')).toBe(1 + 2);
    // A permission change in Jira shows once the cached decisions have aged out.
    h.sim.site.projects.get([...h.sim.site.projects.keys()][0]!)!.browsers = undefined;
    h.sim.clock.advance(89_999);
    await live.viewerScope(t, viewer.accountId);
    expect((await scope.browsable(all)).size).toBe(browsable.length);
    expect(calls(h, 'permissions/check')).toBe(3);
    h.sim.clock.advance(1);
    const later = await live.viewerScope(t, viewer.accountId);
    if (later.kind !== 'restricted') throw new Error('expected a restricted scope');
    expect((await later.browsable(all)).size).toBe(all.length);
    expect(calls(h, 'permissions/check')).toBe(3 + 1 + 2);
  });
});
