import { Hono } from 'hono';
import type { FeedEntry } from '../change-feed.js';
import type { SimDeps, SimEnv, SimContext } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';

/**
 * `GET /rest/api/{2,3}/worklog/updated` and `/deleted` (jira-connect-protocol.md §1.1): pages of
 * at most 1000 `{worklogId (number), updatedTime, properties}` oldest first; `until` is the
 * youngest item on the page; `nextPage` carries `since=<until>`; changes of the last minute are
 * hidden. Through the gateway, `self` and `nextPage` name the host `gatewayNextPageHost` says. More than a page of items sharing one `updatedTime` cannot be paged past by `since`:
 * that is Jira's behaviour and clients must cope.
 */
export function worklogFeedRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  function page(c: SimContext, kind: 'updated' | 'deleted'): Response {
    const version = c.req.param('version');
    const sinceText = c.req.query('since') ?? '0';
    if (!/^-?\d+$/.test(sinceText)) {
      return jiraError(400, [`Invalid value for 'since': ${sinceText.slice(0, 40)}`]);
    }
    const since = Math.max(0, Number(sinceText));
    const expand = kind === 'updated' ? c.req.query('expand') : undefined;
    const expandProperties = expand?.split(',').includes('properties') ?? false;
    const caller = c.get('caller');
    const behaviour = site.behaviour;
    const visibleBefore = site.clock.now() - behaviour.hiddenWindowMs + 1;
    const isCurrent =
      kind === 'deleted'
        ? site.isCurrentDeletion
        : (entry: FeedEntry) => {
            if (!site.isCurrentUpdate(entry)) return false;
            const worklog = site.worklogs.get(entry.id);
            return worklog !== undefined && site.canSeeWorklog(worklog, caller.user);
          };
    const feed = kind === 'updated' ? site.updatedFeed : site.deletedFeed;
    const { items, more } = feed.read(since, behaviour.sinceInclusive, visibleBefore, behaviour.pageSize, isCurrent);
    c.set('returnedObjects', { count: items.length, embeddedUsers: 0 });
    const until = items.length > 0 ? (items[items.length - 1] as FeedEntry).time : since;
    // Through the gateway, which host the links name is a switch (self-hosted-site.md §6, unverified).
    const gatewayBaseUrl = c.get('gatewayBaseUrl');
    const linkBase = gatewayBaseUrl !== undefined && behaviour.gatewayNextPageHost === 'gateway' ? gatewayBaseUrl : site.baseUrl;
    const base = `${linkBase}/rest/api/${version}/worklog/${kind}`;
    const expandSuffix = expand ? `&expand=${encodeURIComponent(expand)}` : '';
    const body: Record<string, unknown> = {
      values: items.map((entry) => ({
        worklogId: entry.id,
        updatedTime: entry.time,
        properties: expandProperties ? (site.worklogs.get(entry.id)?.properties ?? []) : [],
      })),
      since,
      until,
      self: `${base}?since=${since}${expandSuffix}`,
      lastPage: !more,
    };
    if (more || behaviour.nextPageOnLastPage) body.nextPage = `${base}?since=${until}${expandSuffix}`;
    return c.json(body);
  }

  routes.get('/rest/api/:version{[23]}/worklog/updated', (c) => page(c, 'updated'));
  routes.get('/rest/api/:version{[23]}/worklog/deleted', (c) => page(c, 'deleted'));
  return routes;
}
