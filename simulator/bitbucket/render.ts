import type { BbAppUser, BbCommit, BbPullRequest, BbRepository, BbUser, BbWorkspace, BitbucketModel } from './bitbucket-model.js';

/** Links are absolute: the API base (`baseUrl`) for REST links, bitbucket.org-style for HTML ones. */
export interface RenderContext {
  readonly model: BitbucketModel;
  readonly apiBaseUrl: string;
  readonly htmlBaseUrl: string;
}

type Json = Record<string, unknown>;

/** Bitbucket's timestamp form: microseconds and a `+00:00` offset (`2026-01-05T09:00:00.000000+00:00`). */
export function bitbucketDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

const href = (url: string) => ({ href: url });

/** A user as `account` (REST 2.0): no e-mail, ever. */
export function renderUser(ctx: RenderContext, user: BbUser): Json {
  return {
    type: 'user',
    uuid: user.uuid,
    account_id: user.accountId,
    display_name: user.displayName,
    nickname: user.nickname,
    links: {
      self: href(`${ctx.apiBaseUrl}/2.0/users/${encodeURIComponent(user.uuid)}`),
      html: href(`${ctx.htmlBaseUrl}/${encodeURIComponent(user.uuid)}/`),
      avatar: href(`https://avatar-management.services.atlassian.com/default/${user.accountId.replace(/\W/g, '')}/128`),
    },
  };
}

/**
 * An app's bot account as `GET /2.0/user` shows it to the app's own system token: `type:
 * "app_user"` as Bitbucket types bot accounts (access tokens); the Forge form is [UNVERIFIED].
 */
export function renderAppUser(ctx: RenderContext, appUser: BbAppUser): Json {
  return {
    type: 'app_user',
    uuid: appUser.uuid,
    account_id: appUser.accountId,
    display_name: appUser.displayName,
    links: {
      self: href(`${ctx.apiBaseUrl}/2.0/users/${encodeURIComponent(appUser.uuid)}`),
      html: href(`${ctx.htmlBaseUrl}/${encodeURIComponent(appUser.uuid)}/`),
      avatar: href(`https://avatar-management.services.atlassian.com/default/${appUser.accountId.replace(/\W/g, '')}/128`),
    },
  };
}

/** A workspace as the `GET /2.0/user` of a Connect app sees its installation's principal (a team account). */
export function renderWorkspaceAccount(ctx: RenderContext, workspace: BbWorkspace): Json {
  return {
    type: 'team',
    uuid: workspace.uuid,
    username: workspace.slug,
    display_name: workspace.name,
    links: {
      self: href(`${ctx.apiBaseUrl}/2.0/workspaces/${workspace.slug}`),
      html: href(`${ctx.htmlBaseUrl}/${workspace.slug}/`),
      avatar: href(`${ctx.htmlBaseUrl}/workspaces/${workspace.slug}/avatar/`),
    },
  };
}

/** `workspace` (REST 2.0), full form. */
export function renderWorkspace(ctx: RenderContext, workspace: BbWorkspace): Json {
  const self = `${ctx.apiBaseUrl}/2.0/workspaces/${workspace.slug}`;
  return {
    type: 'workspace',
    uuid: workspace.uuid,
    name: workspace.name,
    slug: workspace.slug,
    is_private: workspace.isPrivate,
    created_on: bitbucketDate(workspace.createdOnMs),
    links: {
      self: href(self),
      html: href(`${ctx.htmlBaseUrl}/${workspace.slug}/`),
      avatar: href(`${ctx.htmlBaseUrl}/workspaces/${workspace.slug}/avatar/`),
      members: href(`${self}/members`),
      projects: href(`${self}/projects`),
      repositories: href(`${ctx.apiBaseUrl}/2.0/repositories/${workspace.slug}`),
    },
  };
}

function repositoryUrl(ctx: RenderContext, repository: BbRepository): { api: string; html: string; fullName: string } {
  const workspace = ctx.model.getWorkspace(repository.workspaceUuid);
  const fullName = `${workspace.slug}/${repository.slug}`;
  return { api: `${ctx.apiBaseUrl}/2.0/repositories/${fullName}`, html: `${ctx.htmlBaseUrl}/${fullName}`, fullName };
}

/** The short repository form embedded in pull requests and commits. */
export function renderRepositoryRef(ctx: RenderContext, repository: BbRepository): Json {
  const url = repositoryUrl(ctx, repository);
  return {
    type: 'repository',
    full_name: url.fullName,
    name: repository.name,
    uuid: repository.uuid,
    links: { self: href(url.api), html: href(url.html), avatar: href(`${url.html}/avatar/32/`) },
  };
}

