/**
 * Bitbucket Cloud REST 2.0 as the time service reads it (`BitbucketApi`, issue 13): pull
 * requests, their commit messages, the repository's pull requests, and users. The edge hands in
 * how to sign a call for its installation; this module builds URLs, follows `next` links, bounds
 * what it reads, parses tolerantly and turns every failure into an `AppError` — never with the
 * `Authorization` value in a message, a cause or a log line.
 */
import { z } from 'zod';
import { AppError } from '../platform/app-error.js';
import type { Fetch } from '../platform/fetch.js';
import type { BitbucketApi, BitbucketAuthorizer, BitbucketPullRequest, RepositoryRef } from './bitbucket-time-ports.js';

/** What {@link createBitbucketApi} needs. */
export interface BitbucketApiOptions {
  /** `https://api.bitbucket.org` (the edge says which: from the install payload or the invocation context). */
  apiBaseUrl: string;
  authorize: BitbucketAuthorizer;
  fetch: Fetch;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Bitbucket caps pull-request lists at 50 per page and most other lists at 100 (bitbucket-cloud.md §3). */
const PULL_REQUEST_PAGELEN = 50;
const COMMIT_PAGELEN = 100;
/** Same-origin redirects followed per request (the fact sheet advises following 3xx on `…/commits`). */
const MAX_REDIRECTS = 3;
const STATES = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'] as const;

const href = z.object({ href: z.string().nullish() }).nullish();
// Tolerant: only what the service cannot do without is required; Bitbucket leaves fields out
// of some answers (`participants` only on the single GET, `username` gone from user objects).
const pullRequestSchema = z.object({
  id: z.number().int().positive(),
  title: z.string().nullish(),
  summary: z.object({ raw: z.string().nullish() }).nullish(),
  state: z.enum(STATES),
  source: z.object({ branch: z.object({ name: z.string().nullish() }).nullish() }).nullish(),
  created_on: z.string(),
  updated_on: z.string().nullish(),
  links: z.object({ html: href }).nullish(),
});
const commitSchema = z.object({ message: z.string().nullish() });
const pageSchema = z.object({ values: z.array(z.unknown()), next: z.string().nullish() });
const userSchema = z.object({
  uuid: z.string(),
  account_id: z.string().nullish(),
  display_name: z.string().nullish(),
  username: z.string().nullish(),
  nickname: z.string().nullish(),
  links: z.object({ avatar: href }).nullish(),
});

function unavailable(message: string, options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}): AppError {
  return new AppError('BITBUCKET_UNAVAILABLE', message, options);
}

/** An instant of Bitbucket's (`2026-01-05T09:00:00.000000+00:00`; V8 reads the microseconds to ms). */
function instant(text: string, field: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw unavailable(`Bitbucket sent an unreadable ${field}`);
  return ms;
}

/**
 * A pull request in the port's shape. Bitbucket has no `closed_on`, and the merge commit's date
 * is not in the pull-request object (only its hash): the `updated_on` of a merged, declined or
 * superseded pull request is when it closed, unless it was edited (a comment, say) afterwards —
 * then the interval runs a little long. Reading the merge commit would cost a call per pull
 * request and still say nothing for a decline.
 */
function toPullRequest(value: unknown): BitbucketPullRequest & { updatedOnMs: number } {
  const parsed = pullRequestSchema.safeParse(value);
  if (!parsed.success) throw unavailable('Bitbucket sent a pull request Tally cannot read', { retryable: false });
  const pr = parsed.data;
  const createdOnMs = instant(pr.created_on, 'created_on');
  const updatedOnMs = pr.updated_on ? instant(pr.updated_on, 'updated_on') : createdOnMs;
  return {
    id: pr.id,
    title: pr.title ?? '',
    description: pr.summary?.raw ?? '',
    state: pr.state,
    sourceBranch: pr.source?.branch?.name ?? '',
    createdOnMs,
    // Never before the opening, whatever the two clocks behind the fields said.
    closedOnMs: pr.state === 'OPEN' ? undefined : Math.max(createdOnMs, updatedOnMs),
    url: pr.links?.html?.href ?? undefined,
    updatedOnMs,
  };
}

