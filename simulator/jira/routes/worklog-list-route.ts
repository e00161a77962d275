import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError, readJsonBody } from '../../http/jira-error.js';
import type { ApiVersion } from '../render.js';
import { worklogBodiesOf } from '../render-json.js';
import type { SimWorklog } from '../jira-site.js';

/** Parses `ids` as Jira's Jackson binding would: integers, or strings holding integers. */
function parseIds(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ids: number[] = [];
  for (const item of value) {
    if (typeof item === 'number' && Number.isSafeInteger(item)) ids.push(item);
    else if (typeof item === 'string' && /^-?\d{1,15}$/.test(item)) ids.push(Number(item));
    else return undefined;
  }
  return ids;
}

/**
 * `POST /rest/api/{2,3}/worklog/list` (jira-connect-protocol.md §1.2): a bare array of the
 * worklogs for up to 1000 ids; 400 for none or too many; ids the caller cannot see (deleted,
 * restricted) are silently left out.
 */
export function worklogListRoute({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  const bodies = worklogBodiesOf(site);
  const [open, comma, close] = ['[', ',', ']'].map((text) => Buffer.from(text)) as [Buffer, Buffer, Buffer];
  routes.post('/rest/api/:version{[23]}/worklog/list', async (c) => {
    const version = c.req.param('version') as ApiVersion;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    const rawIds = typeof body.value === 'object' && body.value !== null ? (body.value as { ids?: unknown }).ids : undefined;
    const ids = parseIds(rawIds);
    if (!ids) return jiraError(400, ['The request must contain "ids": a list of worklog ids.']);
    if (ids.length === 0) return jiraError(400, ['The list of worklog IDs must not be empty.']);
    if (ids.length > site.behaviour.pageSize) {
      return jiraError(400, [`The number of worklog IDs can't exceed ${site.behaviour.pageSize}.`]);
    }
    const expandProperties = (c.req.query('expand') ?? '').split(',').includes('properties');
    const caller = c.get('caller');
    const found: SimWorklog[] = [];
    for (const id of new Set(ids)) {
      const worklog = site.worklogs.get(id);
      if (worklog && site.canSeeWorklog(worklog, caller.user)) found.push(worklog);
    }
    found.sort((a, b) => a.id - b.id);
    c.set('returnedObjects', { count: found.length, embeddedUsers: 2 * found.length });
    const headers = { 'content-type': 'application/json;charset=UTF-8' };
    if (expandProperties) return c.body(`[${found.map((w) => bodies.worklogJson(w, version, true)).join(',')}]`, 200, headers);
    const parts: Buffer[] = [open];
    for (const worklog of found) {
      if (parts.length > 1) parts.push(comma);
      parts.push(bodies.bodyBytes(worklog, version));
    }
    parts.push(close);
    const bytes = Buffer.concat(parts);
    return c.body(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 200, headers);
  });
  return routes;
}
