import { createRandom } from '../../random.js';
import { bracedUuid, type BbCommit, type BbPullRequest, type BbPullRequestState, type BbRepository, type BbUser, type BbWorkspace } from '../bitbucket-model.js';
import type { BitbucketSimulator } from '../create-bitbucket-simulator.js';
import { addCommit, createPullRequest } from '../generate-workspace.js';

/** A user to create for the pull request (when no existing one is named). */
export interface NewBbUser {
  displayName: string;
  /** Atlassian account id: the one a Jira site knows the same person by. */
  accountId: string;
  nickname?: string;
  email?: string;
}

/** What {@link createPullRequestMentioning} builds; only the times are required. */
export interface PullRequestMentioningInput {
  /** Workspace slug; created (private) when missing. Default the generated workspace, else `tally-demo`. */
  workspace?: string;
  /** Repository slug in it; created (private, with an initial commit) when missing. Default the workspace's first, else `tally-service`. */
  repository?: string;
  /** Keys in the source branch name (`feature/KEY-1-KEY-2-…`). */
  branchKeys?: readonly string[];
  /** Keys at the start of the title. */
  titleKeys?: readonly string[];
  /** Keys in the description. */
  descriptionKeys?: readonly string[];
  /** One commit per entry, its message starting with that entry's keys; default one commit naming no key. */
  commitKeys?: readonly (readonly string[])[];
  /** An existing user (uuid or account id), or one to create; default the workspace's first member. Made a member. */
  author?: string | NewBbUser;
  openedAtMs: number;
  /** When it was merged or declined; its `updated_on`. Required unless the state is OPEN. */
  closedAtMs?: number;
  /** Default MERGED when `closedAtMs` is given, else OPEN. */
  state?: BbPullRequestState;
}

/** What was created or found, for assertions. */
export interface PullRequestMentioning {
  workspace: BbWorkspace;
  repository: BbRepository;
  author: BbUser;
  pullRequest: BbPullRequest;
  /** The pull request's commits, oldest first. */
  commits: BbCommit[];
}

/**
 * TEST AND DEMO FIXTURE — the one way to get "a workspace with a repository and a pull request
 * whose branch, title and commits mention these Jira keys, by this author, open over
 * [openedAtMs, closedAtMs)". Creates what is missing; deterministic for the same simulator state.
 */
export function createPullRequestMentioning(bb: BitbucketSimulator, input: PullRequestMentioningInput): PullRequestMentioning {
  const { model } = bb;
  const state = input.state ?? (input.closedAtMs === undefined ? 'OPEN' : 'MERGED');
  if (state !== 'OPEN' && input.closedAtMs === undefined) throw new RangeError(`a ${state} pull request needs closedAtMs`);
  const random = bb.generated?.random ?? createRandom(`pull-request:${input.workspace ?? ''}/${input.repository ?? ''}/${input.openedAtMs}`);

  const workspaceSlug = input.workspace ?? bb.generated?.workspace.slug ?? 'tally-demo';
  const workspace =
    model.findWorkspace(workspaceSlug) ??
    model.addWorkspace({ uuid: bracedUuid(random.hex(32)), slug: workspaceSlug, name: workspaceSlug, isPrivate: true, createdOnMs: input.openedAtMs, memberUuids: new Set() });

  const author = resolveAuthor(bb, workspace, input.author, random.hex(32));
  workspace.memberUuids.add(author.uuid);

  const repositorySlug = input.repository ?? model.listRepositories(workspace.uuid)[0]?.slug ?? 'tally-service';
  let repository = model.findRepository(workspace.uuid, repositorySlug);
  if (!repository) {
    const createdOnMs = input.openedAtMs - 86_400_000;
    repository = model.addRepository({ uuid: bracedUuid(random.hex(32)), slug: repositorySlug, name: repositorySlug, workspaceUuid: workspace.uuid, isPrivate: true, mainBranch: 'main', createdOnMs, updatedOnMs: createdOnMs });
    repository.mainHash = addCommit(model, random, repository, { message: 'Initial commit', author, dateMs: createdOnMs, parents: [] }).hash;
  }

  const placement = {
    branch: input.branchKeys ?? [],
    title: input.titleKeys ?? [],
    summary: input.descriptionKeys ?? [],
    commits: input.commitKeys ?? [[]],
  };
  const issueKeys = [...new Set([...placement.branch, ...placement.title, ...placement.summary, ...placement.commits.flat()])];
  const pullRequest = createPullRequest(model, random, {
    repository,
    issueKeys,
    placement,
    state,
    author,
    createdOnMs: input.openedAtMs,
    ...(input.closedAtMs === undefined ? {} : { closedOnMs: input.closedAtMs }),
  });
  const commits = pullRequest.commitHashes.map((hash) => model.findCommit(repository.uuid, hash)).filter((c) => c !== undefined);
  return { workspace, repository, author, pullRequest, commits };
}

function resolveAuthor(bb: BitbucketSimulator, workspace: BbWorkspace, author: string | NewBbUser | undefined, uuidHex: string): BbUser {
  if (typeof author === 'string') {
    const found = bb.model.findUserByRef(author);
    if (!found) throw new RangeError(`no user ${author}`);
    return found;
  }
  if (author === undefined) {
    const member = [...workspace.memberUuids].map((uuid) => bb.model.findUser(uuid)).find((u) => u !== undefined) ?? bb.model.listUsers()[0];
    if (member) return member;
  }
  const wanted = author ?? { displayName: 'Pat Author', accountId: '5b10ac8d82e05b22cc7d4e99' };
  const existing = bb.model.findUserByRef(wanted.accountId);
  if (existing) return existing;
  const nickname = wanted.nickname ?? wanted.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return bb.model.addUser({ uuid: bracedUuid(uuidHex), accountId: wanted.accountId, displayName: wanted.displayName, nickname, email: wanted.email ?? `${nickname}@example.com` });
}
