import { adfToText } from './adf.js';
import { formatJiraDate } from './jira-date.js';
import type { JiraSite, SimWorklog } from './jira-site.js';

/** Which REST version shapes a body: v3 carries ADF comments, v2 plain strings. */
export type ApiVersion = '2' | '3';

/** Jira's `UserDetails` for an account id; unknown ids render as an inactive placeholder. */
export function renderUserDetails(site: JiraSite, accountId: string, version: ApiVersion): Record<string, unknown> {
  const user = site.users.get(accountId);
  const self = `${site.baseUrl}/rest/api/${version}/user?accountId=${encodeURIComponent(accountId)}`;
  const avatar = (size: number) =>
    `https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/${encodeURIComponent(accountId)}/${size}`;
  const avatarUrls = { '16x16': avatar(16), '24x24': avatar(24), '32x32': avatar(32), '48x48': avatar(48) };
  if (!user) {
    return { self, accountId, displayName: 'Former user', active: false, avatarUrls, accountType: 'atlassian' };
  }
  return {
    self,
    accountId: user.accountId,
    avatarUrls,
    displayName: user.displayName,
    active: user.active,
    timeZone: user.timeZone,
    accountType: user.accountType,
  };
}

const UNITS: [number, string][] = [
  [7 * 86_400, 'w'],
  [86_400, 'd'],
  [3600, 'h'],
  [60, 'm'],
];

/** Jira's `timeSpent` text, e.g. `3h 20m`, using the site's working day and week. */
export function renderTimeSpent(seconds: number, hoursPerDay: number, daysPerWeek: number): string {
  const unitSeconds: Record<string, number> = {
    w: hoursPerDay * 3600 * daysPerWeek,
    d: hoursPerDay * 3600,
    h: 3600,
    m: 60,
  };
  let rest = seconds;
  const parts: string[] = [];
  for (const [, unit] of UNITS) {
    const size = unitSeconds[unit] as number;
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.length > 0 ? parts.join(' ') : '0m';
}

/**
 * A worklog body as Jira's REST API (v2 or v3) and webhooks (v2 shape) return it. Dates are in
 * `options.timeZone` (the caller's, where a route knows it) or else the site's one zone.
 */
export function renderWorklog(
  site: JiraSite,
  worklog: SimWorklog,
  version: ApiVersion,
  options: { expandProperties?: boolean; timeZone?: string } = {},
): Record<string, unknown> {
  const tz = options.timeZone ?? site.timeZone;
  const body: Record<string, unknown> = {
    self: `${site.baseUrl}/rest/api/${version}/issue/${worklog.issueId}/worklog/${worklog.id}`,
    author: renderUserDetails(site, worklog.authorId, version),
    updateAuthor: renderUserDetails(site, worklog.updateAuthorId, version),
  };
  if (worklog.comment !== undefined) {
    body.comment = version === '3' ? worklog.comment : adfToText(worklog.comment);
  }
  body.created = formatJiraDate(worklog.createdMs, tz);
  body.updated = formatJiraDate(worklog.updatedMs, tz);
  if (worklog.visibility) body.visibility = { ...worklog.visibility };
  body.started = formatJiraDate(worklog.startedMs, tz);
  body.timeSpent = renderTimeSpent(worklog.timeSpentSeconds, site.behaviour.hoursPerDay, site.behaviour.daysPerWeek);
  body.timeSpentSeconds = worklog.timeSpentSeconds;
  body.id = String(worklog.id);
  body.issueId = String(worklog.issueId);
  if (options.expandProperties) body.properties = worklog.properties.map((p) => ({ key: p.key, value: p.value }));
  return body;
}
