import { randomBytes } from 'node:crypto';

/** A Bitbucket user (an Atlassian account). `uuid` is in braces, as Bitbucket writes it. */
export interface BbUser {
  readonly uuid: string;
  /** Atlassian account id: the 24-hex form or the older `557058:<uuid>` form. */
  readonly accountId: string;
  readonly displayName: string;
  readonly nickname: string;
  /** The login an API token is paired with (`email:token`). */
  readonly email: string;
}

/**
 * An app's bot account (a Forge app's system token acts as it). Not a workspace member and not
 * listed with users; REST renders it as `type: "app_user"` ([UNVERIFIED] for Forge).
 */
export interface BbAppUser {
  readonly uuid: string;
  readonly accountId: string;
  readonly displayName: string;
}

/** A workspace: the owner of repositories, and what a Connect app is installed into. */
export interface BbWorkspace {
  readonly uuid: string;
  readonly slug: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly createdOnMs: number;
  /** Uuids of the users that can read its private repositories. */
  readonly memberUuids: Set<string>;
}

/** A repository of one workspace. */
export interface BbRepository {
  readonly uuid: string;
  readonly slug: string;
  readonly name: string;
  readonly workspaceUuid: string;
  readonly isPrivate: boolean;
  readonly mainBranch: string;
  /** Head of the main branch; undefined while the repository is empty. */
  mainHash?: string;
  readonly createdOnMs: number;
  updatedOnMs: number;
}

/** A commit: `authorUuid` is set when the raw author matched a Bitbucket user. */
export interface BbCommit {
  readonly hash: string;
  readonly repositoryUuid: string;
  readonly message: string;
  /** `Name <email>` as git recorded it. */
  readonly authorRaw: string;
  readonly authorUuid?: string;
  readonly dateMs: number;
  readonly parentHashes: readonly string[];
}

/** The four states Bitbucket knows (REST 2.0 `pullrequest.state`). */
export type BbPullRequestState = 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
export const PULL_REQUEST_STATES: readonly BbPullRequestState[] = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'];

/** A pull request; ids count from 1 per repository, as on Bitbucket. */
export interface BbPullRequest {
  readonly id: number;
  readonly repositoryUuid: string;
  title: string;
  /** Markdown as typed (`summary.raw`). */
  description: string;
  state: BbPullRequestState;
  readonly sourceBranch: string;
  readonly destinationBranch: string;
  readonly authorUuid: string;
  readonly reviewerUuids: readonly string[];
  /** Commits being merged into the destination, oldest first; the last is the source tip. */
  readonly commitHashes: readonly string[];
  readonly destinationHash: string;
  mergeCommitHash?: string;
  readonly createdOnMs: number;
  updatedOnMs: number;
}

/** A Connect app installed into a workspace (the installed payload's `key`, `clientKey`, `sharedSecret`). */
export interface BbConnectInstallation {
  readonly appKey: string;
  readonly clientKey: string;
  readonly sharedSecret: string;
  readonly workspaceUuid: string;
}

/** A user's API token (Basic `email:token`); revoked and expired tokens stay on record. */
export interface BbApiToken {
  readonly token: string;
  readonly userUuid: string;
  readonly expiresAtMs: number;
  revokedAtMs?: number;
}

const YEAR_MS = 365 * 86_400_000;

