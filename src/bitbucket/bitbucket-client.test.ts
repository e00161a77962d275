import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator, type BitbucketSimulatorOptions } from '../../simulator/bitbucket/create-bitbucket-simulator.js';
import { createPullRequest } from '../../simulator/bitbucket/generate-workspace.js';
import type { BbConnectInstallation, BbPullRequest, BbRepository } from '../../simulator/bitbucket/bitbucket-model.js';
import { appJwtAuthorization } from '../../simulator/bitbucket/testing/bitbucket-callers.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';
import { isAppError, type AppError } from '../platform/app-error.js';
import type { Fetch } from '../platform/fetch.js';
import { createBitbucketApi } from './bitbucket-client.js';
import type { RepositoryRef } from './bitbucket-time-ports.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

const API = 'https://api.bitbucket.org';

/** A simulated workspace with the app installed (JWT-signed app calls), and Tally's client signing as that installation. */
function setup(options: Partial<BitbucketSimulatorOptions> = {}, clientApiBaseUrl = API) {
  const sim = createBitbucketSimulator({ baseUrl: API, inspectResponse: check.inspect, generate: { pullRequestsPerRepository: 0 }, ...options });
  const installation = sim.model.installConnectApp('tally-bb', sim.generated!.workspace.slug);
  const sent: string[] = [];
  const authorizations: string[] = [];
  const fetch: Fetch = (input, init) => {
    sent.push(input instanceof Request ? input.url : String(input));
    return sim.fetch(input, init);
  };
  const authorize = async ({ method, url }: { method: string; url: URL }) => {
    const value = appJwtAuthorization(installation, method, url.pathname + url.search, sim.clock.now());
    authorizations.push(value);
    return value;
  };
  const api = createBitbucketApi({ apiBaseUrl: clientApiBaseUrl, authorize, fetch });
  const repository = sim.generated!.repositories[0]!;
  const ref: RepositoryRef = { workspace: sim.generated!.workspace.slug, repository: repository.slug };
  return { sim, installation, api, repository, ref, sent, authorizations };
}

/** A pull request with `commits` commits, the i-th message naming `KEY-<i+1>`. */
function pullRequestWithCommits(sim: BitbucketSimulator, repository: BbRepository, commits: number, state: BbPullRequest['state'] = 'OPEN'): BbPullRequest {
  const keys = Array.from({ length: commits }, (_, i) => `KEY-${i + 1}`);
  return createPullRequest(sim.model, sim.generated!.random, { repository, issueKeys: keys, state });
}

/** What the simulator holds as the pull request's commit messages, in its list order. */
function storedMessages(sim: BitbucketSimulator, pr: BbPullRequest): string[] {
  return pr.commitHashes.map((hash) => sim.model.findCommit(pr.repositoryUuid, hash)!.message);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** Every text an error could carry to a log: message, details and the causes' messages. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message, JSON.stringify(e), String(e.stack));
  return parts.join('\n');
}

