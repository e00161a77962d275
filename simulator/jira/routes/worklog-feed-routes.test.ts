import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../create-simulator.js';
import { adminBasicAuth, appFetch, registerTestApp } from '../../../test/support/sim-callers.js';
import { textToAdf } from '../adf.js';

interface FeedPage {
  values: { worklogId: number; updatedTime: number; properties: unknown[] }[];
  since: number;
  until: number;
  self: string;
  nextPage?: string;
  lastPage: boolean;
}

const START = Date.UTC(2026, 10, 23, 9, 0, 0);

function emptySiteWithIssue() {
  const sim = createSimulator({ clock: 'manual', startMs: START, generate: { worklogs: 0, users: 3, issues: 2, projects: 1 } });
  const app = registerTestApp(sim);
  const issue = [...sim.site.issues.values()][0]!;
  const author = sim.generated!.users[0]!.accountId;
  const create = () =>
    sim.site.createWorklog({ issueId: issue.id, authorId: author, comment: textToAdf('x'), startedMs: START, timeSpentSeconds: 600 });
  return { sim, call: appFetch(sim, app), create, issue };
}

describe('GET /rest/api/3/worklog/updated', () => {
  it('pages 1000 ids oldest first, with until = youngest item and nextPage = since=until', async () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 2500, seed: 3, deletedShare: 0 } });
    const call = appFetch(sim, registerTestApp(sim));
    const page = (await (await call('/rest/api/3/worklog/updated?since=0')).json()) as FeedPage;
    expect(page.values).toHaveLength(1000);
    const times = page.values.map((v) => v.updatedTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(typeof page.values[0]!.worklogId).toBe('number');
    expect(page.until).toBe(times[999]);
    expect(page.lastPage).toBe(false);
    expect(page.nextPage).toBe(`${sim.site.baseUrl}/rest/api/3/worklog/updated?since=${page.until}`);
    expect(page.self).toBe(`${sim.site.baseUrl}/rest/api/3/worklog/updated?since=0`);
  });

  it('hides changes made during the last minute and shows them after it', async () => {
    const { sim, call, create } = emptySiteWithIssue();
    const worklog = create();
    const since = worklog.updatedMs - 1;
    let page = (await (await call(`/rest/api/3/worklog/updated?since=${since}`)).json()) as FeedPage;
    expect(page.values).toEqual([]);
    sim.clock.advance(59_000);
    page = (await (await call(`/rest/api/3/worklog/updated?since=${since}`)).json()) as FeedPage;
    expect(page.values).toEqual([]);
    sim.clock.advance(2_000);
    page = (await (await call(`/rest/api/3/worklog/updated?since=${since}`)).json()) as FeedPage;
    expect(page.values.map((v) => v.worklogId)).toEqual([worklog.id]);
    expect(page.lastPage).toBe(true);
  });

  it('lists an edited worklog once, at its newest time', async () => {
    const { sim, call, create } = emptySiteWithIssue();
    const worklog = create();
    sim.clock.advance(10_000);
    sim.site.updateWorklog(worklog.id, { timeSpentSeconds: 900 }, worklog.authorId);
    sim.clock.advance(120_000);
    const page = (await (await call('/rest/api/3/worklog/updated?since=0')).json()) as FeedPage;
    expect(page.values).toEqual([{ worklogId: worklog.id, updatedTime: START + 10_000, properties: [] }]);
  });

  it('treats since as inclusive by default and exclusive when configured', async () => {
    for (const sinceInclusive of [true, false]) {
      const sim = createSimulator({ clock: 'manual', behaviour: { sinceInclusive }, generate: { worklogs: 10, deletedShare: 0, editedShare: 0 } });
      const call = appFetch(sim, registerTestApp(sim));
      const first = (await (await call('/rest/api/3/worklog/updated?since=0')).json()) as FeedPage;
      const t = first.values[3]!.updatedTime;
      const page = (await (await call(`/rest/api/3/worklog/updated?since=${t}`)).json()) as FeedPage;
      expect(page.values[0]!.updatedTime === t).toBe(sinceInclusive);
    }
  });

  it('cannot page past more than 1000 worklogs that share one updatedTime', async () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 1600, sameInstantBatch: 1200, deletedShare: 0, editedShare: 0 } });
    const call = appFetch(sim, registerTestApp(sim));
    let since = 0;
    let stalled = false;
    for (let i = 0; i < 5; i++) {
      const page = (await (await call(`/rest/api/3/worklog/updated?since=${since}`)).json()) as FeedPage;
      if (!page.lastPage && page.until === since) {
        stalled = true;
        break;
      }
      since = page.until;
    }
    expect(stalled).toBe(true);
  });

  it('hides restricted worklogs from the app user but not from a site admin', async () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 400, restrictedShare: 0.25, deletedShare: 0 } });
    const asApp = appFetch(sim, registerTestApp(sim));
    const count = async (response: Promise<Response>) => ((await (await response).json()) as FeedPage).values.length;
    const restricted = [...sim.site.worklogs.values()].filter((w) => w.visibility).length;
    expect(restricted).toBeGreaterThan(50);
    expect(await count(asApp('/rest/api/3/worklog/updated?since=0'))).toBe(400 - restricted);
    expect(await count(sim.fetch('https://x/rest/api/3/worklog/updated?since=0', { headers: { authorization: adminBasicAuth(sim) } }))).toBe(400);
  });

  it('answers 400 in Jira shape for a since that is not a number', async () => {
    const { call } = emptySiteWithIssue();
    const response = await call('/rest/api/3/worklog/updated?since=yesterday');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errorMessages: [expect.stringContaining('since')], errors: {} });
  });
});

describe('GET /rest/api/3/worklog/deleted', () => {
  it('lists deletions with their deletion time, also for restricted worklogs', async () => {
    const { sim, call, create } = emptySiteWithIssue();
    const kept = create();
    const removed = create();
    sim.site.updateWorklog(removed.id, { visibility: { type: 'group', value: 'hr-confidential' } }, removed.authorId);
    sim.clock.advance(5_000);
    sim.site.deleteWorklog(removed.id);
    sim.clock.advance(61_000);
    const page = (await (await call('/rest/api/3/worklog/deleted?since=0')).json()) as FeedPage;
    expect(page.values).toEqual([{ worklogId: removed.id, updatedTime: START + 5_000, properties: [] }]);
    const updated = (await (await call('/rest/api/3/worklog/updated?since=0')).json()) as FeedPage;
    expect(updated.values.map((v) => v.worklogId)).toEqual([kept.id]);
  });

  it('lists the worklogs of a deleted issue', async () => {
    const { sim, call, create, issue } = emptySiteWithIssue();
    const a = create();
    const b = create();
    sim.site.deleteIssue(issue.id);
    sim.clock.advance(61_000);
    const page = (await (await call('/rest/api/3/worklog/deleted?since=0')).json()) as FeedPage;
    expect(page.values.map((v) => v.worklogId).sort()).toEqual([a.id, b.id].sort());
  });
});
