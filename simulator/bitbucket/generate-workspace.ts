import { createRandom, type Random } from '../random.js';
import { bracedUuid, type BbCommit, type BbPullRequest, type BbPullRequestState, type BbRepository, type BbUser, type BbWorkspace, type BitbucketModel } from './bitbucket-model.js';

/** What {@link generateWorkspace} builds; every count is exact. */
export interface GenerateWorkspaceOptions {
  seed: number | string;
  /** Workspace slug; its name is derived. */
  workspaceSlug: string;
  users: number;
  repositories: number;
  /** Pull requests per repository, mentioning keys of `issueKeys`. */
  pullRequestsPerRepository: number;
  /** Keys the generated pull requests pick from (e.g. the Jira simulator's issues). */
  issueKeys: readonly string[];
  /** Time of the oldest generated commit (epoch ms). */
  startMs: number;
}

/** Handles for tests: the workspace, its members (first is the admin), repositories and one API token per user. */
export interface GeneratedWorkspace {
  readonly workspace: BbWorkspace;
  readonly users: readonly BbUser[];
  readonly repositories: readonly BbRepository[];
  /** `email:token` Basic credentials of `users[i]`. */
  readonly credentials: readonly { email: string; token: string }[];
  readonly random: Random;
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman'];
const WORDS = ['login', 'report', 'export', 'timesheet', 'cache', 'paging', 'retry', 'sync', 'worklog', 'filter', 'search', 'upload'];
const VERBS = ['Fix', 'Add', 'Refactor', 'Speed up', 'Handle', 'Remove', 'Document', 'Test'];

function accountIdFor(random: Random, index: number): string {
  // Both Atlassian account id shapes, as the Jira simulator makes them.
  if (index % 3 === 2) return `557058:${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`;
  return random.hex(24);
}

/** Adds a user with a seeded uuid, account id and e-mail. */
export function generateUser(model: BitbucketModel, random: Random, index: number): BbUser {
  const first = FIRST[index % FIRST.length] as string;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length] as string;
  const nickname = `${first.toLowerCase()}${index}`;
  return model.addUser({
    uuid: bracedUuid(random.hex(32)),
    accountId: accountIdFor(random, index),
    displayName: `${first} ${last}`,
    nickname,
    email: `${nickname}@example.com`,
  });
}

/**
 * Builds one private workspace with members, repositories (each with a `main` commit) and pull
 * requests, reproducibly from `seed`. Every user gets a live API token.
 */
export function generateWorkspace(model: BitbucketModel, overrides: Partial<GenerateWorkspaceOptions> = {}): GeneratedWorkspace {
  const options: GenerateWorkspaceOptions = {
    seed: 1,
    workspaceSlug: 'tally-sim',
    users: 3,
    repositories: 2,
    pullRequestsPerRepository: 3,
    issueKeys: ['KEY-1', 'KEY-2', 'KEY-3'],
    startMs: Date.UTC(2026, 0, 5, 9),
    ...overrides,
  };
  const random = createRandom(options.seed);
  const users = Array.from({ length: Math.max(1, options.users) }, (_, i) => generateUser(model, random, i));
  const workspace = model.addWorkspace({
    uuid: bracedUuid(random.hex(32)),
    slug: options.workspaceSlug,
    name: options.workspaceSlug.replace(/(^|-)(\w)/g, (_, dash: string, ch: string) => (dash ? ' ' : '') + ch.toUpperCase()),
    isPrivate: true,
    createdOnMs: options.startMs,
    memberUuids: new Set(users.map((u) => u.uuid)),
  });
  const repositories: BbRepository[] = [];
  for (let r = 0; r < options.repositories; r++) {
    const slug = `${random.pick(WORDS)}-service-${r + 1}`;
    const repository = model.addRepository({
      uuid: bracedUuid(random.hex(32)),
      slug,
      name: slug,
      workspaceUuid: workspace.uuid,
      isPrivate: true,
      mainBranch: 'main',
      createdOnMs: options.startMs,
      updatedOnMs: options.startMs,
    });
    repositories.push(repository);
    const initial = addCommit(model, random, repository, { message: 'Initial commit', author: users[0] as BbUser, dateMs: options.startMs, parents: [] });
    repository.mainHash = initial.hash;
    for (let p = 0; p < options.pullRequestsPerRepository; p++) {
      const keys = options.issueKeys.length === 0 ? [] : [random.pick(options.issueKeys)];
      createPullRequest(model, random, { repository, issueKeys: keys, author: random.pick(users), reviewers: [random.pick(users)] });
    }
  }
  const credentials = users.map((u) => ({ email: u.email, token: model.createApiToken(u.uuid).token }));
  return { workspace, users, repositories, credentials, random };
}

/** Adds a commit with a seeded 40-hex hash. */
export function addCommit(
  model: BitbucketModel,
  random: Random,
  repository: BbRepository,
  input: { message: string; author: BbUser; dateMs: number; parents: readonly string[] },
): BbCommit {
  return model.addCommit({
    hash: random.hex(40),
    repositoryUuid: repository.uuid,
    message: input.message,
    authorRaw: `${input.author.displayName} <${input.author.email}>`,
    authorUuid: input.author.uuid,
    dateMs: input.dateMs,
    parentHashes: input.parents,
  });
}

