import { adfToText, type AdfDoc } from './adf.js';
import { formatJiraDate } from './jira-date.js';
import type { JiraSite, SimUser, SimWorklog } from './jira-site.js';
import { renderTimeSpent, renderUserDetails, type ApiVersion } from './render.js';

/**
 * Writes a worklog's JSON text directly, byte-for-byte what `JSON.stringify(renderWorklog(…))`
 * gives (a test proves it), but with the two embedded user objects and the comment cached as
 * text. Building objects and stringifying them capped the simulator near 20k worklogs/s, below
 * what Tally's sync is benchmarked at; cached fragments lift that ceiling several-fold.
 */
export function createWorklogJsonWriter(site: JiraSite) {
  const userCache = new WeakMap<SimUser, { signature: string; v2: string; v3: string }>();
  const unknownUserCache = new Map<string, string>();
  const commentCache = { '2': new WeakMap<AdfDoc, string>(), '3': new WeakMap<AdfDoc, string>() };
  let cachedBaseUrl = site.baseUrl;

  function userJson(accountId: string, version: ApiVersion): string {
    if (site.baseUrl !== cachedBaseUrl) {
      // `listen()` changes the base URL that every `self` link embeds.
      cachedBaseUrl = site.baseUrl;
      unknownUserCache.clear();
    }
    const user = site.users.get(accountId);
    if (!user) {
      const key = `${version}|${accountId}`;
      let json = unknownUserCache.get(key);
      if (json === undefined) {
        json = JSON.stringify(renderUserDetails(site, accountId, version));
        unknownUserCache.set(key, json);
      }
      return json;
    }
    const signature = `${site.baseUrl}|${user.displayName}|${user.active}|${user.timeZone}|${user.accountType}`;
    let entry = userCache.get(user);
    if (!entry || entry.signature !== signature) {
      entry = {
        signature,
        v2: JSON.stringify(renderUserDetails(site, accountId, '2')),
        v3: JSON.stringify(renderUserDetails(site, accountId, '3')),
      };
      userCache.set(user, entry);
    }
    return version === '2' ? entry.v2 : entry.v3;
  }

  function commentJson(comment: AdfDoc, version: ApiVersion): string {
    const cache = commentCache[version];
    let json = cache.get(comment);
    if (json === undefined) {
      json = JSON.stringify(version === '3' ? comment : adfToText(comment));
      cache.set(comment, json);
    }
    return json;
  }

  return function worklogJson(worklog: SimWorklog, version: ApiVersion, expandProperties = false): string {
    const tz = site.timeZone;
    let json =
      `{"self":${JSON.stringify(`${site.baseUrl}/rest/api/${version}/issue/${worklog.issueId}/worklog/${worklog.id}`)}` +
      `,"author":${userJson(worklog.authorId, version)}` +
      `,"updateAuthor":${userJson(worklog.updateAuthorId, version)}`;
    if (worklog.comment !== undefined) json += `,"comment":${commentJson(worklog.comment, version)}`;
    json += `,"created":"${formatJiraDate(worklog.createdMs, tz)}","updated":"${formatJiraDate(worklog.updatedMs, tz)}"`;
    if (worklog.visibility) json += `,"visibility":${JSON.stringify(worklog.visibility)}`;
    json +=
      `,"started":"${formatJiraDate(worklog.startedMs, tz)}"` +
      `,"timeSpent":${JSON.stringify(renderTimeSpent(worklog.timeSpentSeconds, site.behaviour.hoursPerDay, site.behaviour.daysPerWeek))}` +
      `,"timeSpentSeconds":${worklog.timeSpentSeconds},"id":"${worklog.id}","issueId":"${worklog.issueId}"`;
    if (expandProperties) json += `,"properties":${JSON.stringify(worklog.properties.map((p) => ({ key: p.key, value: p.value })))}`;
    return `${json}}`;
  };
}

/** The writer type, for modules that receive one. */
export type WorklogJsonWriter = ReturnType<typeof createWorklogJsonWriter>;
