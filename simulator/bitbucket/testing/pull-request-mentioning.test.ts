import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator } from '../create-bitbucket-simulator.js';
import { bitbucketDate } from '../render.js';
import { basicAuthorization } from './bitbucket-callers.js';
import { createPullRequestMentioning } from './pull-request-mentioning.js';
import { createBitbucketResponseCheck } from '../../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

// Jira-style keys as a reader would pick them out of a text (independent of the generator).
const keysIn = (text: string) => text.match(/[A-Z][A-Z0-9]+-[1-9]\d*/g) ?? [];

describe('createPullRequestMentioning', () => {
  it('creates the workspace, repository, author and a merged pull request naming the keys where asked, at the given times', async () => {
    const bb = createBitbucketSimulator({ generate: false, inspectResponse: check.inspect });
    const openedAtMs = Date.UTC(2026, 4, 4, 9);
    const closedAtMs = Date.UTC(2026, 4, 6, 17);
    const made = createPullRequestMentioning(bb, {
      workspace: 'acme',
      repository: 'billing',
      branchKeys: ['PAY-12'],
      titleKeys: ['PAY-12', 'OPS-3'],
      commitKeys: [['PAY-12'], ['SEC-9'], []],
      author: { displayName: 'Ada Lovelace', accountId: '5b10ac8d82e05b22cc7d4e11' },
      openedAtMs,
      closedAtMs,
    });
    const token = bb.model.createApiToken(made.author.uuid).token;
    const auth = { headers: { authorization: basicAuthorization({ email: made.author.email, token }) } };
    const base = `/2.0/repositories/acme/billing/pullrequests/${made.pullRequest.id}`;
    const pr = (await (await bb.fetch(base, auth)).json()) as Record<string, any>;
    expect(pr).toMatchObject({
      state: 'MERGED',
      created_on: bitbucketDate(openedAtMs),
      updated_on: bitbucketDate(closedAtMs),
      author: { account_id: '5b10ac8d82e05b22cc7d4e11', display_name: 'Ada Lovelace' },
    });
    expect(keysIn(pr.source.branch.name)).toEqual(['PAY-12']);
    expect(keysIn(pr.title)).toEqual(['PAY-12', 'OPS-3']);
    const commits = (await (await bb.fetch(`${base}/commits`, auth)).json()) as { values: { message: string; date: string }[] };
    expect(commits.values.map((c) => keysIn(c.message))).toEqual([['PAY-12'], ['SEC-9'], []]);
    expect(commits.values.every((c) => Date.parse(c.date) < openedAtMs)).toBe(true);
    const merge = (await (await bb.fetch(`/2.0/repositories/acme/billing/commit/${pr.merge_commit.hash}`, auth)).json()) as { date: string };
    expect(Date.parse(merge.date)).toBe(closedAtMs);
  });

  it('uses the generated workspace by default and stays open without a close time', () => {
    const bb = createBitbucketSimulator({ generate: { pullRequestsPerRepository: 0 } });
    const made = createPullRequestMentioning(bb, { titleKeys: ['KEY-1'], openedAtMs: Date.UTC(2026, 1, 1) });
    expect(made.workspace).toBe(bb.generated!.workspace);
    expect(made.repository).toBe(bb.generated!.repositories[0]);
    expect(made.author).toBe(bb.generated!.users[0]);
    expect(made.pullRequest).toMatchObject({ id: 1, state: 'OPEN', updatedOnMs: Date.UTC(2026, 1, 1) });
    expect(() => createPullRequestMentioning(bb, { state: 'DECLINED', openedAtMs: 0 })).toThrow(/closedAtMs/);
  });

  it('reuses an existing author by account id and makes them a member of a new workspace', () => {
    const bb = createBitbucketSimulator();
    const someone = bb.generated!.users[2]!;
    const made = createPullRequestMentioning(bb, { workspace: 'second', author: someone.accountId, state: 'DECLINED', openedAtMs: Date.UTC(2026, 1, 1), closedAtMs: Date.UTC(2026, 1, 2) });
    expect(made.author).toBe(someone);
    expect(made.workspace.memberUuids.has(someone.uuid)).toBe(true);
    expect(made.pullRequest).toMatchObject({ state: 'DECLINED', updatedOnMs: Date.UTC(2026, 1, 2) });
    expect(made.pullRequest.mergeCommitHash).toBeUndefined();
  });
});
