import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../create-simulator.js';
import type { SimIssue } from '../jira/jira-site.js';
import { callAs, registerTestApp } from '../../test/support/sim-callers.js';

const START_MS = Date.parse('2026-03-10T10:15:00.000Z');
const WORKLOG_BODY = { timeSpentSeconds: 900, started: '2026-03-10T09:00:00.000+0000' };

function setUp(): { sim: Simulator; write: (issue: SimIssue | string) => Promise<Response>; issues: SimIssue[] } {
  const sim = createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 200 } });
  const app = registerTestApp(sim);
  const issues = [...sim.site.issues.values()].filter((issue) => issue.timeTrackingEnabled).slice(0, 2);
  const write = (issue: SimIssue | string) =>
    callAs(sim, app, 'POST', `/rest/api/3/issue/${typeof issue === 'string' ? issue : issue.key}/worklog`, WORKLOG_BODY);
  return { sim, write, issues };
}

async function writeTimes(write: () => Promise<Response>, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await write()).status);
  return statuses;
}

describe('per-issue write limit', () => {
  it('refuses the 21st write to one issue within 2 s with jira-per-issue-on-write', async () => {
    const { sim, write, issues } = setUp();
    const [issue, other] = issues as [SimIssue, SimIssue];
    expect(new Set(await writeTimes(() => write(issue), 20))).toEqual(new Set([201]));
    sim.clock.advance(1_500);
    const refused = await write(issue);
    expect(refused.status).toBe(429);
    expect(Object.fromEntries([...refused.headers].filter(([name]) => /x-ratelimit-l|x-ratelimit-rem|x-ratelimit-res|retry|reason/i.test(name)))).toEqual({
      'retry-after': '1',
      'x-ratelimit-limit': '20',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '2026-03-10T10:15:02Z',
      'ratelimit-reason': 'jira-per-issue-on-write',
    });
    // Another issue has its own windows; reads are not writes.
    expect((await write(other)).status).toBe(201);
    expect((await callAs(sim, registerTestApp(sim), 'GET', `/rest/api/3/issue/${issue.key}/worklog`)).status).toBe(200);
  });

  it('counts an issue key and its id as one issue', async () => {
    const { write, issues } = setUp();
    const issue = issues[0] as SimIssue;
    await writeTimes(() => write(issue.key), 10);
    await writeTimes(() => write(String(issue.id)), 10);
    expect((await write(issue.key.toLowerCase())).status).toBe(429);
  });

  it('admits writes again once the 2 s window has slid past', async () => {
    const { sim, write, issues } = setUp();
    const issue = issues[0] as SimIssue;
    await writeTimes(() => write(issue), 20);
    sim.clock.advance(1_999);
    expect((await write(issue)).status).toBe(429);
    sim.clock.advance(1);
    expect(new Set(await writeTimes(() => write(issue), 20))).toEqual(new Set([201]));
  });

  it('refuses the 101st write within 30 s until the oldest write is 30 s old', async () => {
    const { sim, write, issues } = setUp();
    const issue = issues[0] as SimIssue;
    for (let round = 0; round < 5; round++) {
      expect(new Set(await writeTimes(() => write(issue), 20))).toEqual(new Set([201]));
      sim.clock.advance(2_000);
    }
    // t = 10 s: the 2 s window is empty, the 30 s window holds 100 writes from t = 0…8 s.
    const refused = await write(issue);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('100');
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(refused.headers.get('x-ratelimit-reset')).toBe('2026-03-10T10:15:30Z');

    sim.clock.advance(19_999);
    expect((await write(issue)).status).toBe(429);
    sim.clock.advance(1);
    expect(new Set(await writeTimes(() => write(issue), 20))).toEqual(new Set([201]));
    expect((await write(issue)).status).toBe(429);
  });

  it('limits writes of API-token users too', async () => {
    const { sim, issues } = setUp();
    const issue = issues[0] as SimIssue;
    const admin = sim.generated!.adminCredentials;
    const statuses = await writeTimes(() => callAs(sim, admin, 'POST', `/rest/api/3/issue/${issue.key}/worklog`, WORKLOG_BODY), 21);
    expect(statuses.at(-1)).toBe(429);
  });
});
