import { describe, expect, it } from 'vitest';
import { createSimulator } from '../create-simulator.js';
import { renderWorklog } from './render.js';
import type { SimWorklog } from './jira-site.js';
import { createWorklogBodyCache, createWorklogJsonWriter } from './render-json.js';

describe('worklog JSON writer', () => {
  it('writes exactly what stringifying the rendered object gives, in v2 and v3', () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 3000, seed: 4, restrictedShare: 0.1 } });
    const worklogs = [...sim.site.worklogs.values()];
    worklogs[0]!.properties = [{ key: 'k', value: { nested: ['x', 1] } }];
    worklogs[1]!.authorId = 'unknown';
    const write = createWorklogJsonWriter(sim.site);
    for (const worklog of worklogs) {
      for (const version of ['2', '3'] as const) {
        for (const expandProperties of [false, true]) {
          expect(write(worklog, version, expandProperties)).toBe(JSON.stringify(renderWorklog(sim.site, worklog, version, { expandProperties })));
        }
      }
    }
  });

  it('reflects a renamed user and a new base URL', () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 5, seed: 4 } });
    const write = createWorklogJsonWriter(sim.site);
    const worklog = [...sim.site.worklogs.values()][0]!;
    write(worklog, '3');
    sim.site.users.get(worklog.authorId)!.displayName = 'Renamed Person';
    sim.site.baseUrl = 'http://127.0.0.1:9';
    const json = write(worklog, '3');
    expect(json).toContain('Renamed Person');
    expect(json).toBe(JSON.stringify(renderWorklog(sim.site, worklog, '3')));
  });
});

describe('worklog body cache', () => {
  it('serves the writer\'s bytes and re-renders after every kind of change', () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 20, seed: 9 } });
    const bodies = createWorklogBodyCache(sim.site);
    const [worklog, other] = [...sim.site.worklogs.values()] as [SimWorklog, SimWorklog];
    const expectCurrent = (w: SimWorklog) => {
      for (const version of ['2', '3'] as const) {
        expect(bodies.bodyBytes(w, version).toString('utf8')).toBe(JSON.stringify(renderWorklog(sim.site, w, version)));
      }
    };
    expectCurrent(worklog);
    expect(bodies.bodyBytes(worklog, '3')).toBe(bodies.bodyBytes(worklog, '3'));
    sim.site.updateWorklog(worklog.id, { timeSpentSeconds: worklog.timeSpentSeconds + 60, comment: undefined }, worklog.authorId);
    expectCurrent(worklog);
    sim.site.moveWorklogs([worklog.id], other.issueId, worklog.authorId);
    expectCurrent(worklog);
    sim.site.users.get(worklog.authorId)!.displayName = 'Renamed Again';
    expectCurrent(worklog);
    sim.site.baseUrl = 'http://127.0.0.1:9';
    expectCurrent(worklog);
    sim.site.timeZone = 'Asia/Tokyo';
    expectCurrent(worklog);
    worklog.visibility = { type: 'group', value: 'jira-admins' };
    expectCurrent(worklog);
  });
});