/** The port's shape only (the list sorts by `updatedOnMs` first). */
function withoutUpdatedOn({ updatedOnMs: _updatedOnMs, ...pullRequest }: BitbucketPullRequest & { updatedOnMs: number }): BitbucketPullRequest {
  return pullRequest;
}

/** The error for a non-2xx answer; Bitbucket's own message is not echoed (it may quote the request). */
function errorFor(response: Response, what: string): AppError {
  const { status } = response;
  // Bitbucket answers 403 to a signed-in caller that may not read a private repository and 404
  // to everyone else: both mean "not for this installation".
  if (status === 404 || status === 403) return new AppError('BITBUCKET_NOT_FOUND', `Bitbucket does not know ${what}, or the app may not read it`);
  if (status === 401) return unavailable("Bitbucket refused the app's credentials for this workspace", { retryable: false });
  if (status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    // No Retry-After is documented (bitbucket-cloud.md §3): without one, the caller backs off itself.
    return unavailable('Bitbucket is rate-limiting the app', Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {});
  }
  if (status >= 500) return unavailable(`Bitbucket answered ${status} for ${what}`);
  return unavailable(`Bitbucket answered ${status} for ${what}`, { retryable: false });
}

/**
 * A {@link BitbucketApi} for one installation. Each request is signed by `authorize` with its
 * exact method and URL, times out after `timeoutMs`, and goes only to `apiBaseUrl`'s origin:
 * `next` links and redirects elsewhere are refused (the credentials never leave). Lists follow
 * `next` until `limit` items, a page without values (BCLOUD-22441 sends `next` on the last page)
 * or the end. Errors: 403/404 → `BITBUCKET_NOT_FOUND`; 401, 429, 5xx, timeouts, network
 * failures and unreadable bodies → `BITBUCKET_UNAVAILABLE` (retryable except 401 and bodies).
 */
