import { Hono } from 'hono';
import type { SimDeps, SimEnv, SimContext } from '../../http/sim-env.js';
import { jiraError, readJsonBody } from '../../http/jira-error.js';
import { renderWorklog, type ApiVersion } from '../render.js';
import type { JiraSite, SimIssue, SimWorklog } from '../jira-site.js';
import { parseWorklogInput } from './worklog-input.js';
import { refuseBulkWorklogDelete, refuseWorklogWrite, renderZoneFor } from './worklog-write-permission.js';

const ADJUST_ESTIMATE = new Set(['auto', 'new', 'manual', 'leave']);
const MAX_PAGE = 5000;

/** The issue named in the path, if the caller may see it; otherwise a Jira 404. */
function findVisibleIssue(site: JiraSite, c: SimContext): SimIssue | Response {
  const issue = site.findIssue(c.req.param('issueIdOrKey') ?? '');
  if (!issue || !site.canBrowseIssue(issue, c.get('caller').user)) {
    return jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
  }
  return issue;
}

function checkAdjustEstimate(c: SimContext): Response | undefined {
  const adjust = c.req.query('adjustEstimate');
  if (adjust !== undefined && !ADJUST_ESTIMATE.has(adjust)) {
    return jiraError(400, [`adjustEstimate must be one of auto, new, manual, leave; got '${adjust.slice(0, 20)}'.`]);
  }
  if (adjust === 'new' && !c.req.query('newEstimate')) return jiraError(400, ['newEstimate is required when adjustEstimate is new.']);
  if (adjust === 'manual' && !c.req.query('reduceBy') && !c.req.query('increaseBy')) {
    return jiraError(400, ['reduceBy is required when adjustEstimate is manual.']);
  }
  return undefined;
}

function parseIdList(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const ids = value.map((item) => (typeof item === 'number' ? item : typeof item === 'string' ? Number(item) : NaN));
  return ids.every((id) => Number.isSafeInteger(id)) ? ids : undefined;
}

/**
 * The per-issue worklog endpoints, `/rest/api/{2,3}/issue/{issueIdOrKey}/worklog[/{id}]`, with
 * Jira's validation and status codes (jira-worklog-openapi-excerpt.json), plus bulk move and
 * bulk delete within one issue. Writes check the project permissions Jira's worklog service
 * checks (Work on issues; Edit/Delete own or all worklogs), after the issue is found visible and
 * before the body is validated. Dates render in a user caller's own time zone.
 */
