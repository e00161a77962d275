/**
 * The core's Bitbucket time service (issue 13): what both Bitbucket edges ask once they verified
 * a request. It reads the pull requests through the edge's `BitbucketApi`, resolves the issue keys
 * they name on the linked Jira site and asks Jira, live, what the viewer may browse; it sums the
 * linked tenant's synced worklogs of the browsable issues only, and names people live. Nothing it
 * reads is stored or logged.
 */
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { LiveIssue, LiveJiraData } from '../reporting/live/live-jira-data.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { Tenant } from '../tenants/tenant.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { BitbucketInstallation } from './bitbucket-installations.js';
import type { BitbucketTimeService, LiveIssueSummary, LivePerson } from './bitbucket-time-ports.js';
import type { HiddenIssue, IssueKeyResolution } from './issue-visibility.js';
import { MAX_COMMIT_MESSAGES, pullRequestIssueKeys } from './issue-keys.js';
import { computePullRequestTime } from './pull-request-time.js';
import { computeRepositoryTime } from './repository-time.js';

/** Pull requests the repository page reads: the most recently updated, in every state. */
export const MAX_REPOSITORY_PULL_REQUESTS = 200;
/**
 * Distinct keys the repository page resolves. Each key Jira does not name by its current key
 * (unknown keys such as `UTF-8`, or a moved issue's old key) costs one Jira call, cached for minutes.
 */
export const MAX_REPOSITORY_ISSUE_KEYS = 300;
/** Longest period the repository page sums (a leap year). */
export const MAX_PERIOD_MS = 366 * 86_400_000;

/** What {@link createBitbucketTimeService} needs. */
export interface BitbucketTimeServiceDeps {
  registry: Pick<TenantRegistry, 'findTenant'>;
  stores: StoreProvider;
  live: Pick<LiveJiraData, 'issuesForKeys' | 'users' | 'viewerScope'>;
  /** Not read: pull-request intervals come from Bitbucket's instants and periods from the caller. */
  clock?: Clock;
}

/**
 * The Jira tenant an installation may see time from (and log work to): active
 * (`BITBUCKET_INSTALLATION_PENDING`), linked to an installed, enabled tenant (`BITBUCKET_NOT_LINKED`).
 */
export async function linkedTenant(registry: BitbucketTimeServiceDeps['registry'], installation: BitbucketInstallation): Promise<Tenant> {
  if (installation.state !== 'active') throw new AppError('BITBUCKET_INSTALLATION_PENDING', 'This Bitbucket installation is not confirmed yet');
  const tenant = installation.jiraTenantId === null ? undefined : await registry.findTenant(installation.jiraTenantId);
  // A disabled Jira app shows no reports on Jira either; its linked workspaces see none.
  if (!tenant || tenant.state !== 'installed' || !tenant.enabled) {
    throw new AppError('BITBUCKET_NOT_LINKED', 'This Bitbucket workspace is not linked to a Jira site in Tally');
  }
  return tenant;
}

/** The keys resolved on the tenant's site, and which of the issues the viewer may browse. */
interface ResolvedKeys {
  resolutions: IssueKeyResolution[];
  issuesByKey: Map<string, LiveIssue>;
  browsable: ReadonlySet<number>;
  viewerMatched: boolean;
}

/**
 * The {@link BitbucketTimeService}. Every answer first checks that the installation is active
 * (`BITBUCKET_INSTALLATION_PENDING`) and linked to an installed, enabled Jira tenant
 * (`BITBUCKET_NOT_LINKED`), before any call to Bitbucket or Jira. Read-only and bounded: one
 * pull request and at most `MAX_COMMIT_MESSAGES` commit messages for the panel; at most
 * `MAX_REPOSITORY_PULL_REQUESTS` pull requests and `MAX_REPOSITORY_ISSUE_KEYS` keys for the page;
 * `truncated` says when a bound cut the reading short. Errors of Bitbucket and Jira pass through
 * (`BITBUCKET_*`, `JIRA_*`).
 */
