import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { createPullRequest } from './generate-workspace.js';
import type { BbPullRequestState } from './bitbucket-model.js';
import { basicAuthorization } from './testing/bitbucket-callers.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

function createSim(options: Parameters<typeof createBitbucketSimulator>[0] = {}): BitbucketSimulator {
  return createBitbucketSimulator({ startMs: Date.UTC(2026, 2, 1), inspectResponse: check.inspect, ...options });
}

async function get(sim: BitbucketSimulator, url: string, authorization: string | undefined = basicAuthorization(sim.generated!.credentials[0]!)) {
  const response = await sim.fetch(url, authorization ? { headers: { authorization } } : {});
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('GET /2.0/users/{selected_user}', () => {
  it('finds a user by {uuid} (raw, encoded, any case) or by Atlassian account id, without an e-mail', async () => {
    const sim = createSim();
    for (const user of sim.generated!.users) {
      const byAccount = await get(sim, `/2.0/users/${encodeURIComponent(user.accountId)}`);
      expect(byAccount.status).toBe(200);
      expect(byAccount.body).toMatchObject({ type: 'user', uuid: user.uuid, account_id: user.accountId, display_name: user.displayName, nickname: user.nickname, links: { avatar: { href: expect.stringMatching(/^https:\/\//) } } });
      expect(JSON.stringify(byAccount.body)).not.toContain(user.email);
      for (const ref of [user.uuid, encodeURIComponent(user.uuid), encodeURIComponent(user.uuid.toUpperCase())]) {
        expect(await get(sim, `/2.0/users/${ref}`)).toEqual(byAccount);
      }
    }
    expect(check.validated).toContain('GET /users/{selected_user} → 200');
  });

  it('answers public profiles to anonymous callers too', async () => {
    const sim = createSim();
    const user = sim.generated!.users[1]!;
    expect((await get(sim, `/2.0/users/${encodeURIComponent(user.uuid)}`, undefined)).body.account_id).toBe(user.accountId);
  });

  it('answers 404 for an unknown user, a uuid without braces and a workspace (team) uuid', async () => {
    const sim = createSim();
    const user = sim.generated!.users[0]!;
    for (const ref of ['{00000000-0000-4000-a000-000000000000}', user.uuid.slice(1, -1), sim.generated!.workspace.uuid, 'nobody']) {
      const answer = await get(sim, `/2.0/users/${encodeURIComponent(ref)}`);
      expect([ref, answer.status]).toEqual([ref, 404]);
      expect(answer.body).toEqual({ type: 'error', error: { message: expect.any(String) } });
    }
  });
});

describe('pull request lists: state filters, sort and next', () => {
  const DAY = 86_400_000;
  const start = Date.UTC(2026, 0, 10);
  // id → [state, created day, updated day]; updated out of id order on purpose.
  const plan: [BbPullRequestState, number, number][] = [
    ['OPEN', 0, 9],
    ['MERGED', 1, 3],
    ['DECLINED', 2, 12],
    ['SUPERSEDED', 3, 4],
    ['OPEN', 4, 6],
    ['MERGED', 5, 14],
    ['OPEN', 6, 7],
    ['DECLINED', 7, 8],
    ['OPEN', 8, 2],
    ['MERGED', 9, 11],
    ['SUPERSEDED', 10, 13],
    ['OPEN', 11, 1],
  ];

  function simWithPlan() {
    const sim = createSim({ generate: { repositories: 1, pullRequestsPerRepository: 0 } });
    const repository = sim.generated!.repositories[0]!;
    for (const [state, created, updated] of plan) {
      const pr = createPullRequest(sim.model, sim.generated!.random, { repository, issueKeys: ['KEY-1'], state, createdOnMs: start + created * DAY });
      pr.updatedOnMs = start + updated * DAY;
    }
    return { sim, base: `/2.0/repositories/tally-sim/${repository.slug}/pullrequests` };
  }

  async function collect(sim: BitbucketSimulator, first: string) {
    const ids: number[] = [];
    let url: string | undefined = first;
    let pages = 0;
    while (url && pages++ < 20) {
      const { status, body } = await get(sim, url);
      expect(status).toBe(200);
      ids.push(...(body.values as { id: number }[]).map((v) => v.id));
      url = body.next as string | undefined;
    }
    return { ids, pages };
  }

  /** The expected ids from the plan alone: filter by state, order by updated day descending. */
  function expectedIds(states: BbPullRequestState[], order: 'updated-desc' | 'id') {
    const rows = plan.map(([state, , updated], i) => ({ id: i + 1, state, updated })).filter((r) => states.includes(r.state));
    if (order === 'updated-desc') rows.sort((a, b) => b.updated - a.updated);
    return rows.map((r) => r.id);
  }

  it('lists every state when all four are asked for, newest update first across pages', async () => {
    const { sim, base } = simWithPlan();
    const { ids, pages } = await collect(sim, `${base}?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&sort=-updated_on&pagelen=5`);
    expect(ids).toEqual(expectedIds(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'], 'updated-desc'));
    expect(pages).toBe(3);
  });

  it('keeps the filters and the sort in the next links', async () => {
    const { sim, base } = simWithPlan();
    const first = await get(sim, `${base}?state=MERGED&state=DECLINED&sort=-updated_on&pagelen=2`);
    const next = new URL(first.body.next as string);
    expect(next.searchParams.getAll('state')).toEqual(['MERGED', 'DECLINED']);
    expect(next.searchParams.get('sort')).toBe('-updated_on');
    expect((await collect(sim, `${base}?state=MERGED&state=DECLINED&sort=-updated_on&pagelen=2`)).ids).toEqual(expectedIds(['MERGED', 'DECLINED'], 'updated-desc'));
  });

  it('lists open ones only by default, in id order, and sorts ascending without the minus', async () => {
    const { sim, base } = simWithPlan();
    expect((await collect(sim, `${base}?pagelen=50`)).ids).toEqual(expectedIds(['OPEN'], 'id'));
    const ascending = (await collect(sim, `${base}?state=OPEN&sort=updated_on`)).ids;
    expect(ascending).toEqual(expectedIds(['OPEN'], 'updated-desc').reverse());
    const byCreated = (await collect(sim, `${base}?state=SUPERSEDED&state=OPEN&sort=-created_on`)).ids;
    expect(byCreated).toEqual(expectedIds(['SUPERSEDED', 'OPEN'], 'id').reverse());
  });

  it('refuses a sort field it does not know with 400', async () => {
    const { sim, base } = simWithPlan();
    const answer = await get(sim, `${base}?sort=-colour`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ type: 'error', error: { message: expect.any(String) } });
  });
});
