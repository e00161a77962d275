import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { appFetch, registerTestApp } from '../support/sim-callers.js';
import { createValidatingFetch } from '../support/validating-fetch.js';

interface FeedPage {
  values: { worklogId: number; updatedTime: number }[];
  until: number;
  nextPage?: string;
  lastPage: boolean;
}
interface WireWorklog {
  id: string;
  issueId: string;
  started: string;
  timeSpentSeconds: number;
  author: { accountId: string };
}

/**
 * A deliberately plain client, written for this test: follow `nextPage` until `lastPage`,
 * dedupe ids (since is inclusive), then fetch details in batches of 1000.
 */
async function pageEverything(call: (url: string, init?: RequestInit) => Promise<Response>) {
  const ids = new Set<number>();
  let url = '/rest/api/3/worklog/updated?since=0';
  let pages = 0;
  for (;;) {
    const response = await call(url);
    expect(response.status).toBe(200);
    const page = (await response.json()) as FeedPage;
    pages++;
    for (const value of page.values) ids.add(value.worklogId);
    if (page.lastPage) break;
    url = page.nextPage as string;
  }
  const worklogs: WireWorklog[] = [];
  const all = [...ids];
  for (let i = 0; i < all.length; i += 1000) {
    const response = await call('/rest/api/3/worklog/list', { method: 'POST', body: JSON.stringify({ ids: all.slice(i, i + 1000) }) });
    expect(response.status).toBe(200);
    worklogs.push(...((await response.json()) as WireWorklog[]));
  }
  return { ids, worklogs, pages };
}

function visibleToApp(sim: Simulator, appUserId: string) {
  const appUser = sim.site.users.get(appUserId)!;
  return [...sim.site.worklogs.values()].filter((w) => sim.site.canSeeWorklog(w, appUser));
}

describe('paging 25,000 generated worklogs through /worklog/updated and /worklog/list', () => {
  it('returns exactly the generated set visible to the app, in-process', async () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 25_000, seed: 2026 } });
    const app = registerTestApp(sim);
    const { ids, worklogs, pages } = await pageEverything(appFetch(sim, app, createValidatingFetch(sim.fetch)));
    const expected = visibleToApp(sim, app.appUserAccountId);
    expect(expected.length).toBeGreaterThan(23_000);
    expect(ids.size).toBe(expected.length);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 1000));
    const byId = new Map(worklogs.map((w) => [Number(w.id), w]));
    expect(byId.size).toBe(expected.length);
    for (const w of expected) {
      const wire = byId.get(w.id);
      expect(wire, `worklog ${w.id}`).toBeDefined();
      expect(wire!.timeSpentSeconds).toBe(w.timeSpentSeconds);
      expect(wire!.issueId).toBe(String(w.issueId));
      expect(wire!.author.accountId).toBe(w.authorId);
      // Jira's offset-aware format must name the same instant the simulator holds.
      const started = wire!.started.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
      expect(Date.parse(started)).toBe(w.startedMs);
    }
  });

  describe('over real HTTP on loopback', () => {
    let sim: Simulator;
    let server: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      sim = createSimulator({ clock: 'real', generate: { worklogs: 25_000, seed: 77 } });
      server = await sim.listen();
    });
    afterAll(async () => {
      await server.close();
    });

    it('returns the same visible set when nextPage URLs are followed verbatim', async () => {
      const app = registerTestApp(sim);
      const call = appFetch(sim, app, createValidatingFetch((input, init) => fetch(input, init)));
      const { ids } = await pageEverything((url, init) => call(url.startsWith('http') ? url : `${server.url}${url}`, init));
      const expected = visibleToApp(sim, app.appUserAccountId).map((w) => w.id).sort((a, b) => a - b);
      expect([...ids].sort((a, b) => a - b)).toEqual(expected);
    });
  });
});