/** `repository` (REST 2.0), full form. */
export function renderRepository(ctx: RenderContext, repository: BbRepository): Json {
  const url = repositoryUrl(ctx, repository);
  const workspace = ctx.model.getWorkspace(repository.workspaceUuid);
  return {
    type: 'repository',
    uuid: repository.uuid,
    full_name: url.fullName,
    name: repository.name,
    slug: repository.slug,
    is_private: repository.isPrivate,
    scm: 'git',
    workspace: { type: 'workspace', uuid: workspace.uuid, slug: workspace.slug, name: workspace.name, links: { self: href(`${ctx.apiBaseUrl}/2.0/workspaces/${workspace.slug}`) } },
    mainbranch: { type: 'branch', name: repository.mainBranch },
    created_on: bitbucketDate(repository.createdOnMs),
    updated_on: bitbucketDate(repository.updatedOnMs),
    links: {
      self: href(url.api),
      html: href(url.html),
      avatar: href(`${url.html}/avatar/32/`),
      pullrequests: href(`${url.api}/pullrequests`),
      commits: href(`${url.api}/commits`),
      clone: [{ name: 'https', href: `${ctx.htmlBaseUrl.replace('://', '://x-token-auth@')}/${url.fullName}.git` }],
    },
  };
}

function requireUser(ctx: RenderContext, uuid: string): BbUser {
  const user = ctx.model.findUser(uuid);
  if (!user) throw new RangeError(`no user ${uuid}`);
  return user;
}

function markdown(raw: string): Json {
  const html = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return { raw, markup: 'markdown', html: raw === '' ? '' : `<p>${html}</p>` };
}

/**
 * `pullrequest` (REST 2.0). `participants` and `reviewers` only in the single GET (`full`), as
 * Bitbucket leaves them out of lists (bitbucket-cloud.md §3). Endpoint hashes are 12 characters.
 */
export function renderPullRequest(ctx: RenderContext, pr: BbPullRequest, full: boolean): Json {
  const repository = ctx.model.findRepositoryByUuid(pr.repositoryUuid);
  if (!repository) throw new RangeError(`no repository ${pr.repositoryUuid}`);
  const url = repositoryUrl(ctx, repository);
  const self = `${url.api}/pullrequests/${pr.id}`;
  const repoRef = renderRepositoryRef(ctx, repository);
  const tip = pr.commitHashes[pr.commitHashes.length - 1] ?? pr.destinationHash;
  const body: Json = {
    type: 'pullrequest',
    id: pr.id,
    title: pr.title,
    summary: markdown(pr.description),
    state: pr.state,
    author: renderUser(ctx, requireUser(ctx, pr.authorUuid)),
    source: { branch: { name: pr.sourceBranch }, commit: { hash: tip.slice(0, 12) }, repository: repoRef },
    destination: { branch: { name: pr.destinationBranch }, commit: { hash: pr.destinationHash.slice(0, 12) }, repository: repoRef },
    merge_commit: pr.mergeCommitHash ? { hash: pr.mergeCommitHash.slice(0, 12) } : null,
    comment_count: 0,
    task_count: 0,
    close_source_branch: true,
    reason: '',
    created_on: bitbucketDate(pr.createdOnMs),
    updated_on: bitbucketDate(pr.updatedOnMs),
    links: {
      self: href(self),
      html: href(`${url.html}/pull-requests/${pr.id}`),
      commits: href(`${self}/commits`),
      diff: href(`${self}/diff`),
      activity: href(`${self}/activity`),
    },
  };
  if (pr.mergeCommitHash === undefined) delete body.merge_commit;
  if (full) {
    const reviewers = pr.reviewerUuids.map((uuid) => requireUser(ctx, uuid));
    body.reviewers = reviewers.map((u) => renderUser(ctx, u));
    // `participant.state` and `participated_on` are null for a reviewer who did nothing yet; the
    // excerpt types both as non-null strings, so they are left out rather than sent as null.
    body.participants = reviewers.map((u) => ({ type: 'participant', user: renderUser(ctx, u), role: 'REVIEWER', approved: false }));
  }
  return body;
}

/** `commit` (REST 2.0) with author, parents and the short repository. */
export function renderCommit(ctx: RenderContext, repository: BbRepository, commit: BbCommit): Json {
  const url = repositoryUrl(ctx, repository);
  const user = commit.authorUuid ? ctx.model.findUser(commit.authorUuid) : undefined;
  return {
    type: 'commit',
    hash: commit.hash,
    date: bitbucketDate(commit.dateMs),
    author: { type: 'author', raw: commit.authorRaw, ...(user ? { user: renderUser(ctx, user) } : {}) },
    message: commit.message,
    summary: markdown(commit.message),
    parents: commit.parentHashes.map((hash) => ({
      type: 'commit',
      hash,
      links: { self: href(`${url.api}/commit/${hash}`), html: href(`${url.html}/commits/${hash}`) },
    })),
    repository: renderRepositoryRef(ctx, repository),
    links: { self: href(`${url.api}/commit/${commit.hash}`), html: href(`${url.html}/commits/${commit.hash}`) },
  };
}