export function createBitbucketTimeService(deps: BitbucketTimeServiceDeps): BitbucketTimeService {
  const { registry, stores, live } = deps;

  async function resolveKeys(tenant: Tenant, keys: readonly string[], viewerAccountId: string | undefined): Promise<ResolvedKeys> {
    const [issuesByKey, viewers] = await Promise.all([
      keys.length === 0 ? new Map<string, LiveIssue>() : live.issuesForKeys(tenant.id, keys),
      viewerAccountId === undefined ? new Map() : live.users(tenant.id, [viewerAccountId]),
    ]);
    const resolutions = keys.map((key) => ({ key, issueId: issuesByKey.get(key)?.id }));
    const ids = [...new Set(resolutions.flatMap((r) => (r.issueId === undefined ? [] : [r.issueId])))];
    // A viewer Jira does not know (or no viewer at all) may browse nothing: every issue is hidden.
    const viewerMatched = viewerAccountId !== undefined && viewers.has(viewerAccountId);
    let browsable: ReadonlySet<number> = new Set();
    if (viewerMatched && ids.length > 0) {
      const scope = await live.viewerScope(tenant.id, viewerAccountId);
      browsable = scope.kind === 'all' ? new Set(ids) : await scope.browsable(ids);
    }
    return { resolutions, issuesByKey, browsable, viewerMatched };
  }

  /** Worklogs of the browsable issues only: hidden issues' rows are never read. */
  async function worklogsOf(tenant: Tenant, browsable: ReadonlySet<number>) {
    if (browsable.size === 0) return [];
    return (await stores.open(tenant.id)).getWorklogsOfIssues([...browsable]);
  }

  /** Live key, summary and link of each visible issue, by issue id (the current key, which may differ from the one found). */
  function issueDetails(siteUrl: string, issues: readonly ({ issueId: number; visible: true } | HiddenIssue)[], resolved: ResolvedKeys): Record<string, LiveIssueSummary> {
    const byId = new Map([...resolved.issuesByKey.values()].map((issue) => [issue.id, issue]));
    const details: Record<string, LiveIssueSummary> = {};
    for (const entry of issues) {
      if (!entry.visible) continue;
      const issue = byId.get(entry.issueId);
      if (issue) details[String(issue.id)] = { key: issue.key, summary: issue.summary, url: `${siteUrl}/browse/${encodeURIComponent(issue.key)}` };
    }
    return details;
  }

  async function people(tenant: Tenant, byAccount: readonly { accountId: string | null }[]): Promise<Record<string, LivePerson>> {
    const accountIds = byAccount.flatMap((entry) => (entry.accountId === null ? [] : [entry.accountId]));
    if (accountIds.length === 0) return {};
    const users = await live.users(tenant.id, accountIds);
    const named: Record<string, LivePerson> = {};
    for (const [accountId, user] of users) named[accountId] = { accountId, displayName: user.displayName, avatarUrl: user.avatarUrl };
    return named;
  }

  const siteUrlOf = (tenant: Tenant) => tenant.baseUrl.replace(/\/+$/, '');

  return {
    async pullRequestPanel({ installation, viewerAccountId, api, repository, pullRequestId }) {
      const tenant = await linkedTenant(registry, installation);
      const [pullRequest, commits] = await Promise.all([
        api.getPullRequest(repository, pullRequestId),
        api.getPullRequestCommitMessages(repository, pullRequestId, MAX_COMMIT_MESSAGES),
      ]);
      const found = pullRequestIssueKeys({
        branch: pullRequest.sourceBranch,
        title: pullRequest.title,
        description: pullRequest.description,
        commitMessages: commits.messages,
      });
      const resolved = await resolveKeys(tenant, found.keys.map((k) => k.key), viewerAccountId);
      const time = computePullRequestTime({
        keys: resolved.resolutions,
        worklogs: await worklogsOf(tenant, resolved.browsable),
        interval: { openedAtMs: pullRequest.createdOnMs, closedAtMs: pullRequest.closedOnMs },
        canBrowse: (issueId) => resolved.browsable.has(issueId),
      });
      const siteUrl = siteUrlOf(tenant);
      return {
        pullRequest: { id: pullRequest.id, title: pullRequest.title, state: pullRequest.state, openedAtMs: pullRequest.createdOnMs, closedAtMs: pullRequest.closedOnMs ?? null },
        siteUrl,
        time,
        issueDetails: issueDetails(siteUrl, time.issues, resolved),
        people: await people(tenant, time.total.byAccount),
        viewerMatched: resolved.viewerMatched,
        truncated: found.truncated || commits.truncated,
      };
    },

    async repositoryPage({ installation, viewerAccountId, api, repository, fromMs, toMs }) {
      if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || toMs <= fromMs || toMs - fromMs > MAX_PERIOD_MS) {
        throw new AppError('REQUEST_INVALID', 'The period must end after it starts and span at most 366 days');
      }
      const tenant = await linkedTenant(registry, installation);
      const listed = await api.listPullRequests(repository, MAX_REPOSITORY_PULL_REQUESTS);
      // Commit messages are not read here: one call per pull request would cost up to 200 calls
      // per page view against Bitbucket's 1,000 an hour. Branch, title and description only.
      const keys: string[] = [];
      const seen = new Set<string>();
      let truncated = listed.truncated;
      for (const pr of listed.pullRequests) {
        const found = pullRequestIssueKeys({ branch: pr.sourceBranch, title: pr.title, description: pr.description, commitMessages: [] });
        truncated ||= found.truncated;
        for (const { key } of found.keys) {
          if (seen.has(key)) continue;
          if (keys.length >= MAX_REPOSITORY_ISSUE_KEYS) {
            truncated = true;
            break;
          }
          seen.add(key);
          keys.push(key);
        }
      }
      const resolved = await resolveKeys(tenant, keys, viewerAccountId);
      const time = computeRepositoryTime({
        period: { fromMs, toMs },
        keys: resolved.resolutions,
        worklogs: await worklogsOf(tenant, resolved.browsable),
        canBrowse: (issueId) => resolved.browsable.has(issueId),
      });
      const siteUrl = siteUrlOf(tenant);
      return {
        repository,
        fromMs,
        toMs,
        siteUrl,
        time,
        issueDetails: issueDetails(siteUrl, time.issues, resolved),
        people: await people(tenant, time.total.byAccount),
        viewerMatched: resolved.viewerMatched,
        pullRequestsRead: listed.pullRequests.length,
        truncated,
      };
    },
  };
}
