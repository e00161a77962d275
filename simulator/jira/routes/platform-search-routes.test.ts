import { beforeEach, describe, expect, it } from 'vitest';
import { createPlatformTestKit, type PlatformTestKit } from '../../../test/support/platform-test-kit.js';

let kit: PlatformTestKit;
beforeEach(() => {
  kit = createPlatformTestKit();
});

const search = (jql: string, extra = '') => kit.call(`/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}${extra}`);

describe('GET /rest/api/3/search/jql', () => {
  it('pages through every matching issue with nextPageToken and ends with isLast', async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const answer = await search('project in (WEB, OPS, MOB, DATA, SUP) ORDER BY key ASC', `&fields=key&maxResults=7${token ? `&nextPageToken=${token}` : ''}`);
      expect(answer.status).toBe(200);
      keys.push(...answer.body.issues.map((i: { key: string }) => i.key));
      token = answer.body.nextPageToken;
      expect(answer.body.isLast).toBe(token === undefined);
      pages++;
    } while (token);
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(60);
    expect(pages).toBe(9);
    expect(keys.slice(0, 3)).toEqual(['DATA-1', 'DATA-2', 'DATA-3']);
  });

  it('returns only ids by default and the requested fields otherwise', async () => {
    const bare = await search('key = WEB-2');
    expect(bare.body.issues).toEqual([{ id: '10005' }]);
    const full = await search('key = WEB-2', '&fields=summary,project&fields=parent,issuetype');
    const [issue] = full.body.issues;
    expect(issue).toMatchObject({ id: '10005', key: 'WEB-2', self: `${kit.sim.site.baseUrl}/rest/api/3/issue/10005` });
    expect(issue.fields.summary).toBe(kit.sim.site.issues.get(10005)?.summary);
    expect(issue.fields.project).toMatchObject({ key: 'WEB', id: '10000' });
    expect(issue.fields.parent).toMatchObject({ id: '10000', key: 'WEB-1', fields: { issuetype: { name: 'Epic' } } });
    expect(issue.fields.issuetype).toMatchObject({ name: 'Story', subtask: false });
  });

  it('finds issues by worklog author and worklog date in the site time zone', async () => {
    const site = kit.sim.site;
    const issue = site.issues.get(10006);
    if (!issue) throw new Error('issue expected');
    // 23:30 UTC on 31 Jan is already 1 Feb in Berlin (UTC+1), the site's zone.
    site.createWorklog({ issueId: issue.id, authorId: kit.member.accountId, comment: undefined, startedMs: Date.UTC(2020, 0, 31, 23, 30), timeSpentSeconds: 60 });
    const onFirst = await search(`worklogAuthor = ${kit.member.accountId} AND worklogDate = "2020-02-01"`, '&fields=key');
    expect(onFirst.body.issues.map((i: { key: string }) => i.key)).toEqual([issue.key]);
    const before = await search(`worklogAuthor in (${kit.member.accountId}) AND worklogDate < "2020-02-01"`);
    expect(before.body.issues).toEqual([]);
  });

  it('leaves out issues of projects the caller may not browse', async () => {
    const all = await kit.call(`/rest/api/3/search/jql?jql=${encodeURIComponent('issuetype = Epic')}&maxResults=100`);
    const mine = await kit.call(`/rest/api/3/search/jql?jql=${encodeURIComponent('issuetype = Epic')}&fields=project&maxResults=100`, { as: kit.member });
    expect(mine.body.issues.length).toBeGreaterThan(0);
    expect(mine.body.issues.length).toBeLessThan(all.body.issues.length);
    expect(mine.body.issues.every((i: { fields: { project: { key: string } } }) => i.fields.project.key !== kit.hiddenProject.key)).toBe(true);
  });

  it('answers a JQL syntax error and an unknown field with 400 and Jira wording', async () => {
    const syntax = await search('project = WEB AND');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errorMessages[0]).toMatch(/^Error in the JQL Query: Expecting a field name but got end of query/);
    const field = await search('colour = red');
    expect(field).toEqual({ status: 400, body: { errorMessages: ["Field 'colour' does not exist or you do not have permission to view it."], errors: {} } });
  });

  it('treats a project the caller cannot see like a project that does not exist', async () => {
    const answer = await kit.call(`/rest/api/3/search/jql?jql=${encodeURIComponent(`project = ${kit.hiddenProject.key}`)}`, { as: kit.member });
    expect(answer.status).toBe(400);
    expect(answer.body.errorMessages).toEqual([`The value '${kit.hiddenProject.key}' does not exist for the field 'project'.`]);
  });

  it('refuses unbounded queries, bad numbers and foreign page tokens', async () => {
    expect((await search('ORDER BY key')).status).toBe(400);
    expect((await search('project = WEB', '&maxResults=ten')).status).toBe(400);
    const first = await search('project = WEB', '&maxResults=1');
    const foreign = await search('project = OPS', `&nextPageToken=${first.body.nextPageToken}`);
    expect(foreign.status).toBe(400);
    expect((await search('project = WEB', '&nextPageToken=garbage')).status).toBe(400);
  });
});

describe('POST /rest/api/3/search/jql', () => {
  const post = (body: unknown) => kit.call('/rest/api/3/search/jql', { method: 'POST', body });

  it('searches with a JSON body and caps field-heavy pages at 100', async () => {
    const answer = await post({ jql: 'project != WEB ORDER BY id DESC', fields: ['*all'], maxResults: 1000 });
    expect(answer.status).toBe(200);
    expect(answer.body.issues).toHaveLength(48);
    expect(Number(answer.body.issues[0].id)).toBeGreaterThan(Number(answer.body.issues[1].id));
    expect(answer.body.isLast).toBe(true);
  });

  it('rejects malformed JSON, wrong types and unknown properties with an error collection', async () => {
    const malformed = await kit.call('/rest/api/3/search/jql', { method: 'POST', rawBody: '{"jql": ' });
    expect(malformed.status).toBe(400);
    const wrongType = await post({ jql: 'project = WEB', maxResults: '10' });
    expect(wrongType).toMatchObject({ status: 400, body: { errors: { maxResults: 'Expected integer.' } } });
    expect((await post({ jql: 'project = WEB', startAt: 5 })).status).toBe(400);
    expect((await post(['project = WEB'])).status).toBe(400);
  });
});
