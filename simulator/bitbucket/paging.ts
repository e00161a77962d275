import { bitbucketError } from './bitbucket-error.js';

/** Page size rules of one collection: Bitbucket's default is 10, the maximum 100, lower for some (PR lists: 50). */
export interface PageRules {
  readonly maxPagelen: number;
  /** Whether pages carry `size` (it "can be expensive", so commit lists leave it out). */
  readonly withSize: boolean;
}

/** The page a request asks for, 1-based. */
export interface PageRequest {
  readonly pagelen: number;
  readonly page: number;
}

export const DEFAULT_PAGELEN = 10;

/**
 * Reads `pagelen` and `page`; a 400 in Bitbucket's envelope when either is not a positive integer
 * or `pagelen` is over the collection's maximum (Bitbucket refuses rather than clamping — the
 * message text is [UNVERIFIED]).
 */
export function readPageRequest(url: URL, rules: PageRules): PageRequest | Response {
  const pagelenText = url.searchParams.get('pagelen');
  const pageText = url.searchParams.get('page');
  const pagelen = pagelenText === null ? DEFAULT_PAGELEN : Number(pagelenText);
  const page = pageText === null ? 1 : Number(pageText);
  if (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > rules.maxPagelen) return bitbucketError(400, 'Invalid pagelen');
  if (!Number.isInteger(page) || page < 1) return bitbucketError(400, 'Invalid page');
  return { pagelen, page };
}

/**
 * The paginated envelope `{size?, page, pagelen, values, next?}`. `next` is an absolute URL on the
 * API base with the request's other parameters kept. `nextOnLastPage` reproduces BCLOUD-22441:
 * every page carries `next`, even the last one and the empty pages after it.
 */
export function renderPage<T>(
  items: readonly T[],
  request: PageRequest,
  url: URL,
  apiBaseUrl: string,
  options: PageRules & { nextOnLastPage: boolean },
): Record<string, unknown> {
  const start = (request.page - 1) * request.pagelen;
  const values = items.slice(start, start + request.pagelen);
  const body: Record<string, unknown> = {};
  if (options.withSize) body.size = items.length;
  body.page = request.page;
  body.pagelen = request.pagelen;
  body.values = values;
  if (start + request.pagelen < items.length || options.nextOnLastPage) {
    const next = new URL(url.pathname + url.search, apiBaseUrl);
    next.searchParams.set('page', String(request.page + 1));
    body.next = next.toString();
  }
  return body;
}
