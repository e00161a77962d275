import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPlatformTestKit, type PlatformTestKit } from '../../../test/support/platform-test-kit.js';
import { formatJiraDate } from '../jira-date.js';

let kit: PlatformTestKit;
beforeEach(() => {
  kit = createPlatformTestKit();
});
afterEach(() => {
  expect(kit.fetch.mismatches).toEqual([]);
});

describe('GET /rest/api/3/serverInfo', () => {
  it('reports the site, Cloud and the simulated time in Jira format', async () => {
    kit.sim.clock.set(Date.UTC(2024, 6, 1, 12, 0, 0, 5));
    const answer = await kit.call('/rest/api/3/serverInfo');
    expect(answer.body).toMatchObject({
      baseUrl: kit.sim.site.baseUrl,
      deploymentType: 'Cloud',
      serverTime: '2024-07-01T14:00:00.005+0200',
      serverTimeZone: 'Europe/Berlin',
    });
    expect(answer.body.serverTime).toBe(formatJiraDate(kit.sim.clock.now(), 'Europe/Berlin'));
  });
});

describe('POST /rest/api/3/issue/bulkfetch', () => {
  const fetchIssues = (body: unknown, as = kit.admin) => kit.call('/rest/api/3/issue/bulkfetch', { method: 'POST', body, as });

  it('returns visible issues in ascending id order with navigable fields by default', async () => {
    const hidden = [...kit.sim.site.issues.values()].find((i) => i.projectId === kit.hiddenProject.id);
    const answer = await fetchIssues({ issueIdsOrKeys: ['ops-2', '10001', 'NOPE-1', hidden?.key] }, kit.member);
    expect(answer.status).toBe(200);
    expect(answer.body.issues.map((i: { key: string }) => i.key)).toEqual(['OPS-1', 'OPS-2']);
    expect(Object.keys(answer.body.issues[0].fields).sort()).toEqual(['issuetype', 'project', 'summary']);
    expect(answer.body.issueErrors).toEqual([]);
  });

  it('honours a field list and rejects empty or oversized requests', async () => {
    const answer = await fetchIssues({ issueIdsOrKeys: ['OPS-1'], fields: ['summary'] });
    expect(Object.keys(answer.body.issues[0].fields)).toEqual(['summary']);
    expect((await fetchIssues({ issueIdsOrKeys: [] })).status).toBe(400);
    expect((await fetchIssues({ issueIdsOrKeys: Array.from({ length: 101 }, (_, i) => String(10_000 + i)) })).status).toBe(400);
    expect((await fetchIssues({ issueIdsOrKeys: 'OPS-1' })).status).toBe(400);
  });
});

describe('GET /rest/api/3/project/search', () => {
  it('pages the projects the caller may browse, by key', async () => {
    const first = await kit.call('/rest/api/3/project/search?maxResults=2', { as: kit.member });
    expect(first.body).toMatchObject({ startAt: 0, maxResults: 2, total: 4, isLast: false });
    expect(first.body.values.map((p: { key: string }) => p.key)).toEqual(['DATA', 'MOB']);
    const rest = await kit.call('/rest/api/3/project/search?maxResults=2&startAt=2', { as: kit.member });
    expect(rest.body.values.map((p: { key: string }) => p.key)).toEqual(['OPS', 'SUP']);
    expect(rest.body.isLast).toBe(true);
  });

  it('filters by keys and query and caps maxResults at 100', async () => {
    const byKeys = await kit.call('/rest/api/3/project/search?keys=OPS&keys=sup&maxResults=500');
    expect(byKeys.body.maxResults).toBe(100);
    expect(byKeys.body.values.map((p: { key: string }) => p.key)).toEqual(['OPS', 'SUP']);
    const byName = await kit.call('/rest/api/3/project/search?query=mobile&orderBy=-name');
    expect(byName.body.values.map((p: { key: string }) => p.key)).toEqual(['MOB']);
    expect((await kit.call('/rest/api/3/project/search?orderBy=colour')).status).toBe(400);
  });
});

describe('/rest/api/3/configuration/timetracking', () => {
  const path = '/rest/api/3/configuration/timetracking';

  it("reports Jira's provider and switches to an installed app's provider", async () => {
    expect((await kit.call(path)).body).toEqual({ key: 'JIRA', name: 'JIRA provided time tracking' });
    kit.sim.site.registerApp({
      key: 'io.tally',
      clientKey: 'c',
      sharedSecret: 's',
      baseUrl: 'https://tally.example.com',
      descriptor: { name: 'Tally', modules: { jiraTimeTrackingProviders: [{ key: 'tt', name: { value: 'Tally time' }, adminPageKey: 'cfg' }] } },
    });
    const put = await kit.call(path, { method: 'PUT', body: { key: 'io.tally__tt' } });
    expect(put.status).toBe(204);
    expect((await kit.call(path)).body).toEqual({ key: 'io.tally__tt', name: 'Tally time', url: '/plugins/servlet/ac/io.tally/cfg' });
  });

  it('refuses unknown providers and non-admins', async () => {
    expect((await kit.call(path, { method: 'PUT', body: { key: 'nope' } })).status).toBe(400);
    expect((await kit.call(path, { method: 'PUT', body: { key: 5 } })).status).toBe(400);
    expect((await kit.call(path, { as: kit.member })).status).toBe(403);
    expect((await kit.call(path, { method: 'PUT', body: { key: 'JIRA' }, as: kit.member })).status).toBe(403);
  });
});