describe('Bitbucket REST client', () => {
  it('reads a pull request by slugs and by braced uuids, as the simulator holds it', async () => {
    const { sim, api, repository, ref } = setup();
    const open = pullRequestWithCommits(sim, repository, 2);
    const workspace = sim.generated!.workspace;
    const expected = {
      id: open.id,
      title: open.title,
      description: open.description,
      state: 'OPEN',
      sourceBranch: open.sourceBranch,
      createdOnMs: open.createdOnMs,
      closedOnMs: undefined,
      url: `https://bitbucket.org/${workspace.slug}/${repository.slug}/pull-requests/${open.id}`,
    };
    expect(await api.getPullRequest(ref, open.id)).toEqual(expected);
    expect(await api.getPullRequest({ workspace: workspace.uuid, repository: repository.uuid }, open.id)).toEqual(expected);
  });

  it('takes a closed pull request’s updated_on as its closing time', async () => {
    const { sim, api, repository, ref } = setup();
    const merged = pullRequestWithCommits(sim, repository, 1, 'MERGED');
    const declined = pullRequestWithCommits(sim, repository, 1, 'DECLINED');
    declined.updatedOnMs = declined.createdOnMs + 7_200_000;
    expect(merged.updatedOnMs).toBeGreaterThan(merged.createdOnMs);
    expect(await api.getPullRequest(ref, merged.id)).toMatchObject({ state: 'MERGED', closedOnMs: merged.updatedOnMs });
    expect(await api.getPullRequest(ref, declined.id)).toMatchObject({ state: 'DECLINED', closedOnMs: declined.createdOnMs + 7_200_000 });
  });

  it('follows next pages of commit messages up to the limit and says when it stopped short', async () => {
    const { sim, api, repository, ref, sent } = setup();
    const pr = pullRequestWithCommits(sim, repository, 250);
    const all = await api.getPullRequestCommitMessages(ref, pr.id, 1_000);
    expect(all).toEqual({ messages: storedMessages(sim, pr), truncated: false });
    expect(sent).toHaveLength(3);
    const some = await api.getPullRequestCommitMessages(ref, pr.id, 120);
    expect(some).toEqual({ messages: storedMessages(sim, pr).slice(0, 120), truncated: true });
    const exact = await api.getPullRequestCommitMessages(ref, pr.id, 250);
    expect(exact).toEqual({ messages: storedMessages(sim, pr), truncated: false });
  });

  it('stops at an empty page when the last page still carries next (BCLOUD-22441)', async () => {
    const { sim, api, repository, ref, sent } = setup({ behaviour: { nextOnLastPage: true } });
    const pr = pullRequestWithCommits(sim, repository, 150);
    expect(await api.getPullRequestCommitMessages(ref, pr.id, 1_000)).toEqual({ messages: storedMessages(sim, pr), truncated: false });
    // Two pages of values, then the empty third page that ends it.
    expect(sent.map((url) => new URL(url).searchParams.get('page'))).toEqual([null, '2', '3']);
  });

  it('lists pull requests in every state, most recently updated first, up to the limit', async () => {
    const { sim, api, repository, ref } = setup();
    const states: BbPullRequest['state'][] = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'];
    const created = Array.from({ length: 70 }, (_, i) =>
      createPullRequest(sim.model, sim.generated!.random, { repository, issueKeys: [`KEY-${i + 1}`], state: states[i % 4]! }),
    );
    const newestFirst = [...created].sort((a, b) => b.updatedOnMs - a.updatedOnMs).map((pr) => pr.id);
    const all = await api.listPullRequests(ref, 200);
    expect(all.truncated).toBe(false);
    expect(all.pullRequests.map((pr) => pr.id)).toEqual(newestFirst);
    expect(new Set(all.pullRequests.map((pr) => pr.state))).toEqual(new Set(states));
    const first = await api.listPullRequests(ref, 60);
    expect(first.truncated).toBe(true);
    expect(first.pullRequests.map((pr) => pr.id)).toEqual(newestFirst.slice(0, 60));
  });

  it('answers an unknown pull request or repository, and another workspace’s private one, with BITBUCKET_NOT_FOUND', async () => {
    const { sim, api, ref } = setup();
    sim.model.addWorkspace({ uuid: '{00000000-0000-4000-a000-0000000000bb}', slug: 'other', name: 'Other', isPrivate: true, createdOnMs: 0, memberUuids: new Set() });
    sim.model.addRepository({ uuid: '{00000000-0000-4000-a000-0000000000cc}', slug: 'secret', name: 'secret', workspaceUuid: '{00000000-0000-4000-a000-0000000000bb}', isPrivate: true, mainBranch: 'main', createdOnMs: 0, updatedOnMs: 0 });
    for (const call of [
      api.getPullRequest(ref, 999),
      api.getPullRequest({ ...ref, repository: 'no-such-repo' }, 1),
      api.getPullRequestCommitMessages({ ...ref, repository: 'no-such-repo' }, 1, 10),
      api.listPullRequests({ workspace: 'other', repository: 'secret' }, 10),
    ]) {
      expect((await rejection(call)).code).toBe('BITBUCKET_NOT_FOUND');
    }
  });

  it('answers a rate limit with a retryable BITBUCKET_UNAVAILABLE', async () => {
    const { sim, api, repository, ref } = setup({ rateLimits: { enabled: true, repositoriesPerHour: 1 } });
    const pr = pullRequestWithCommits(sim, repository, 1);
    await api.getPullRequest(ref, pr.id);
    const error = await rejection(api.getPullRequest(ref, pr.id));
    expect([error.code, error.retryable, error.httpStatus]).toEqual(['BITBUCKET_UNAVAILABLE', true, 502]);
    expect(error.message).toMatch(/rate-limiting/);
  });

  it('says Bitbucket refused the credentials, and never repeats them, when a call is not accepted', async () => {
    const { sim, installation, repository, ref } = setup();
    const pr = pullRequestWithCommits(sim, repository, 1);
    const wrong: BbConnectInstallation = { ...installation, sharedSecret: 'not-the-secret-at-all-0123456789' };
    const used: string[] = [];
    const api = createBitbucketApi({
      apiBaseUrl: API,
      fetch: sim.fetch,
      authorize: async ({ method, url }) => {
        const value = appJwtAuthorization(wrong, method, url.pathname + url.search, sim.clock.now());
        used.push(value);
        return value;
      },
    });
    const error = await rejection(api.getPullRequest(ref, pr.id));
    expect([error.code, error.retryable]).toEqual(['BITBUCKET_UNAVAILABLE', false]);
    expect(error.message).toBe("Bitbucket refused the app's credentials for this workspace");
    const token = used[0]!.slice('JWT '.length);
    expect(errorText(error)).not.toContain(token);
  });

  it('refuses a next link to another origin without sending anything there', async () => {
    // The simulator writes its links on another origin than the one the client was given.
    const { sim, api, repository, ref, sent } = setup({ baseUrl: 'https://attacker.example' });
    const pr = pullRequestWithCommits(sim, repository, 150);
    const error = await rejection(api.getPullRequestCommitMessages(ref, pr.id, 1_000));
    expect([error.code, error.retryable]).toEqual(['BITBUCKET_UNAVAILABLE', false]);
    expect(sent.map((url) => new URL(url).origin)).toEqual([API]);
  });

  it('encodes the braces of uuids in the path it signs and sends', async () => {
    const { sim, api, repository, sent } = setup();
    const pr = pullRequestWithCommits(sim, repository, 1);
    await api.getPullRequest({ workspace: sim.generated!.workspace.uuid, repository: repository.uuid }, pr.id);
    expect(new URL(sent[0]!).pathname).toBe(`/2.0/repositories/${encodeURIComponent(sim.generated!.workspace.uuid)}/${encodeURIComponent(repository.uuid)}/pullrequests/${pr.id}`);
    expect(sent[0]).toMatch(/%7B[0-9a-f-]{36}%7D/);
  });

  it('reads the installation’s own account as the current user', async () => {
    const { sim, api } = setup();
    expect(await api.getCurrentUser()).toEqual({ uuid: sim.generated!.workspace.uuid, accountId: null, displayName: sim.generated!.workspace.name });
  });

  it('reads a user’s public profile by uuid or account id', async () => {
    const { sim, api } = setup();
    const user = sim.generated!.users[1]!;
    const expected = { uuid: user.uuid, username: user.nickname, displayName: user.displayName, avatarUrl: expect.stringMatching(/^https:\/\//) };
    expect(await api.getUser(user.uuid)).toEqual(expected);
    expect(await api.getUser(user.accountId)).toEqual(expected);
    expect((await rejection(api.getUser('{00000000-0000-4000-a000-000000000000}'))).code).toBe('BITBUCKET_NOT_FOUND');
  });

  it('gives up after the timeout with a retryable BITBUCKET_UNAVAILABLE', async () => {
    // A Bitbucket that never answers: the request ends only when the client aborts it.
    const silent: Fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const api = createBitbucketApi({ apiBaseUrl: API, fetch: silent, authorize: async () => 'Basic c2VjcmV0', timeoutMs: 20 });
    const error = await rejection(api.getPullRequest({ workspace: 'w', repository: 'r' }, 1));
    expect([error.code, error.retryable, error.message]).toEqual(['BITBUCKET_UNAVAILABLE', true, 'Bitbucket did not answer within 20 ms']);
    expect(errorText(error)).not.toContain('c2VjcmV0');
  });

  it('refuses a pull request id that is not a positive integer before calling Bitbucket', async () => {
    const { api, ref, sent } = setup();
    expect((await rejection(api.getPullRequest(ref, 0))).code).toBe('REQUEST_INVALID');
    expect((await rejection(api.getPullRequest(ref, 1.5))).code).toBe('REQUEST_INVALID');
    expect(sent).toEqual([]);
  });
});