export function createBitbucketApi(options: BitbucketApiOptions): BitbucketApi {
  const base = new URL(options.apiBaseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new RangeError('apiBaseUrl must be an http(s) URL');
  const root = base.href.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');

  const segment = (text: string) => {
    if (text.length === 0) throw new AppError('REQUEST_INVALID', 'A workspace or repository must be named');
    // `{uuid}` braces encoded: %7B…%7D is what Bitbucket's own links use.
    return encodeURIComponent(text);
  };
  const repositoryPath = (repo: RepositoryRef) => `/2.0/repositories/${segment(repo.workspace)}/${segment(repo.repository)}`;
  const pullRequestPath = (repo: RepositoryRef, id: number) => {
    if (!Number.isSafeInteger(id) || id < 1) throw new AppError('REQUEST_INVALID', 'A pull request id is a positive integer');
    return `${repositoryPath(repo)}/pullrequests/${id}`;
  };
  const urlOf = (pathAndQuery: string) => new URL(root + pathAndQuery);
  const sameOrigin = (url: URL) => url.origin === base.origin;

  async function send(url: URL): Promise<Response> {
    const authorization = await options.authorize({ method: 'GET', url });
    try {
      return await options.fetch(url, {
        method: 'GET',
        headers: { authorization, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // The cause is fetch's own error (a timeout or a socket failure); it holds no header.
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw unavailable(timedOut ? `Bitbucket did not answer within ${timeoutMs} ms` : 'Bitbucket could not be reached', { cause: error });
    }
  }

  /** GET one resource as JSON; `what` names it in errors (a path, never a header). */
  async function getJson(first: URL, what: string): Promise<unknown> {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      const response = await send(url);
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        const target = new URL(response.headers.get('location') as string, url);
        if (!sameOrigin(target) || redirects >= MAX_REDIRECTS) throw unavailable(`Bitbucket redirected ${what} elsewhere; not followed`, { retryable: false });
        url = target;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw errorFor(response, what);
      }
      try {
        return await response.json();
      } catch (error) {
        throw unavailable(`Bitbucket sent a body that is not JSON for ${what}`, { cause: error });
      }
    }
  }

  /** Follows `next` from `first` and keeps at most `limit` values. */
  async function collect(first: URL, limit: number, what: string): Promise<{ values: unknown[]; truncated: boolean }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    const values: unknown[] = [];
    const seen = new Set<string>();
    for (let url: URL | undefined = first; url; ) {
      seen.add(url.href);
      const page = pageSchema.safeParse(await getJson(url, what));
      if (!page.success) throw unavailable(`Bitbucket sent a page Tally cannot read for ${what}`, { retryable: false });
      const { values: pageValues, next } = page.data;
      // BCLOUD-22441: some lists send `next` on the last page; an empty page ends the list.
      if (pageValues.length === 0) break;
      const room = limit - values.length;
      values.push(...pageValues.slice(0, room));
      if (pageValues.length > room || (pageValues.length === room && next)) return { values, truncated: true };
      if (!next) break;
      const nextUrl = URL.canParse(next) ? new URL(next) : undefined;
      if (!nextUrl || !sameOrigin(nextUrl)) throw unavailable(`Bitbucket's next page of ${what} points outside its API; not followed`, { retryable: false });
      url = seen.has(nextUrl.href) ? undefined : nextUrl;
    }
    return { values, truncated: false };
  }

  return {
    async getPullRequest(repo, id) {
      const path = pullRequestPath(repo, id);
      return withoutUpdatedOn(toPullRequest(await getJson(urlOf(path), `pull request ${path}`)));
    },

    async getPullRequestCommitMessages(repo, id, limit) {
      const path = `${pullRequestPath(repo, id)}/commits`;
      const { values, truncated } = await collect(urlOf(`${path}?pagelen=${Math.min(limit, COMMIT_PAGELEN)}`), limit, `commits ${path}`);
      const messages = values.map((value) => {
        const commit = commitSchema.safeParse(value);
        return commit.success ? (commit.data.message ?? '') : '';
      });
      return { messages, truncated };
    },

    async listPullRequests(repo, limit) {
      const path = `${repositoryPath(repo)}/pullrequests`;
      // Without `state`, Bitbucket lists open pull requests only.
      const query = `${STATES.map((state) => `state=${state}`).join('&')}&sort=-updated_on&pagelen=${Math.min(limit, PULL_REQUEST_PAGELEN)}`;
      const { values, truncated } = await collect(urlOf(`${path}?${query}`), limit, `pull requests ${path}`);
      // Asked sorted; sorted again (stable) so the answer is newest first whatever the server did.
      const pullRequests = values.map(toPullRequest).sort((a, b) => b.updatedOnMs - a.updatedOnMs);
      return { pullRequests: pullRequests.map(withoutUpdatedOn), truncated };
    },

    async getCurrentUser() {
      const user = userSchema.safeParse(await getJson(urlOf('/2.0/user'), 'the current user'));
      if (!user.success) throw unavailable('Bitbucket sent a user Tally cannot read', { retryable: false });
      return { uuid: user.data.uuid, accountId: user.data.account_id ?? null, displayName: user.data.display_name ?? null };
    },

    async getUser(uuidOrAccountId) {
      const user = userSchema.safeParse(await getJson(urlOf(`/2.0/users/${segment(uuidOrAccountId)}`), 'the user'));
      if (!user.success) throw unavailable('Bitbucket sent a user Tally cannot read', { retryable: false });
      const { uuid, username, nickname, display_name: displayName, links } = user.data;
      return { uuid, username: username ?? nickname ?? null, displayName: displayName ?? null, avatarUrl: links?.avatar?.href ?? null };
    },
  };
}
