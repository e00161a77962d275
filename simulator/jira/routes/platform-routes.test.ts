import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatformTestKit } from '../../../test/support/platform-test-kit.js';

/** Owned elsewhere (the Connect work), so not exercised here. */
const NOT_HERE = new Set(['GET /rest/api/3/webhook/failed']);

describe('platformRoutes', () => {
  it('answers every platform operation of the OpenAPI excerpt with a schema-valid success', async () => {
    const kit = createPlatformTestKit();
    const spec = JSON.parse(readFileSync(path.resolve(process.cwd(), '../shared/reference/jira-platform-openapi-excerpt.json'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(spec.paths)
      .flatMap(([template, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${template}`))
      .filter((operation) => !NOT_HERE.has(operation));

    const calls: [string, { method?: string; body?: unknown }?][] = [
      ['/rest/api/3/search/jql?jql=project%20%3D%20OPS'],
      ['/rest/api/3/search/jql', { method: 'POST', body: { jql: 'project = OPS', fields: ['summary'] } }],
      [`/rest/api/3/user/bulk?accountId=${kit.member.accountId}`],
      ['/rest/api/3/permissions/check', { method: 'POST', body: { globalPermissions: ['ADMINISTER'] } }],
      ['/rest/api/3/myself'],
      ['/rest/api/3/serverInfo'],
      ['/rest/api/3/issue/bulkfetch', { method: 'POST', body: { issueIdsOrKeys: ['OPS-1'] } }],
      ['/rest/api/3/project/search'],
      ['/rest/api/3/configuration/timetracking'],
      ['/rest/api/3/configuration/timetracking', { method: 'PUT', body: { key: 'JIRA' } }],
      ['/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS'],
    ];
    for (const [url, options] of calls) {
      const answer = await kit.call(url, options);
      expect(answer.status, url).toBeLessThan(300);
    }
    expect([...kit.fetch.operations()].sort()).toEqual(expected.sort());
    expect(kit.fetch.mismatches).toEqual([]);
  });

  it('answers 401 with an error collection before any platform route runs', async () => {
    const kit = createPlatformTestKit();
    const response = await kit.fetch(`${kit.sim.site.baseUrl}/rest/api/3/myself`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errorMessages: string[] }).errorMessages).toHaveLength(1);
  });
});
