import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/create-simulator.js';
import { adminBasicAuth, appAuthorization, registerTestApp } from '../support/sim-callers.js';

const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Bodies a careless or hostile client sends. */
const BAD_BODIES: [string, string][] = [
  ['malformed JSON', '{"ids": [1, 2'],
  ['an empty body', ''],
  ['a JSON string', '"ids"'],
  ['a JSON number', '1e309'],
  ['null', 'null'],
  ['an array', '[1,2,3]'],
  ['wrong field types', '{"ids":"10000","started":42,"timeSpentSeconds":"1h","comment":7,"jql":{},"accountIds":false,"issueIdsOrKeys":1}'],
  ['prototype-pollution keys', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'],
  ['NUL bytes and lone surrogates', '{"started":"2026-01-01T00:00:00.000+0000\\u0000","comment":"\\ud800","jql":"project = \\u0000"}'],
  ['deep nesting', `{"ids":${deep(5000)}}`],
  ['numbers out of range', '{"ids":[1e400,-1,9007199254740993],"timeSpentSeconds":1e309,"maxResults":-5}'],
];

/** Every write or body-taking endpoint of the simulator, with a path that exists. */
function endpoints(issueKey: string, worklogId: number): [string, string][] {
  return [
    ['POST', '/rest/api/3/worklog/list'],
    ['POST', '/rest/api/2/worklog/list'],
    ['POST', `/rest/api/3/issue/${issueKey}/worklog`],
    ['POST', `/rest/api/2/issue/${issueKey}/worklog`],
    ['PUT', `/rest/api/3/issue/${issueKey}/worklog/${worklogId}`],
    ['POST', `/rest/api/3/issue/${issueKey}/worklog/move`],
    ['DELETE', `/rest/api/3/issue/${issueKey}/worklog`],
    ['POST', '/rest/api/3/search/jql'],
    ['POST', '/rest/api/3/permissions/check'],
    ['POST', '/rest/api/3/issue/bulkfetch'],
    ['PUT', '/rest/api/3/configuration/timetracking'],
  ];
}

/** Query strings with wrong types for the GET endpoints. */
const BAD_QUERIES = [
  '/rest/api/3/worklog/updated?since=abc',
  '/rest/api/3/worklog/updated?since=1e400',
  '/rest/api/3/worklog/deleted?since=-',
  '/rest/api/3/search/jql?jql=project%20%3D%20%22unterminated&maxResults=abc',
  '/rest/api/3/search/jql?jql=(((((project%20%3D%20WEB',
  '/rest/api/3/user/bulk?accountId=',
  '/rest/api/3/user/bulk?maxResults=-1&accountId=x',
  '/rest/api/3/project/search?startAt=-1',
  '/rest/api/3/mypermissions?permissions=NOT_A_PERMISSION',
  '/rest/api/3/issue/%00/worklog',
  '/rest/api/3/issue/NOPE-99999/worklog?startedAfter=yesterday',
  '/rest/api/3/webhook/failed?maxResults=abc',
];

describe('bad input to the simulator', () => {
  it('answers every malformed body with a 4xx in Jira’s error shape and changes nothing', async () => {
    const sim = createSimulator({ clock: 'manual', rateLimits: { enabled: false }, generate: { worklogs: 200, seed: 3 } });
    const app = registerTestApp(sim);
    const worklog = [...sim.site.worklogs.values()].find((w) => !w.visibility)!;
    const issueKey = sim.site.issues.get(worklog.issueId)!.key;
    const before = JSON.stringify([...sim.site.worklogs.values()]);
    for (const [method, path] of endpoints(issueKey, worklog.id)) {
      for (const [name, body] of BAD_BODIES) {
        const response = await sim.fetch(`${sim.site.baseUrl}${path}`, {
          method,
          body,
          headers: { authorization: appAuthorization(sim, app, method, path), 'content-type': 'application/json' },
        });
        const label = `${method} ${path} with ${name}`;
        expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
        const error = (await response.json()) as { errorMessages?: unknown; errors?: unknown };
        expect(Array.isArray(error.errorMessages), label).toBe(true);
        expect(typeof error.errors, label).toBe('object');
      }
    }
    expect(JSON.stringify([...sim.site.worklogs.values()])).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers malformed query parameters with a 4xx in Jira’s error shape', async () => {
    const sim = createSimulator({ clock: 'manual', rateLimits: { enabled: false }, generate: { worklogs: 50 } });
    const app = registerTestApp(sim);
    for (const pathAndQuery of BAD_QUERIES) {
      for (const authorization of [adminBasicAuth(sim), appAuthorization(sim, app, 'GET', pathAndQuery)]) {
        const response = await sim.fetch(`${sim.site.baseUrl}${pathAndQuery}`, { headers: { authorization } });
        expect(response.status, pathAndQuery).toBeGreaterThanOrEqual(400);
        expect(response.status, pathAndQuery).toBeLessThan(500);
        const error = (await response.json()) as { errorMessages?: unknown };
        expect(Array.isArray(error.errorMessages), pathAndQuery).toBe(true);
      }
    }
  });
});
