import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { createPullRequest } from './generate-workspace.js';
import { basicAuthorization } from './testing/bitbucket-callers.js';
import { createBitbucketOpenApiValidator, createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

function createSim(options: Parameters<typeof createBitbucketSimulator>[0] = {}): BitbucketSimulator {
  return createBitbucketSimulator({ inspectResponse: check.inspect, ...options });
}

async function get(sim: BitbucketSimulator, path: string) {
  const response = await sim.fetch(path, { headers: { authorization: basicAuthorization(sim.generated!.credentials[0]!) } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('Bitbucket resources', () => {
  it('addresses workspaces and repositories by slug or by {uuid}, braces raw or URL-encoded', async () => {
    const sim = createSim();
    const { workspace, repositories } = sim.generated!;
    const repo = repositories[1]!;
    const bySlug = await get(sim, `/2.0/repositories/${workspace.slug}/${repo.slug}`);
    expect(bySlug.body).toMatchObject({ uuid: repo.uuid, full_name: `${workspace.slug}/${repo.slug}` });
    for (const [ws, rs] of [
      [workspace.uuid, repo.uuid],
      [encodeURIComponent(workspace.uuid), encodeURIComponent(repo.uuid)],
      [workspace.slug, encodeURIComponent(repo.uuid.toUpperCase())],
    ]) {
      expect(await get(sim, `/2.0/repositories/${ws}/${rs}`)).toEqual(bySlug);
    }
    expect((await get(sim, `/2.0/workspaces/${encodeURIComponent(workspace.uuid)}`)).body.slug).toBe(workspace.slug);
    // A uuid without braces is not an identifier Bitbucket accepts.
    expect((await get(sim, `/2.0/workspaces/${workspace.uuid.slice(1, -1)}`)).status).toBe(404);
  });

  it('answers missing things with 404, bad filters with 400, in the error envelope', async () => {
    const sim = createSim();
    const slug = sim.generated!.repositories[0]!.slug;
    const cases: [string, number][] = [
      ['/2.0/workspaces/nowhere', 404],
      ['/2.0/repositories/nowhere', 404],
      [`/2.0/repositories/tally-sim/no-such-repo`, 404],
      [`/2.0/repositories/tally-sim/${slug}/pullrequests/999`, 404],
      [`/2.0/repositories/tally-sim/${slug}/pullrequests/abc`, 404],
      [`/2.0/repositories/tally-sim/${slug}/pullrequests/999/commits`, 404],
      [`/2.0/repositories/tally-sim/${slug}/commit/${'0'.repeat(40)}`, 404],
      [`/2.0/repositories/tally-sim/${slug}/pullrequests?state=CLOSED`, 400],
    ];
    for (const [path, status] of cases) {
      const answer = await get(sim, path);
      expect([path, answer.status]).toEqual([path, status]);
      expect(answer.body).toEqual({ type: 'error', error: { message: expect.any(String) } });
    }
    // A repository uuid under another workspace's slug is not found.
    sim.model.addWorkspace({ uuid: '{00000000-0000-4000-a000-0000000000bb}', slug: 'other', name: 'Other', isPrivate: false, createdOnMs: 0, memberUuids: new Set() });
    expect((await get(sim, `/2.0/repositories/other/${encodeURIComponent(sim.generated!.repositories[0]!.uuid)}`)).status).toBe(404);
  });

  it('creates pull requests that mention given issue keys in branch, title and commit messages', async () => {
    const sim = createSim({ generate: { pullRequestsPerRepository: 0 } });
    const repository = sim.generated!.repositories[0]!;
    const pr = createPullRequest(sim.model, sim.generated!.random, { repository, issueKeys: ['KEY-1', 'KEY-2', 'KEY-3'], state: 'MERGED' });
    const base = `/2.0/repositories/tally-sim/${repository.slug}/pullrequests/${pr.id}`;
    const single = (await get(sim, base)).body;
    expect(single.source.branch.name).toContain('KEY-1');
    expect(single.title).toContain('KEY-1');
    expect(single.state).toBe('MERGED');
    expect(single.participants).toBeDefined();
    expect(single.reviewers).toBeDefined();
    const commits = (await get(sim, `${base}/commits`)).body.values as { message: string; hash: string }[];
    expect(commits.map((c) => c.message.match(/KEY-\d+/g))).toEqual([['KEY-1'], ['KEY-2'], ['KEY-3']]);
    const listed = (await get(sim, `/2.0/repositories/tally-sim/${repository.slug}/pullrequests?state=MERGED`)).body.values[0];
    expect(listed.id).toBe(pr.id);
    expect(listed).not.toHaveProperty('participants');
    expect(listed).not.toHaveProperty('reviewers');
    const merge = await get(sim, `/2.0/repositories/tally-sim/${repository.slug}/commit/${single.merge_commit.hash}`);
    expect(merge.body.message).toMatch(/^Merged in feature\/KEY-1-.* \(pull request #1\)/);
  });

  it('places keys exactly where asked and finds pull requests by commit, short hashes included', async () => {
    const sim = createSim({ generate: { pullRequestsPerRepository: 0 } });
    const repository = sim.generated!.repositories[0]!;
    const pr = createPullRequest(sim.model, sim.generated!.random, {
      repository,
      issueKeys: ['ABC-7', 'XYZ-42'],
      placement: { branch: [], title: ['XYZ-42'], summary: ['ABC-7'], commits: [[], ['ABC-7', 'XYZ-42']] },
    });
    expect(pr.sourceBranch).not.toMatch(/[A-Z]+-\d+/);
    expect(pr.title.startsWith('XYZ-42 ')).toBe(true);
    expect(pr.description).toContain('ABC-7');
    const hash = pr.commitHashes[1]!;
    const commit = (await get(sim, `/2.0/repositories/tally-sim/${repository.slug}/commit/${hash.slice(0, 7)}`)).body;
    expect(commit).toMatchObject({ hash, message: expect.stringMatching(/^ABC-7 XYZ-42 /) });
    expect(commit.author.user.uuid).toBe(pr.authorUuid);
    const containing = (await get(sim, `/2.0/repositories/tally-sim/${repository.slug}/commit/${hash}/pullrequests`)).body;
    expect(containing.values.map((p: { id: number }) => p.id)).toEqual([pr.id]);
  });

  it('generates the same workspace from the same seed', () => {
    const a = createSim({ generate: { seed: 42 } }).model;
    const b = createSim({ generate: { seed: 42 } }).model;
    const shape = (m: typeof a) => m.listWorkspaces().flatMap((w) => m.listRepositories(w.uuid).flatMap((r) => m.listPullRequests(r.uuid).map((p) => [r.uuid, p.title, p.sourceBranch, ...p.commitHashes])));
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).not.toEqual(shape(createSim({ generate: { seed: 43 } }).model));
  });

  it('validates responses against the OpenAPI excerpt, and notices a body outside it', async () => {
    const sim = createSim();
    await get(sim, `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}/pullrequests/1`);
    expect(check.validated).toContain('GET /repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id} → 200');
    const validator = createBitbucketOpenApiValidator();
    const bad = validator.validate('GET', '/2.0/repositories/w/r/pullrequests/1', 200, { type: 'pullrequest', id: 1, state: 'CLOSED' });
    expect(bad.ok).toBe(false);
    expect(validator.validate('GET', '/2.0/user', 401, { error: { message: 'x' } }).ok).toBe(false);
  });
});
