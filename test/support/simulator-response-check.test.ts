import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/create-simulator.js';
import { adminBasicAuth } from './sim-callers.js';
import { checkedResponseCount, checkSimulatorResponse, takeResponseMismatches } from './simulator-response-check.js';

describe('simulator response check', () => {
  it('is wired into every simulator the tests create', async () => {
    const before = checkedResponseCount();
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 20 } });
    await sim.fetch(`${sim.site.baseUrl}/rest/api/3/worklog/updated?since=0`, { headers: { authorization: adminBasicAuth(sim) } });
    await sim.fetch(`${sim.site.baseUrl}/rest/api/3/no/such/thing`, { headers: { authorization: adminBasicAuth(sim) } });
    expect(checkedResponseCount()).toBe(before + 2);
  });

  it('records a response whose shape Jira would never send', async () => {
    const request = new Request('https://site.example/rest/api/3/worklog/updated?since=0');
    const wrong = new Response(JSON.stringify({ values: [{ worklogId: '10000', updatedTime: 1 }], lastPage: true }), {
      headers: { 'content-type': 'application/json' },
    });
    await checkSimulatorResponse(request, wrong);
    const recorded = takeResponseMismatches();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ method: 'GET', status: 200, path: '/rest/api/3/worklog/updated?since=0' });
  });
});
