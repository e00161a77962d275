import { Hono, type Context } from 'hono';
import type { BitbucketEnv, BitbucketPrincipal } from './authenticate.js';
import { bitbucketError } from './bitbucket-error.js';
import { PULL_REQUEST_STATES, type BbPullRequest, type BbPullRequestState, type BbRepository, type BbWorkspace, type BitbucketModel } from './bitbucket-model.js';
import type { BitbucketRateLimiter } from './rate-limiter.js';
import { readPageRequest, renderPage, type PageRules } from './paging.js';
import { renderAppUser, renderCommit, renderPullRequest, renderRepository, renderUser, renderWorkspace, renderWorkspaceAccount, type RenderContext } from './render.js';

/** Unverified Bitbucket facts, as switches; mutable at run time. */
export interface BitbucketBehaviour {
  /** BCLOUD-22441: pages carry `next` even on the last page (and the empty pages after it). Default false. */
  nextOnLastPage: boolean;
}

/** What the routes need. */
export interface BitbucketRouteDeps {
  model: BitbucketModel;
  limiter: BitbucketRateLimiter;
  behaviour: BitbucketBehaviour;
  render: () => RenderContext;
}

type C = Context<BitbucketEnv>;
type Handler = (c: C, principal: BitbucketPrincipal | undefined) => Response | Promise<Response>;

const PAGE: PageRules = { maxPagelen: 100, withSize: true };
// Pull request lists cap pagelen at 50 (bitbucket-cloud.md §3, from a BCLOUD report).
const PR_PAGE: PageRules = { maxPagelen: 50, withSize: true };
const COMMIT_PAGE: PageRules = { maxPagelen: 100, withSize: false };

const RATE_LIMITED = 'Rate limit for this resource has been exceeded';

/** Fields `sort` takes on pull request lists; Bitbucket sorts on any field, these are the ones modelled. */
const PR_SORT_FIELDS: Record<string, (pr: BbPullRequest) => number | string> = {
  id: (pr) => pr.id,
  created_on: (pr) => pr.createdOnMs,
  updated_on: (pr) => pr.updatedOnMs,
  title: (pr) => pr.title,
};

/**
 * Bitbucket's `sort` query parameter (its filtering and sorting language): a field name, `-` for
 * descending. Ties keep id order. Undefined when absent; a 400 for a field not modelled here.
 */
function readPullRequestSort(sort: string | undefined): ((a: BbPullRequest, b: BbPullRequest) => number) | undefined | Response {
  if (sort === undefined || sort === '') return undefined;
  const descending = sort.startsWith('-');
  const field = PR_SORT_FIELDS[descending ? sort.slice(1) : sort];
  if (!field) return bitbucketError(400, `Invalid sort field: ${sort}`);
  return (a, b) => {
    const x = field(a);
    const y = field(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -order : order) || a.id - b.id;
  };
}

function canReadWorkspace(principal: BitbucketPrincipal | undefined, workspace: BbWorkspace): boolean {
  if (!workspace.isPrivate) return true;
  if (!principal) return false;
  return principal.kind === 'user' ? workspace.memberUuids.has(principal.user.uuid) : principal.workspaceUuid === workspace.uuid;
}

/**
 * The Bitbucket REST 2.0 routes. Each endpoint is declared once by its spec template; the wrapper
 * counts the call and applies the `/2.0/repositories/*` rate limit before the handler runs.
 */
