import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { JiraSite, SimUser } from '../jira-site.js';
import { JqlError } from '../jql/jql-ast.js';
import { compileJqlText } from '../jql/jql-evaluator.js';
import { integerList, integerParam, listParam, readObjectBody, stringList } from './platform-input.js';
import { isIdentifiersOnly, renderIssueBean, selectFields } from './platform-issue-bean.js';
import { decodePageToken, digestJql, encodePageToken } from './platform-page-token.js';

/** A search request after binding, identical for GET and POST. */
interface SearchRequest {
  jql: string;
  maxResults: number | undefined;
  fields: string[];
  nextPageToken: string | undefined;
}

const DEFAULT_MAX_RESULTS = 50;
/** "It returns max 5000 issues" when only ids or keys are requested (openapi: searchAndReconsile…). */
const MAX_IDENTIFIER_PAGE = 5000;
/**
 * "API may return fewer items per page where a large number of fields are requested": Jira does
 * not say how many; the simulator uses 100 so that clients must page by token, not by count.
 */
const MAX_FIELD_PAGE = 100;

function runSearch(site: JiraSite, viewer: SimUser, request: SearchRequest): Response {
  if (request.maxResults !== undefined && request.maxResults < 0) {
    return jiraError(400, ['maxResults must not be negative.']);
  }
  let compiled;
  try {
    compiled = compileJqlText(request.jql, { site, viewer });
  } catch (error) {
    if (error instanceof JqlError) return jiraError(400, [error.message]);
    throw error;
  }
  if (!compiled.bounded) {
    return jiraError(400, ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.']);
  }
  const digest = digestJql(request.jql);
  let offset = 0;
  if (request.nextPageToken) {
    const token = decodePageToken(request.nextPageToken);
    if (!token || token.jqlDigest !== digest) return jiraError(400, ['The provided next page token is invalid or expired.']);
    offset = token.offset;
  }
  const cap = isIdentifiersOnly(request.fields) ? MAX_IDENTIFIER_PAGE : MAX_FIELD_PAGE;
  const pageSize = Math.min(request.maxResults ?? DEFAULT_MAX_RESULTS, cap);
  const matching = [...site.issues.values()]
    .filter((issue) => site.canBrowseIssue(issue, viewer) && compiled.matches(issue))
    .sort(compiled.compare);
  const page = matching.slice(offset, offset + pageSize);
  const selection = selectFields(request.fields, 'id');
  const next = offset + page.length;
  const isLast = next >= matching.length;
  const body: Record<string, unknown> = { issues: page.map((issue) => renderIssueBean(site, issue, selection)) };
  if (!isLast) body.nextPageToken = encodePageToken({ offset: next, jqlDigest: digest });
  body.isLast = isLast;
  return Response.json(body);
}

/**
 * `GET` and `POST /rest/api/3/search/jql` (the enhanced search): JQL from the simulator's subset,
 * `nextPageToken` paging without totals, only issues the caller may browse. A JQL problem is a
 * 400 with Jira's message; so is an unbounded query.
 */
export function searchRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.get('/rest/api/3/search/jql', (c) => {
    const maxResults = integerParam(c.req.query('maxResults'), 'maxResults', -1);
    if (maxResults instanceof Response) return maxResults;
    return runSearch(site, c.get('caller').user, {
      jql: c.req.query('jql') ?? '',
      maxResults: maxResults === -1 ? undefined : maxResults,
      fields: listParam(c.req.queries('fields')),
      nextPageToken: c.req.query('nextPageToken') || undefined,
    });
  });

  routes.post('/rest/api/3/search/jql', async (c) => {
    const body = await readObjectBody(c.req.raw, {
      jql: 'string',
      maxResults: 'integer',
      fields: 'string[]',
      nextPageToken: 'string',
      expand: 'string',
      properties: 'string[]',
      fieldsByKeys: 'boolean',
      reconcileIssues: 'integer[]',
    });
    if (body instanceof Response) return body;
    if (integerList(body.reconcileIssues).length > 50) return jiraError(400, ['reconcileIssues accepts at most 50 ids.']);
    return runSearch(site, c.get('caller').user, {
      jql: typeof body.jql === 'string' ? body.jql : '',
      maxResults: typeof body.maxResults === 'number' ? body.maxResults : undefined,
      fields: listParam(stringList(body.fields)),
      nextPageToken: typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined,
    });
  });

  return routes;
}
