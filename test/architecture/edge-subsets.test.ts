import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { configKeys } from '../../src/config/config-schema.js';
import { composeTally, type Runtime } from '../../src/compose.js';
import { ALL_EDGE_MODULES } from '../../src/edges/all-edges.js';
import { createLogger } from '../../src/platform/logger.js';
import { systemClock } from '../../src/platform/clock.js';

/*
 * Issue 12, "Done when": Tally composed with each subset of its edges (none, one, two, all) serves
 * health, the data statement and the routes of the edges that are on — and none of the others'.
 * An edge is a plug-in: leaving it out of the list removes its routes and nothing else.
 */

/** One route per edge that answers (anything but 404) exactly when the edge is on. */
const PROBES: Readonly<Record<string, { method: string; path: string }>> = {
  'jira-connect': { method: 'GET', path: '/atlassian-connect.json' },
  'jira-forge': { method: 'POST', path: '/forge/tick' },
  'jira-site': { method: 'POST', path: '/site/webhooks/worklog' },
  'bitbucket-connect': { method: 'GET', path: '/bitbucket/atlassian-connect.json' },
  'bitbucket-forge': { method: 'POST', path: '/bitbucket/forge/tick' },
};

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((subset) => [...subset, item])], [[]]);
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A configuration under which every edge could run; `TALLY_EDGES` picks the subset. */
function configFor(edgeIds: readonly string[]): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-edges-'));
  dirs.push(dataDir);
  const config = loadConfig({
    TALLY_BASE_URL: 'https://tally.example.com',
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_FORGE_APP_ID: 'ari:cloud:ecosystem::app/0b6e8d1c-2f4a-4c3e-9a1b-7d5e6f8a9b0c',
    TALLY_BITBUCKET_FORGE_APP_ID: 'ari:cloud:ecosystem::app/5c2d9e4f-8a7b-4d6c-b1e2-3f4a5b6c7d8e',
    TALLY_JIRA_SITE: 'https://acme.atlassian.net',
    TALLY_JIRA_EMAIL: 'reports@acme.example',
    TALLY_JIRA_API_TOKEN: 'not-used-no-edge-is-started',
    TALLY_JIRA_WEBHOOK_SECRET: 'a-webhook-secret-of-some-length',
  });
  // `TALLY_EDGES=` cannot say "none" from the environment; the list itself can.
  return { ...config, edges: [...edgeIds] };
}

const runtime: Runtime = {
  clock: systemClock,
  // No edge is started and no sync runs: any outbound call is a defect here.
  fetch: async (input) => {
    throw new Error(`unexpected outbound request to ${String(input instanceof Request ? input.url : input)}`);
  },
  sleep: async () => {},
  logger: createLogger({ level: 'silent' }),
};

describe('edge subsets', () => {
  it('names, for every edge, configuration keys that exist and are documented', () => {
    const documented = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const module of ALL_EDGE_MODULES) {
      expect(module.configKeys.length, module.id).toBeGreaterThan(0);
      expect(module.configKeys.filter((key) => !(configKeys as readonly string[]).includes(key)), module.id).toEqual([]);
      expect(module.configKeys.filter((key) => !documented.includes(`| \`${key}\` |`)), module.id).toEqual([]);
    }
  });

  it('has a probe for every edge Tally ships', () => {
    expect(ALL_EDGE_MODULES.map((module) => module.id).filter((id) => PROBES[id] === undefined)).toEqual([]);
  });

  for (const subset of subsets(ALL_EDGE_MODULES.map((module) => module.id))) {
    it(`serves health, the data statement and only its own routes with ${subset.length === 0 ? 'no edge' : subset.join(' + ')}`, async () => {
      const tally = await composeTally(configFor(subset), runtime);
      try {
        expect(tally.edges.map((edge) => edge.id)).toEqual(subset);
        expect((await tally.app.request('/healthz')).status).toBe(200);
        const statement = await tally.app.request('/data-statement?format=json');
        expect(statement.status).toBe(200);
        for (const [id, probe] of Object.entries(PROBES)) {
          const answer = await tally.app.request(probe.path, { method: probe.method });
          if (subset.includes(id)) expect(answer.status, `${id} is on`).not.toBe(404);
          else expect(answer.status, `${id} is off`).toBe(404);
        }
        // `/api` belongs to no edge in particular: without one that recognises the request it is 401.
        expect((await tally.app.request('/api/session')).status).toBe(401);
      } finally {
        await tally.close();
      }
    });
  }
});