export function bitbucketRoutes(deps: BitbucketRouteDeps): Hono<BitbucketEnv> {
  const app = new Hono<BitbucketEnv>();
  const { model } = deps;

  function get(template: string, handler: Handler): void {
    const honoPath = template.replace(/\{(\w+)\}/g, ':$1');
    const endpoint = `GET ${template}`;
    const limited = template.startsWith('/2.0/repositories/');
    app.get(honoPath, (c) => {
      const principal = c.get('principal');
      if (!deps.limiter.admit(endpoint, principal?.rateKey ?? 'anonymous', limited)) return bitbucketError(429, RATE_LIMITED);
      return handler(c, principal);
    });
  }

  const json = (body: unknown) => Response.json(body);

  function page<T>(c: C, items: readonly T[], rules: PageRules, render: (item: T) => unknown): Response {
    const url = new URL(c.req.url);
    const request = readPageRequest(url, rules);
    if (request instanceof Response) return request;
    const start = (request.page - 1) * request.pagelen;
    // Render only the page's items; the envelope needs the full count for `size`.
    const rendered = items.map((item, i) => (i >= start && i < start + request.pagelen ? render(item) : undefined));
    return json(renderPage(rendered, request, url, deps.render().apiBaseUrl, { ...rules, nextOnLastPage: deps.behaviour.nextOnLastPage }));
  }

  /** The workspace, or the 404 Bitbucket gives for both a missing and an unreadable one. */
  function workspaceOf(c: C, principal: BitbucketPrincipal | undefined): BbWorkspace | Response {
    const ref = c.req.param('workspace') ?? '';
    const workspace = model.findWorkspace(ref);
    if (!workspace || !canReadWorkspace(principal, workspace)) return bitbucketError(404, `No workspace with identifier '${ref}'.`);
    return workspace;
  }

  /** The repository; 404 when missing or anonymous on a private one, 403 for a signed-in non-member (spec). */
  function repositoryOf(c: C, principal: BitbucketPrincipal | undefined): BbRepository | Response {
    const workspaceRef = c.req.param('workspace') ?? '';
    const repoRef = c.req.param('repo_slug') ?? '';
    const repository = model.findRepository(workspaceRef, repoRef);
    const missing = () => bitbucketError(404, `Repository ${workspaceRef}/${repoRef} not found`);
    if (!repository) return missing();
    if (!repository.isPrivate || canReadWorkspace(principal, model.getWorkspace(repository.workspaceUuid))) return repository;
    return principal ? bitbucketError(403, 'Access denied. You must have read access to this repository.') : missing();
  }

  get('/2.0/user', (_c, principal) => {
    if (!principal) return bitbucketError(401, 'Authentication required');
    if (principal.kind === 'user') return json(renderUser(deps.render(), principal.user));
    if (principal.appUser) return json(renderAppUser(deps.render(), principal.appUser));
    return json(renderWorkspaceAccount(deps.render(), model.getWorkspace(principal.workspaceUuid)));
  });

  // Public profile (spec: "the public information associated with a user account"), anonymous
  // callers included; a team, a workspace or an app's bot account is a 404 as the spec says for teams.
  get('/2.0/users/{selected_user}', (c) => {
    const ref = c.req.param('selected_user') ?? '';
    const user = model.findUserByRef(ref);
    return user ? json(renderUser(deps.render(), user)) : bitbucketError(404, `User ${ref} not found`);
  });

  get('/2.0/workspaces/{workspace}', (c, principal) => {
    const workspace = workspaceOf(c, principal);
    return workspace instanceof Response ? workspace : json(renderWorkspace(deps.render(), workspace));
  });

  get('/2.0/repositories/{workspace}', (c, principal) => {
    const ref = c.req.param('workspace') ?? '';
    const workspace = model.findWorkspace(ref);
    if (!workspace) return bitbucketError(404, `No workspace with identifier '${ref}'.`);
    // An existing workspace lists the repositories the caller may read (none for a stranger).
    const readable = canReadWorkspace(principal, workspace);
    const repositories = model.listRepositories(workspace.uuid).filter((r) => readable || !r.isPrivate);
    return page(c, repositories, PAGE, (r) => renderRepository(deps.render(), r));
  });

  get('/2.0/repositories/{workspace}/{repo_slug}', (c, principal) => {
    const repository = repositoryOf(c, principal);
    return repository instanceof Response ? repository : json(renderRepository(deps.render(), repository));
  });

  get('/2.0/repositories/{workspace}/{repo_slug}/pullrequests', (c, principal) => {
    const repository = repositoryOf(c, principal);
    if (repository instanceof Response) return repository;
    const requested = c.req.queries('state') ?? [];
    const bad = requested.find((s) => !PULL_REQUEST_STATES.includes(s.toUpperCase() as BbPullRequestState));
    if (bad !== undefined) return bitbucketError(400, `Invalid state: ${bad}`);
    // Without `state`, Bitbucket lists open pull requests only.
    const states = new Set(requested.length === 0 ? ['OPEN'] : requested.map((s) => s.toUpperCase()));
    const order = readPullRequestSort(c.req.query('sort'));
    if (order instanceof Response) return order;
    const prs = model.listPullRequests(repository.uuid).filter((pr) => states.has(pr.state));
    return page(c, order ? [...prs].sort(order) : prs, PR_PAGE, (pr) => renderPullRequest(deps.render(), pr, false));
  });

  function pullRequestOf(c: C, repository: BbRepository) {
    const text = c.req.param('pull_request_id') ?? '';
    const pr = /^\d+$/.test(text) ? model.findPullRequest(repository.uuid, Number(text)) : undefined;
    return pr ?? bitbucketError(404, 'Pull request not found');
  }

  get('/2.0/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}', (c, principal) => {
    const repository = repositoryOf(c, principal);
    if (repository instanceof Response) return repository;
    const pr = pullRequestOf(c, repository);
    return pr instanceof Response ? pr : json(renderPullRequest(deps.render(), pr, true));
  });

  get('/2.0/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/commits', (c, principal) => {
    const repository = repositoryOf(c, principal);
    if (repository instanceof Response) return repository;
    const pr = pullRequestOf(c, repository);
    if (pr instanceof Response) return pr;
    // The excerpt: "A paginated list of commits made on the given pull request, in chronological order."
    const commits = pr.commitHashes.map((hash) => model.findCommit(repository.uuid, hash)).filter((x) => x !== undefined);
    return page(c, commits, COMMIT_PAGE, (commit) => renderCommit(deps.render(), repository, commit));
  });

  function commitOf(c: C, repository: BbRepository) {
    const ref = c.req.param('commit') ?? '';
    return model.findCommit(repository.uuid, ref) ?? bitbucketError(404, `Commit not found: ${ref}`);
  }

  get('/2.0/repositories/{workspace}/{repo_slug}/commit/{commit}', (c, principal) => {
    const repository = repositoryOf(c, principal);
    if (repository instanceof Response) return repository;
    const commit = commitOf(c, repository);
    return commit instanceof Response ? commit : json(renderCommit(deps.render(), repository, commit));
  });

  get('/2.0/repositories/{workspace}/{repo_slug}/commit/{commit}/pullrequests', (c, principal) => {
    const repository = repositoryOf(c, principal);
    if (repository instanceof Response) return repository;
    const commit = commitOf(c, repository);
    if (commit instanceof Response) return commit;
    const prs = model.listPullRequestsWithCommit(repository.uuid, commit.hash);
    return page(c, prs, PR_PAGE, (pr) => renderPullRequest(deps.render(), pr, false));
  });

  return app;
}
