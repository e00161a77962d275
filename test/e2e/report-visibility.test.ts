import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIssue, SimUser } from '../../simulator/jira/jira-site.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken } from '../support/tally-tokens.js';
import { RESTRICTED_PARENT } from '../../src/reporting/report-service.js';

/*
 * What a report may reveal, end to end through a Connect page's API calls (a Connect page gives
 * Tally no Jira access of the viewer's own). The simulated site has an epic in a project only one
 * person may browse, with a story in an open project below it that holds worklogs.
 */

let bed: TallyTestbed;
let clientKey: string;
let sharedSecret: string;
let epic: SimIssue;
let story: SimIssue;
let outsider: SimUser;
let insider: SimUser;
let admin: SimUser;
/** Paths of every request Tally sent to the site. */
const sent: string[] = [];

const SECRET_SUMMARY = 'Acquire Initech before the quarter ends';
const QUESTION = { from: '2025-01-01', to: '2025-12-31', timeZone: 'UTC' };

async function summary(accountId: string, question: Record<string, unknown>): Promise<Response> {
  const token = contextToken({ clientKey, sharedSecret, accountId, nowMs: bed.sim.clock.now() });
  return bed.app.request('/api/reports/summary', { method: 'POST', headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...QUESTION, ...question }) });
}

beforeAll(async () => {
  bed = await createTallyTestbed({
    simulator: { generate: { worklogs: 30, seed: 5 } },
    wrapFetch: (fetch) => (input, init) => {
      sent.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return fetch(input, init);
    },
  });
  bed.tally.sync.start();
  const { site } = bed.sim;
  const people = [...site.users.values()].filter((user) => !user.siteAdmin && user.accountType === 'atlassian' && user.active);
  [outsider, insider] = people as [SimUser, SimUser];
  admin = [...site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!;
  site.addProject({ id: '90001', key: 'DEAL', name: 'Deals', browsers: [insider.accountId] });
  site.addProject({ id: '90002', key: 'WORK', name: 'Work' });
  epic = site.addIssue({ key: 'DEAL-1', projectId: '90001', summary: SECRET_SUMMARY, issueType: 'Epic', timeTrackingEnabled: true });
  story = site.addIssue({ key: 'WORK-1', projectId: '90002', summary: 'Write the report', issueType: 'Story', parentId: epic.id, timeTrackingEnabled: true });
  site.createWorklog({ issueId: story.id, authorId: outsider.accountId, comment: undefined, startedMs: Date.UTC(2025, 5, 2, 9), timeSpentSeconds: 3600 });
  const installed = await bed.sim.connect.install(bed.descriptorUrl);
  if (!installed.ok) throw new Error('install failed');
  await bed.tally.queue.idle();
  bed.sim.clock.advance(61_000); // past Jira's hidden last minute
  await bed.tally.sync.syncAll();
  await bed.tally.queue.idle();
  ({ clientKey, sharedSecret } = installed);
}, 60_000);

afterAll(async () => bed?.close());

describe('report answers for a viewer who may browse a story but not its epic', () => {
  it('labels the epic "Restricted parent", without its key or summary', async () => {
    const response = await summary(outsider.accountId, { groupBy: ['parent', 'issue'], issues: [story.key] });
    expect(response.status).toBe(200);
    const text = await response.text();
    const answer = JSON.parse(text) as { total: { seconds: number }; labels: Record<string, Record<string, { label: string; issueKey?: string }>> };
    expect(answer.total.seconds).toBe(3600);
    expect(answer.labels.parent?.[String(epic.id)]).toEqual({ label: RESTRICTED_PARENT });
    expect(answer.labels.issue?.[String(story.id)]).toEqual({ label: `${story.key} ${story.summary}`, issueKey: story.key });
    expect(text).not.toContain(epic.key);
    expect(text).not.toContain(SECRET_SUMMARY);
  });

  it('labels the epic with its key and summary for a viewer who may browse it, and for a site admin', async () => {
    for (const viewer of [insider, admin]) {
      const response = await summary(viewer.accountId, { groupBy: ['parent'], issues: [story.key] });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { labels: Record<string, Record<string, unknown>> };
      expect(answer.labels.parent?.[String(epic.id)], viewer.displayName).toEqual({ label: `${epic.key} ${SECRET_SUMMARY}`, issueKey: epic.key });
    }
  });
});

describe('a JQL filter on a page without the viewer’s own Jira access', () => {
  it('is not offered: the session says the page has no JQL filter', async () => {
    const token = contextToken({ clientKey, sharedSecret, accountId: admin.accountId, nowMs: bed.sim.clock.now() });
    const response = await bed.app.request('/api/session', { headers: { authorization: `JWT ${token}` } });
    expect(await response.json()).toMatchObject({ accountId: admin.accountId, jqlFilter: false });
  });

  it('is refused with REPORT_JQL_NEEDS_VIEWER, naming the filters that still work', async () => {
    for (const viewer of [outsider, admin]) {
      const response = await summary(viewer.accountId, { groupBy: ['issue'], jql: 'comment ~ "Initech"' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('REPORT_JQL_NEEDS_VIEWER');
      expect(body.error.message).toMatch(/JQL filter needs .*own Jira access/);
      expect(body.error.message).toMatch(/project, issue and user filters still work/);
      expect(body.error.message).not.toContain('Initech');
    }
  });

  it('does not ask Jira to search', async () => {
    const searches = () => sent.filter((path) => path.endsWith('/search/jql')).length;
    const before = searches();
    await summary(outsider.accountId, { groupBy: ['issue'], jql: 'project = DEAL' });
    expect(searches()).toBe(before);
  });

  it('still answers project, issue and user filters', async () => {
    const response = await summary(outsider.accountId, { groupBy: ['issue'], projects: ['WORK'], issues: [story.key], accountIds: [outsider.accountId] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { total: { seconds: number } }).total.seconds).toBe(3600);
  });
});
