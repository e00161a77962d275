/**
 * The ports between the Bitbucket edges and the core's Bitbucket time service (issue 13). An edge
 * verifies a request its own way (a signed page token, an invocation token), builds a `BitbucketApi`
 * that signs calls for its installation, and asks the service; the service reads pull requests
 * through that port, the linked Jira tenant's synced worklogs from its store, and names, issue
 * keys and browse permissions live from Jira. Answers are JSON-ready and hold account ids and
 * display names fetched live — nothing here is stored.
 */
import type { BitbucketInstallation } from './bitbucket-installations.js';
import type { PullRequestTime } from './pull-request-time.js';
import type { RepositoryTime } from './repository-time.js';

/** How an edge signs one call to Bitbucket's REST 2.0 for its installation: the `Authorization` header value. */
export type BitbucketAuthorizer = (request: { method: string; url: URL }) => Promise<string>;

/** A repository as the panel names it: `workspace/repo_slug`, or `{workspace-uuid}/{repo-uuid}` (braces kept). */
export interface RepositoryRef {
  workspace: string;
  repository: string;
}

/** The fields of a pull request the time service reads. */
export interface BitbucketPullRequest {
  id: number;
  title: string;
  description: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
  sourceBranch: string;
  createdOnMs: number;
  /** When it was merged or declined (`updated_on` of a closed pull request); undefined while open. */
  closedOnMs: number | undefined;
  /** Bitbucket's link to it (`links.html.href`). */
  url: string | undefined;
}

/** Bitbucket REST 2.0 as the time service needs it (implemented in `bitbucket-client.ts`). */
export interface BitbucketApi {
  getPullRequest(repo: RepositoryRef, id: number): Promise<BitbucketPullRequest>;
  /** Commit messages of the pull request, newest first, at most `limit` (following `next`). */
  getPullRequestCommitMessages(repo: RepositoryRef, id: number, limit: number): Promise<{ messages: string[]; truncated: boolean }>;
  /** The repository's pull requests in every state, most recently updated first, at most `limit`. */
  listPullRequests(repo: RepositoryRef, limit: number): Promise<{ pullRequests: BitbucketPullRequest[]; truncated: boolean }>;
  /** `GET /2.0/user` as the installation (proves a just-received secret works). */
  getCurrentUser(): Promise<{ uuid: string; accountId: string | null; displayName: string | null }>;
  /** `GET /2.0/users/{selected_user}` (the installer's username and avatar when the install event names an account only). */
  getUser(uuidOrAccountId: string): Promise<{ uuid: string; username: string | null; displayName: string | null; avatarUrl: string | null }>;
}

/** A person as shown next to time: fetched live from the linked Jira site, never stored. */
export interface LivePerson {
  accountId: string;
  displayName: string;
  avatarUrl: string | null;
}

/** An issue's live details on the linked Jira site (visible issues only). */
export interface LiveIssueSummary {
  key: string;
  summary: string;
  /** `<site>/browse/<key>`. */
  url: string;
}

/** The pull-request panel's answer. */
export interface PullRequestPanel {
  pullRequest: { id: number; title: string; state: BitbucketPullRequest['state']; openedAtMs: number; closedAtMs: number | null };
  /** The linked Jira site (its base URL), for links. */
  siteUrl: string;
  time: PullRequestTime;
  /** Live details of the visible issues, by issue id. */
  issueDetails: Record<string, LiveIssueSummary>;
  /** Live names of every account id in `time`, by account id (absent: Jira no longer knows it). */
  people: Record<string, LivePerson>;
  /** Whether the viewer is known to Jira by account id; false: every issue is hidden. */
  viewerMatched: boolean;
  /** True when a reading bound was reached (keys, commit messages). */
  truncated: boolean;
}

/** The repository page's answer for one period [fromMs, toMs). */
export interface RepositoryPage {
  repository: RepositoryRef;
  fromMs: number;
  toMs: number;
  siteUrl: string;
  time: RepositoryTime;
  issueDetails: Record<string, LiveIssueSummary>;
  people: Record<string, LivePerson>;
  viewerMatched: boolean;
  /** How many pull requests were read (the most recently updated, at most 200). */
  pullRequestsRead: number;
  truncated: boolean;
}

/** What the edges ask of the core. The installation must be active and linked (else `BITBUCKET_*` errors). */
export interface BitbucketTimeService {
  pullRequestPanel(request: {
    installation: BitbucketInstallation;
    /** The viewer's Atlassian account id as the platform verified it; undefined when unknown (everything hidden). */
    viewerAccountId: string | undefined;
    api: BitbucketApi;
    repository: RepositoryRef;
    pullRequestId: number;
  }): Promise<PullRequestPanel>;
  repositoryPage(request: {
    installation: BitbucketInstallation;
    viewerAccountId: string | undefined;
    api: BitbucketApi;
    repository: RepositoryRef;
    fromMs: number;
    toMs: number;
  }): Promise<RepositoryPage>;
}