/** Where a pull request mentions its issue keys; each list must be a subset of `issueKeys`. */
export interface KeyPlacement {
  branch: readonly string[];
  title: readonly string[];
  summary: readonly string[];
  /** One commit per entry: the keys that commit's message mentions. */
  commits: readonly (readonly string[])[];
}

/** What {@link createPullRequest} takes; everything but the repository is optional. */
export interface CreatePullRequestInput {
  repository: BbRepository;
  /** Keys the pull request mentions somewhere; by default the branch and title name the first, and one commit names each. */
  issueKeys?: readonly string[];
  /** Exact placement of keys, overriding the default spread. */
  placement?: Partial<KeyPlacement>;
  state?: BbPullRequestState;
  author?: BbUser;
  reviewers?: readonly BbUser[];
  /** Creation time; commits are an hour apart before it. Default: the repository's last update plus a day. */
  createdOnMs?: number;
  /**
   * When a merged, declined or superseded one was closed: its `updated_on` (Bitbucket has no
   * `closed_on`) and a merge commit's date. Default an hour after creation. Ignored while OPEN.
   */
  closedOnMs?: number;
}

function defaultPlacement(keys: readonly string[]): KeyPlacement {
  const first = keys.slice(0, 1);
  return { branch: first, title: first, summary: [], commits: keys.length === 0 ? [[]] : keys.map((k) => [k]) };
}

function mention(keys: readonly string[], text: string): string {
  return keys.length === 0 ? text : `${keys.join(' ')} ${text}`;
}

/**
 * Creates a pull request whose branch name, title, description and commit messages mention the
 * given Jira issue keys (see {@link KeyPlacement}), with its commits. Deterministic for a given
 * `random` state. Returns the pull request; its commits are `commitHashes`.
 */
export function createPullRequest(model: BitbucketModel, random: Random, input: CreatePullRequestInput): BbPullRequest {
  const keys = input.issueKeys ?? [];
  const placement = { ...defaultPlacement(keys), ...input.placement };
  const repository = input.repository;
  const users = model.listUsers();
  const author = input.author ?? random.pick(users);
  const createdOnMs = input.createdOnMs ?? repository.updatedOnMs + 86_400_000;
  const topic = `${random.pick(VERBS)} ${random.pick(WORDS)} ${random.pick(WORDS)}`;
  const slugTopic = topic.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const branchKeys = placement.branch.length === 0 ? '' : `${placement.branch.join('-')}-`;
  const sourceBranch = `feature/${branchKeys}${slugTopic}`;
  const destinationHash = repository.mainHash;
  if (destinationHash === undefined) throw new RangeError(`repository ${repository.slug} has no commit to merge into`);
  const hashes: string[] = [];
  let parent: string = destinationHash;
  placement.commits.forEach((commitKeys, i) => {
    const commit = addCommit(model, random, repository, {
      message: mention(commitKeys, `${random.pick(VERBS)} ${random.pick(WORDS)}${i === 0 ? '' : ` (part ${i + 1})`}`),
      author,
      dateMs: createdOnMs - (placement.commits.length - i) * 3_600_000,
      parents: [parent],
    });
    hashes.push(commit.hash);
    parent = commit.hash;
  });
  const state = input.state ?? 'OPEN';
  const closedOnMs = input.closedOnMs ?? createdOnMs + 3_600_000;
  if (state !== 'OPEN' && closedOnMs < createdOnMs) throw new RangeError('a pull request cannot close before it was created');
  const title = mention(placement.title, topic);
  // Bitbucket's merge commit message: "Merged in <branch> (pull request #<id>)" then the title.
  const merge =
    state === 'MERGED'
      ? addCommit(model, random, repository, {
          message: `Merged in ${sourceBranch} (pull request #${model.listPullRequests(repository.uuid).length + 1})\n\n${title}`,
          author,
          dateMs: closedOnMs,
          parents: [destinationHash, parent],
        })
      : undefined;
  const pullRequest = model.addPullRequest({
    repositoryUuid: repository.uuid,
    title,
    description: placement.summary.length === 0 ? `${topic}.` : `${topic}. Relates to ${placement.summary.join(', ')}.`,
    state,
    sourceBranch,
    destinationBranch: repository.mainBranch,
    authorUuid: author.uuid,
    reviewerUuids: (input.reviewers ?? []).map((u) => u.uuid),
    commitHashes: hashes,
    destinationHash,
    ...(merge ? { mergeCommitHash: merge.hash } : {}),
    createdOnMs,
    updatedOnMs: state === 'OPEN' ? createdOnMs : closedOnMs,
  });
  if (merge) repository.mainHash = merge.hash;
  repository.updatedOnMs = Math.max(repository.updatedOnMs, pullRequest.updatedOnMs);
  return pullRequest;
}

