import { describe, expect, it } from 'vitest';
import { createSimulator } from '../create-simulator.js';
import { renderWorklog } from './render.js';
import { createWorklogJsonWriter } from './render-json.js';

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