/** A braced, lowercase uuid made from 32 hex characters. */
export function bracedUuid(hex32: string): string {
  const h = hex32.toLowerCase();
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}}`;
}

/** `{UUID}` in any case, with or without braces already decoded: the normalised key, else undefined. */
function asUuidKey(ref: string): string | undefined {
  return /^\{[0-9a-f-]{36}\}$/i.test(ref) ? ref.toLowerCase() : undefined;
}

/**
 * The state of one simulated Bitbucket Cloud: users, workspaces, repositories, commits, pull
 * requests, API tokens and Connect installations, as plain records. Routes render REST 2.0 bodies
 * from it. Adders refuse duplicates and dangling references with a RangeError.
 */
export class BitbucketModel {
  private readonly users = new Map<string, BbUser>();
  private readonly workspaces = new Map<string, BbWorkspace>();
  private readonly repositories = new Map<string, BbRepository>();
  private readonly commits = new Map<string, BbCommit>();
  private readonly pullRequests = new Map<string, BbPullRequest[]>();
  private readonly tokens = new Map<string, BbApiToken>();
  private readonly installations = new Map<string, BbConnectInstallation>();

  constructor(private readonly nowMs: () => number) {}

  addUser(user: BbUser): BbUser {
    if (this.users.has(user.uuid)) throw new RangeError(`user ${user.uuid} exists`);
    this.users.set(user.uuid, user);
    return user;
  }

  addWorkspace(workspace: BbWorkspace): BbWorkspace {
    if (this.findWorkspace(workspace.slug) || this.workspaces.has(workspace.uuid)) throw new RangeError(`workspace ${workspace.slug} exists`);
    this.workspaces.set(workspace.uuid, workspace);
    return workspace;
  }

  addRepository(repository: BbRepository): BbRepository {
    const workspace = this.getWorkspace(repository.workspaceUuid);
    if (this.findRepository(workspace.slug, repository.slug)) throw new RangeError(`repository ${repository.slug} exists`);
    this.repositories.set(repository.uuid, repository);
    this.pullRequests.set(repository.uuid, []);
    return repository;
  }

  addCommit(commit: BbCommit): BbCommit {
    if (!this.repositories.has(commit.repositoryUuid)) throw new RangeError(`no repository ${commit.repositoryUuid}`);
    this.commits.set(`${commit.repositoryUuid}/${commit.hash}`, commit);
    return commit;
  }

  /** Adds a pull request with the next id of its repository; its commits must exist. */
  addPullRequest(input: Omit<BbPullRequest, 'id'>): BbPullRequest {
    const list = this.pullRequests.get(input.repositoryUuid);
    if (!list) throw new RangeError(`no repository ${input.repositoryUuid}`);
    for (const hash of input.commitHashes) {
      if (!this.commits.has(`${input.repositoryUuid}/${hash}`)) throw new RangeError(`no commit ${hash}`);
    }
    const pullRequest: BbPullRequest = { ...input, id: list.length + 1 };
    list.push(pullRequest);
    return pullRequest;
  }

  findUser(uuid: string): BbUser | undefined {
    return this.users.get(uuid);
  }

  /** By Atlassian account id, or by `{uuid}` (braces required, any case), as `{selected_user}` in a URL. */
  findUserByRef(ref: string): BbUser | undefined {
    const key = asUuidKey(ref);
    if (key) return this.users.get(key);
    return [...this.users.values()].find((u) => u.accountId === ref);
  }

  findUserByEmail(email: string): BbUser | undefined {
    const wanted = email.toLowerCase();
    return [...this.users.values()].find((u) => u.email.toLowerCase() === wanted);
  }

  listUsers(): BbUser[] {
    return [...this.users.values()];
  }

  /** By slug or by `{uuid}` (braces required, any case), as `{workspace}` in a URL. */
  findWorkspace(ref: string): BbWorkspace | undefined {
    const key = asUuidKey(ref);
    if (key) return this.workspaces.get(key);
    return [...this.workspaces.values()].find((w) => w.slug === ref.toLowerCase());
  }

  getWorkspace(ref: string): BbWorkspace {
    const workspace = this.findWorkspace(ref);
    if (!workspace) throw new RangeError(`no workspace ${ref}`);
    return workspace;
  }

  listWorkspaces(): BbWorkspace[] {
    return [...this.workspaces.values()];
  }

  /** A repository of the workspace, by slug or `{uuid}`; a uuid of another workspace's repository is not found. */
  findRepository(workspaceRef: string, repoRef: string): BbRepository | undefined {
    const workspace = this.findWorkspace(workspaceRef);
    if (!workspace) return undefined;
    const key = asUuidKey(repoRef);
    const found = key
      ? this.repositories.get(key)
      : [...this.repositories.values()].find((r) => r.workspaceUuid === workspace.uuid && r.slug === repoRef.toLowerCase());
    return found?.workspaceUuid === workspace.uuid ? found : undefined;
  }

  /** A repository by its uuid alone (records refer to each other by uuid). */
  findRepositoryByUuid(uuid: string): BbRepository | undefined {
    return this.repositories.get(uuid);
  }

  listRepositories(workspaceUuid: string): BbRepository[] {
    return [...this.repositories.values()].filter((r) => r.workspaceUuid === workspaceUuid);
  }

  listPullRequests(repositoryUuid: string): readonly BbPullRequest[] {
    return this.pullRequests.get(repositoryUuid) ?? [];
  }

  findPullRequest(repositoryUuid: string, id: number): BbPullRequest | undefined {
    return this.pullRequests.get(repositoryUuid)?.[id - 1];
  }

  /** A commit by full hash or a unique prefix of at least 7 characters (Bitbucket takes short hashes). */
  findCommit(repositoryUuid: string, ref: string): BbCommit | undefined {
    const exact = this.commits.get(`${repositoryUuid}/${ref}`);
    if (exact || ref.length < 7 || !/^[0-9a-f]+$/i.test(ref)) return exact;
    const matches = [...this.commits.values()].filter((c) => c.repositoryUuid === repositoryUuid && c.hash.startsWith(ref.toLowerCase()));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Pull requests whose commits include `hash`, in id order. */
  listPullRequestsWithCommit(repositoryUuid: string, hash: string): BbPullRequest[] {
    return this.listPullRequests(repositoryUuid).filter((pr) => pr.commitHashes.includes(hash));
  }

  /** Creates an API token for a user; expiry at most one year ahead (Atlassian's rule for API tokens). */
  createApiToken(userUuid: string, options: { expiresAtMs?: number } = {}): BbApiToken {
    if (!this.users.has(userUuid)) throw new RangeError(`no user ${userUuid}`);
    const now = this.nowMs();
    const expiresAtMs = options.expiresAtMs ?? now + YEAR_MS;
    if (!(expiresAtMs > now && expiresAtMs <= now + YEAR_MS)) throw new RangeError('an API token expires within a year');
    const token: BbApiToken = { token: `ATATT3x${randomBytes(30).toString('base64url')}`, userUuid, expiresAtMs };
    this.tokens.set(token.token, token);
    return token;
  }

  /** Revokes from now on; false for an unknown token. Idempotent. */
  revokeApiToken(token: string): boolean {
    const found = this.tokens.get(token);
    if (!found) return false;
    found.revokedAtMs ??= this.nowMs();
    return true;
  }

  /** The user an `email:token` pair authenticates, if the token is theirs and live. */
  findUserByCredentials(email: string, token: string): BbUser | undefined {
    const found = this.tokens.get(token);
    const user = this.findUserByEmail(email);
    if (!found || !user || found.userUuid !== user.uuid) return undefined;
    if (found.revokedAtMs !== undefined || found.expiresAtMs <= this.nowMs()) return undefined;
    return user;
  }

  /**
   * Installs a Connect app into a workspace: a new client key and secret, or — for the first
   * install after an uninstall, which Bitbucket treats as the same installation (bitbucket-cloud.md
   * §1.3) — the `reuse`d client key with the new secret. Refuses a client key that is installed.
   */
  installConnectApp(appKey: string, workspaceRef: string, reuse?: { clientKey: string; sharedSecret: string }): BbConnectInstallation {
    const workspace = this.getWorkspace(workspaceRef);
    if (reuse && this.installations.has(reuse.clientKey)) throw new RangeError(`client key ${reuse.clientKey} is installed`);
    const installation: BbConnectInstallation = {
      appKey,
      clientKey: reuse?.clientKey ?? `connection:${randomBytes(8).toString('hex')}`,
      sharedSecret: reuse?.sharedSecret ?? randomBytes(32).toString('base64url'),
      workspaceUuid: workspace.uuid,
    };
    this.installations.set(installation.clientKey, installation);
    return installation;
  }

  /** A re-install's new secret: from now on only it verifies. Returns the new record; throws when not installed. */
  replaceSharedSecret(clientKey: string, sharedSecret: string): BbConnectInstallation {
    const found = this.installations.get(clientKey);
    if (!found) throw new RangeError(`client key ${clientKey} is not installed`);
    const replaced = { ...found, sharedSecret };
    this.installations.set(clientKey, replaced);
    return replaced;
  }

  /** Uninstalls; its JWTs stop working at once. False when unknown. */
  uninstallConnectApp(clientKey: string): boolean {
    return this.installations.delete(clientKey);
  }

  findInstallation(clientKey: string): BbConnectInstallation | undefined {
    return this.installations.get(clientKey);
  }
}