export function issueWorklogRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  const base = '/rest/api/:version{[23]}/issue/:issueIdOrKey/worklog';

  routes.get(base, (c) => {
    const issue = findVisibleIssue(site, c);
    if (issue instanceof Response) return issue;
    if (!issue.timeTrackingEnabled) return jiraError(404, ['Time tracking is disabled.']);
    const startAtText = c.req.query('startAt') ?? '0';
    const maxText = c.req.query('maxResults') ?? String(MAX_PAGE);
    // Jira answers 404 (sic) for non-numeric paging values (openapi: getIssueWorklog).
    if (!/^\d+$/.test(startAtText) || !/^\d+$/.test(maxText)) return jiraError(404, ['startAt and maxResults must be numbers.']);
    const after = c.req.query('startedAfter');
    const before = c.req.query('startedBefore');
    if ((after && !/^\d+$/.test(after)) || (before && !/^\d+$/.test(before))) {
      return jiraError(400, ['startedAfter and startedBefore must be epoch milliseconds.']);
    }
    const startAt = Number(startAtText);
    const maxResults = Math.min(Number(maxText), MAX_PAGE);
    const viewer = c.get('caller').user;
    const timeZone = renderZoneFor(site, c.get('caller'));
    const all = [...(site.worklogsByIssue.get(issue.id) ?? [])]
      .map((id) => site.worklogs.get(id))
      .filter((w) => w !== undefined)
      .filter((w) => site.canSeeWorklog(w, viewer))
      .filter((w) => (after ? w.startedMs >= Number(after) : true) && (before ? w.startedMs < Number(before) : true))
      .sort((a, b) => a.createdMs - b.createdMs || a.id - b.id);
    const version = c.req.param('version') as ApiVersion;
    const expandProperties = (c.req.query('expand') ?? '').split(',').includes('properties');
    const page = all.slice(startAt, startAt + maxResults);
    c.set('returnedObjects', { count: page.length, embeddedUsers: 2 * page.length });
    return c.json({
      startAt,
      maxResults,
      total: all.length,
      worklogs: page.map((w) => renderWorklog(site, w, version, { expandProperties, timeZone })),
    });
  });

  routes.post(base, async (c) => {
    const issue = findVisibleIssue(site, c);
    if (issue instanceof Response) return issue;
    const bad = checkAdjustEstimate(c);
    if (bad) return bad;
    if (!issue.timeTrackingEnabled) return jiraError(400, ['Time tracking is disabled.']);
    const caller = c.get('caller');
    const refused = refuseWorklogWrite(site, caller, 'create', issue);
    if (refused) return refused;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    const version = c.req.param('version') as ApiVersion;
    const input = parseWorklogInput(body.value, version, 'create', site.behaviour);
    if (!input.ok) return jiraError(400, input.errorMessages, input.errors);
    if ((site.worklogsByIssue.get(issue.id)?.size ?? 0) >= site.behaviour.maxWorklogsPerIssue) {
      return jiraError(413, ['The per-issue limit for worklogs has been breached.']);
    }
    // Jira records the caller as author and update author (an impersonated user's own worklog).
    const worklog = site.createWorklog({
      issueId: issue.id,
      authorId: caller.user.accountId,
      comment: input.value.comment,
      startedMs: input.value.startedMs as number,
      timeSpentSeconds: input.value.timeSpentSeconds as number,
      ...(input.value.visibility ? { visibility: input.value.visibility } : {}),
    });
    return c.json(renderWorklog(site, worklog, version, { timeZone: renderZoneFor(site, caller) }), 201);
  });

  routes.post(`${base}/move`, async (c) => {
    const issue = findVisibleIssue(site, c);
    if (issue instanceof Response) return issue;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    const request = (typeof body.value === 'object' && body.value !== null ? body.value : {}) as Record<string, unknown>;
    const ids = parseIdList(request.ids);
    const target = typeof request.issueIdOrKey === 'string' ? site.findIssue(request.issueIdOrKey) : undefined;
    if (!ids) return jiraError(400, ['ids must be a non-empty list of worklog ids.']);
    if (!target || !site.canBrowseIssue(target, c.get('caller').user)) return jiraError(404, ['Destination issue not found.']);
    if (ids.some((id) => site.worklogs.get(id)?.issueId !== issue.id)) {
      return jiraError(404, ['At least one of the worklogs is not associated with the provided issue.']);
    }
    site.moveWorklogs(ids, target.id, c.get('caller').user.accountId);
    return c.body(null, 204);
  });

  routes.delete(base, async (c) => {
    const issue = findVisibleIssue(site, c);
    if (issue instanceof Response) return issue;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    const ids = parseIdList((body.value as { ids?: unknown } | null)?.ids);
    if (!ids) return jiraError(400, ['ids must be a non-empty list of worklog ids.']);
    const refused = refuseBulkWorklogDelete(site, c.get('caller'), issue);
    if (refused) return refused;
    if (ids.some((id) => site.worklogs.get(id)?.issueId !== issue.id)) {
      return jiraError(404, ['At least one of the worklogs is not associated with the provided issue.']);
    }
    for (const id of ids) site.deleteWorklog(id);
    return c.body(null, 204);
  });

  const one = `${base}/:id`;
  /** The worklog named in the path, on the issue named in the path, visible to the caller. */
  function resolveWorklog(c: SimContext, options: { checkEstimate: boolean }): { issue: SimIssue; worklog: SimWorklog } | Response {
    const issue = findVisibleIssue(site, c);
    if (issue instanceof Response) return issue;
    const bad = options.checkEstimate ? checkAdjustEstimate(c) : undefined;
    if (bad) return bad;
    // getWorklog, updateWorklog and deleteWorklog all list "time tracking is disabled" under 404.
    if (!issue.timeTrackingEnabled) return jiraError(404, ['Time tracking is disabled.']);
    const idText = c.req.param('id') ?? '';
    const worklog = /^\d+$/.test(idText) ? site.worklogs.get(Number(idText)) : undefined;
    if (!worklog || worklog.issueId !== issue.id || !site.canSeeWorklog(worklog, c.get('caller').user)) {
      return jiraError(404, ['Cannot find worklog with id: ' + idText.slice(0, 30)]);
    }
    return { issue, worklog };
  }

  routes.get(one, (c) => {
    const found = resolveWorklog(c, { checkEstimate: false });
    if (found instanceof Response) return found;
    const expandProperties = (c.req.query('expand') ?? '').split(',').includes('properties');
    const timeZone = renderZoneFor(site, c.get('caller'));
    return c.json(renderWorklog(site, found.worklog, c.req.param('version') as ApiVersion, { expandProperties, timeZone }));
  });

  routes.put(one, async (c) => {
    const found = resolveWorklog(c, { checkEstimate: true });
    if (found instanceof Response) return found;
    const { worklog } = found;
    const caller = c.get('caller');
    const refused = refuseWorklogWrite(site, caller, 'update', found.issue, worklog);
    if (refused) return refused;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    const version = c.req.param('version') as ApiVersion;
    const input = parseWorklogInput(body.value, version, 'update', site.behaviour);
    if (!input.ok) return jiraError(400, input.errorMessages, input.errors);
    const updated = site.updateWorklog(worklog.id, input.value, caller.user.accountId);
    return c.json(renderWorklog(site, updated ?? worklog, version, { timeZone: renderZoneFor(site, caller) }));
  });

  routes.delete(one, (c) => {
    const found = resolveWorklog(c, { checkEstimate: true });
    if (found instanceof Response) return found;
    const refused = refuseWorklogWrite(site, c.get('caller'), 'delete', found.issue, found.worklog);
    if (refused) return refused;
    site.deleteWorklog(found.worklog.id);
    return c.body(null, 204);
  });

  return routes;
}
