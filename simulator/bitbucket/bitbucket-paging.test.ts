import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { createPullRequest } from './generate-workspace.js';
import { basicAuthorization } from './testing/bitbucket-callers.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

function simWithPullRequests(count: number): BitbucketSimulator {
  const sim = createBitbucketSimulator({ generate: { pullRequestsPerRepository: 0, repositories: 1 }, inspectResponse: check.inspect });
  const generated = sim.generated!;
  const repository = generated.repositories[0]!;
  for (let i = 0; i < count; i++) {
    createPullRequest(sim.model, generated.random, { repository, issueKeys: [`KEY-${i + 1}`], state: i % 4 === 3 ? 'MERGED' : 'OPEN' });
  }
  return sim;
}

async function getJson(sim: BitbucketSimulator, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await sim.fetch(url, { headers: { authorization: basicAuthorization(sim.generated!.credentials[0]!) } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Follows `next` until it is absent or a page comes back empty; at most `maxPages`. */
async function followNext(sim: BitbucketSimulator, first: string, maxPages = 50) {
  const ids: number[] = [];
  const pages: Record<string, unknown>[] = [];
  let url: string | undefined = first;
  while (url && pages.length < maxPages) {
    const { status, body } = await getJson(sim, url);
    expect(status).toBe(200);
    pages.push(body);
    const values = body.values as { id: number }[];
    ids.push(...values.map((v) => v.id));
    url = values.length === 0 ? undefined : (body.next as string | undefined);
  }
  return { ids, pages };
}

describe('Bitbucket paging', () => {
  it('pages to the end by following absolute next links, open pull requests by default', async () => {
    const sim = simWithPullRequests(23);
    const path = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}/pullrequests`;
    const { ids, pages } = await followNext(sim, `${sim.baseUrl}${path}`);
    const open = sim.model.listPullRequests(sim.generated!.repositories[0]!.uuid).filter((pr) => pr.state === 'OPEN').map((pr) => pr.id);
    expect(ids).toEqual(open);
    expect(pages.map((p) => [p.page, p.pagelen, p.size])).toEqual([[1, 10, 18], [2, 10, 18]]);
    expect(pages[0]!.next).toBe(`https://api.bitbucket.org${path}?page=2`);
    expect(pages[1]!.next).toBeUndefined();
  });

  it('keeps the state filter and pagelen in next links', async () => {
    const sim = simWithPullRequests(23);
    const path = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}/pullrequests?state=MERGED&state=OPEN&pagelen=7`;
    const { ids, pages } = await followNext(sim, `${sim.baseUrl}${path}`);
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(pages).toHaveLength(4);
    expect(new URL(pages[0]!.next as string).searchParams.getAll('state')).toEqual(['MERGED', 'OPEN']);
  });

  it('puts a next link on the last page when BCLOUD-22441 is switched on', async () => {
    const sim = simWithPullRequests(12);
    sim.behaviour.nextOnLastPage = true;
    const path = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}/pullrequests`;
    const { ids, pages } = await followNext(sim, `${sim.baseUrl}${path}`);
    expect(ids).toHaveLength(9);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.next).toBeDefined();
    // A client that stops only when `next` is absent would keep going: the page after the last has a `next` too.
    const beyond = await getJson(sim, pages[0]!.next as string).then((p) => getJson(sim, p.body.next as string));
    expect(beyond.body.values).toEqual([]);
    expect(beyond.body.next).toMatch(/page=4$/);
  });

  it('refuses a pagelen above 50 on pull request lists and above 100 elsewhere', async () => {
    const sim = simWithPullRequests(1);
    const repo = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}`;
    expect((await getJson(sim, `${repo}/pullrequests?pagelen=51`)).status).toBe(400);
    expect((await getJson(sim, `${repo}/pullrequests?pagelen=50`)).status).toBe(200);
    expect((await getJson(sim, `/2.0/repositories/tally-sim?pagelen=100`)).status).toBe(200);
    const tooLong = await getJson(sim, `/2.0/repositories/tally-sim?pagelen=101`);
    expect(tooLong).toEqual({ status: 400, body: { type: 'error', error: { message: 'Invalid pagelen' } } });
    expect((await getJson(sim, `/2.0/repositories/tally-sim?page=0`)).status).toBe(400);
  });

  it('pages pull request commits oldest first without a size', async () => {
    const sim = simWithPullRequests(0);
    const repository = sim.generated!.repositories[0]!;
    const pr = createPullRequest(sim.model, sim.generated!.random, { repository, issueKeys: Array.from({ length: 12 }, (_, i) => `KEY-${i + 1}`) });
    const { pages } = await followNext(sim, `/2.0/repositories/tally-sim/${repository.slug}/pullrequests/${pr.id}/commits`);
    const hashes = pages.flatMap((p) => (p.values as { hash: string }[]).map((v) => v.hash));
    expect(hashes).toEqual(pr.commitHashes);
    expect(pages.every((p) => !('size' in p))).toBe(true);
  });

  it('serves next links on the loopback address over HTTP', async () => {
    const sim = simWithPullRequests(11);
    const server = await sim.listen();
    try {
      const path = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}/pullrequests?state=OPEN&state=MERGED`;
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: basicAuthorization(sim.generated!.credentials[0]!) } });
      const body = (await response.json()) as { next: string };
      expect(body.next.startsWith(`${server.url}/2.0/`)).toBe(true);
      const second = (await (await fetch(body.next, { headers: { authorization: basicAuthorization(sim.generated!.credentials[0]!) } })).json()) as { values: unknown[] };
      expect(second.values).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
