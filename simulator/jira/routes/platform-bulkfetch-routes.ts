import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { SimIssue } from '../jira-site.js';
import { listParam, readObjectBody, stringList } from './platform-input.js';
import { renderIssueBean, selectFields } from './platform-issue-bean.js';

/** "You can request up to 100 issues" (openapi: getIssues / bulkfetch). */
const MAX_ISSUES = 100;

/**
 * `POST /rest/api/3/issue/bulkfetch`: up to 100 ids or keys (keys case-insensitive), returned in
 * ascending id order with `*navigable` fields by default. Issues that do not exist or that the
 * caller cannot browse are left out silently, not listed in `issueErrors` (per the spec).
 */
export function bulkFetchRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.post('/rest/api/3/issue/bulkfetch', async (c) => {
    const body = await readObjectBody(c.req.raw, {
      issueIdsOrKeys: 'string[]',
      fields: 'string[]',
      expand: 'string[]',
      properties: 'string[]',
      fieldsByKeys: 'boolean',
    });
    if (body instanceof Response) return body;
    const requested = stringList(body.issueIdsOrKeys);
    if (requested.length === 0) return jiraError(400, ['issueIdsOrKeys must contain at least one issue id or key.']);
    if (requested.length > MAX_ISSUES) return jiraError(400, [`You can request at most ${MAX_ISSUES} issues at a time.`]);
    const viewer = c.get('caller').user;
    const found = new Map<number, SimIssue>();
    for (const idOrKey of requested) {
      const issue = site.findIssue(idOrKey.trim());
      if (issue && site.canBrowseIssue(issue, viewer)) found.set(issue.id, issue);
    }
    const selection = selectFields(listParam(stringList(body.fields)), '*navigable');
    const issues = [...found.values()].sort((a, b) => a.id - b.id).map((issue) => renderIssueBean(site, issue, selection));
    return c.json({ issues, issueErrors: [] });
  });

  return routes;
}
