import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../create-simulator.js';
import { appFetch, registerTestApp } from '../../../test/support/sim-callers.js';
import { textToAdf } from '../adf.js';

const START = Date.UTC(2026, 6, 1, 8, 0, 0); // summer: Berlin is +0200

function setup() {
  const sim = createSimulator({ clock: 'manual', startMs: START, timeZone: 'Europe/Berlin', generate: { worklogs: 0, users: 3, issues: 3, projects: 1 } });
  const app = registerTestApp(sim);
  const issues = [...sim.site.issues.values()];
  const call = appFetch(sim, app);
  const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { sim, app, call, json, issue: issues[1]!, other: issues[2]! };
}

const goodBody = { started: '2026-06-30T17:45:00.000+0200', timeSpentSeconds: 5400, comment: textToAdf('Review 🚀') };

describe('POST /rest/api/3/issue/{issueIdOrKey}/worklog', () => {
  it('creates a worklog authored by the app user and returns Jira’s shapes', async () => {
    const { sim, app, call, json, issue } = setup();
    const response = await call(`/rest/api/3/issue/${issue.key}/worklog`, { method: 'POST', ...json(goodBody) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      issueId: String(issue.id),
      started: '2026-06-30T17:45:00.000+0200',
      created: '2026-07-01T10:00:00.000+0200',
      timeSpent: '1h 30m',
      timeSpentSeconds: 5400,
      comment: goodBody.comment,
      author: { accountId: app.appUserAccountId, accountType: 'app' },
    });
    expect(sim.site.worklogs.get(Number(body.id))?.startedMs).toBe(Date.UTC(2026, 5, 30, 15, 45));
  });

  it('renders winter dates with the winter offset', async () => {
    const { call, json, issue } = setup();
    const response = await call(`/rest/api/3/issue/${issue.id}/worklog`, {
      method: 'POST',
      ...json({ ...goodBody, started: '2026-01-15T23:30:00.000+0900' }),
    });
    expect(((await response.json()) as { started: string }).started).toBe('2026-01-15T15:30:00.000+0100');
  });

  it.each([
    ['a Z offset', { ...goodBody, started: '2026-06-30T17:45:00.000Z' }, 'started'],
    ['no milliseconds', { ...goodBody, started: '2026-06-30T17:45:00+0200' }, 'started'],
    ['an impossible date', { ...goodBody, started: '2026-02-30T10:00:00.000+0000' }, 'started'],
    ['no started', { timeSpentSeconds: 60 }, 'started'],
    ['both durations', { ...goodBody, timeSpent: '1h' }, 'timeLogged'],
    ['no duration', { started: goodBody.started }, 'timeLogged'],
    ['a negative duration', { ...goodBody, timeSpentSeconds: -5 }, 'timeLogged'],
    ['a fractional duration', { ...goodBody, timeSpentSeconds: 1.5 }, 'timeLogged'],
    ['a string comment on v3', { ...goodBody, comment: 'plain' }, 'comment'],
    ['a bad visibility', { ...goodBody, visibility: { type: 'everyone' } }, 'visibility'],
  ])('refuses %s with 400 and errors.%s', async (_name, body, field) => {
    const { sim, call, json, issue } = setup();
    const response = await call(`/rest/api/3/issue/${issue.id}/worklog`, { method: 'POST', ...json(body) });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { errorMessages: string[]; errors: Record<string, string> };
    expect(Object.keys(error.errors)).toContain(field);
    expect(sim.site.worklogs.size).toBe(0);
  });

  it('refuses malformed JSON, an unknown adjustEstimate and a missing issue', async () => {
    const { call, issue } = setup();
    const malformed = await call(`/rest/api/3/issue/${issue.id}/worklog`, { method: 'POST', body: '{"started":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const adjust = await call(`/rest/api/3/issue/${issue.id}/worklog?adjustEstimate=sometimes`, { method: 'POST', body: JSON.stringify(goodBody) });
    expect(adjust.status).toBe(400);
    const missing = await call('/rest/api/3/issue/NOPE-1/worklog', { method: 'POST', body: JSON.stringify(goodBody) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ errorMessages: [expect.any(String)] });
  });

  it('accepts timeSpent text and a plain-string comment on v2', async () => {
    const { call, issue } = setup();
    const response = await call(`/rest/api/2/issue/${issue.id}/worklog`, {
      method: 'POST',
      body: JSON.stringify({ started: goodBody.started, timeSpent: '1d 2h', comment: 'line one\nline two' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.timeSpentSeconds).toBe(10 * 3600);
    expect(body.comment).toBe('line one\nline two');
    expect(body.self).toContain('/rest/api/2/issue/');
    const v3 = await call(`/rest/api/3/issue/${issue.id}/worklog/${String(body.id)}`);
    expect(((await v3.json()) as { comment: unknown }).comment).toMatchObject({ type: 'doc', version: 1 });
  });

  it('answers 413 beyond the per-issue worklog limit', async () => {
    const sim = createSimulator({ clock: 'manual', behaviour: { maxWorklogsPerIssue: 2 }, generate: { worklogs: 0, issues: 1, projects: 1 } });
    const call = appFetch(sim, registerTestApp(sim));
    const issueId = [...sim.site.issues.keys()][0]!;
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await call(`/rest/api/3/issue/${issueId}/worklog`, { method: 'POST', body: JSON.stringify(goodBody) })).status);
    }
    expect(statuses).toEqual([201, 201, 413]);
  });
});

describe('issue worklog read, update, delete and move', () => {
  it('pages the worklogs of an issue in created order and filters by started', async () => {
    const { sim, call, issue } = setup();
    for (let i = 0; i < 5; i++) {
      await call(`/rest/api/3/issue/${issue.id}/worklog`, {
        method: 'POST',
        body: JSON.stringify({ ...goodBody, started: `2026-06-2${i}T10:00:00.000+0200` }),
      });
      sim.clock.advance(1000);
    }
    const page = (await (await call(`/rest/api/3/issue/${issue.id}/worklog?startAt=1&maxResults=2`)).json()) as {
      startAt: number; maxResults: number; total: number; worklogs: { started: string }[];
    };
    expect(page).toMatchObject({ startAt: 1, maxResults: 2, total: 5 });
    expect(page.worklogs.map((w) => w.started.slice(0, 10))).toEqual(['2026-06-21', '2026-06-22']);
    const after = Date.UTC(2026, 5, 23, 0, 0);
    const filtered = (await (await call(`/rest/api/3/issue/${issue.id}/worklog?startedAfter=${after}`)).json()) as { total: number };
    expect(filtered.total).toBe(2);
    expect((await call(`/rest/api/3/issue/${issue.id}/worklog?startAt=abc`)).status).toBe(404);
  });

  it('updates, moves and deletes, moving the change feeds', async () => {
    const { sim, call, issue, other } = setup();
    const created = (await (await call(`/rest/api/3/issue/${issue.id}/worklog`, { method: 'POST', body: JSON.stringify(goodBody) })).json()) as { id: string };
    sim.clock.advance(1000);
    const put = await call(`/rest/api/3/issue/${issue.id}/worklog/${created.id}`, { method: 'PUT', body: JSON.stringify({ timeSpentSeconds: 60 }) });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { timeSpentSeconds: number }).timeSpentSeconds).toBe(60);
    sim.clock.advance(1000);
    const move = await call(`/rest/api/3/issue/${issue.id}/worklog/move`, {
      method: 'POST',
      body: JSON.stringify({ ids: [Number(created.id)], issueIdOrKey: other.key }),
    });
    expect(move.status).toBe(204);
    expect((await call(`/rest/api/3/issue/${issue.id}/worklog/${created.id}`)).status).toBe(404);
    const moved = (await (await call(`/rest/api/3/issue/${other.id}/worklog/${created.id}`)).json()) as { issueId: string };
    expect(moved.issueId).toBe(String(other.id));
    expect(sim.site.worklogs.get(Number(created.id))?.updatedMs).toBe(START + 2000);
    const del = await call(`/rest/api/3/issue/${other.id}/worklog/${created.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(sim.site.deletedAt.get(Number(created.id))).toBe(START + 2000);
    expect((await call(`/rest/api/3/issue/${other.id}/worklog/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps worklogs and their issue id when the issue moves to another project', () => {
    const { sim, issue } = setup();
    const project = sim.site.addProject({ id: '20000', key: 'NEW', name: 'New' });
    const oldKey = issue.key;
    sim.site.moveIssue(issue.id, project.id);
    expect(sim.site.findIssue('NEW-1')?.id).toBe(issue.id);
    // Jira still answers the old key with the moved issue, until another issue takes that key.
    expect(sim.site.findIssue(oldKey)?.id).toBe(issue.id);
    expect(sim.site.findIssue(oldKey.toLowerCase())?.key).toBe('NEW-1');
  });
});
