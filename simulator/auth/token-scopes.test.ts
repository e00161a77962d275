import { describe, expect, it } from 'vitest';
import { createSimulator } from '../create-simulator.js';
import { findOperationScopes, scopesSatisfy } from './token-scopes.js';

/** A concrete path for a Hono route pattern, e.g. `:issueIdOrKey` → `TAL-1`. */
function concretePath(pattern: string): string {
  return pattern
    .replace(/:version\{[^}]*\}/, '3')
    .replace(':issueIdOrKey', 'TAL-1')
    .replace(/:[A-Za-z]+/g, '10001');
}

describe('scopes per operation', () => {
  it('knows the scopes of every /rest/ route the simulator serves', () => {
    const sim = createSimulator({ generate: false });
    const served = sim.app.routes.filter((r) => r.path.startsWith('/rest/') && r.method !== 'ALL');
    expect(served.length).toBeGreaterThan(15);
    const missing = served.filter((r) => findOperationScopes(r.method, concretePath(r.path), ['manage:jira-webhook']) === undefined);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('asks read:jira-work of the worklog feeds in v2 and v3 and nothing of serverInfo', () => {
    expect(findOperationScopes('GET', '/rest/api/2/worklog/updated', [])?.classic).toEqual(['read:jira-work']);
    expect(findOperationScopes('GET', '/rest/api/3/myself', [])?.classic).toEqual(['read:jira-user']);
    expect(scopesSatisfy([], findOperationScopes('GET', '/rest/api/3/serverInfo', [])!)).toBe(true);
  });

  it('needs every scope of one set: a partial granular set is not enough', () => {
    const needed = findOperationScopes('GET', '/rest/api/3/worklog/updated', [])!;
    expect(scopesSatisfy(['read:issue-worklog:jira'], needed)).toBe(false);
    expect(scopesSatisfy(['read:issue-worklog:jira', 'read:issue-worklog.property:jira'], needed)).toBe(true);
    expect(scopesSatisfy(['write:jira-work'], needed)).toBe(false);
  });

  it('knows nothing of a route it does not list', () => {
    expect(findOperationScopes('GET', '/rest/api/3/issue/TAL-1', [])).toBeUndefined();
  });
});
