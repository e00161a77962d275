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

  function worklogJson(worklog: SimWorklog, version: ApiVersion, expandProperties = false): string {
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
  }
  return Object.assign(worklogJson, { userJson });
}

/** The writer type, for modules that receive one. */
export type WorklogJsonWriter = ReturnType<typeof createWorklogJsonWriter>;

/** What a cached body was rendered from; any difference re-renders it. */
interface CachedBody {
  baseUrl: string;
  timeZone: string;
  hoursPerDay: number;
  daysPerWeek: number;
  issueId: number;
  authorJson: string;
  updateAuthorJson: string;
  comment: AdfDoc | undefined;
  visibility: SimWorklog['visibility'];
  createdMs: number;
  updatedMs: number;
  startedMs: number;
  timeSpentSeconds: number;
  bytes: Buffer;
}

/**
 * Worklog bodies as UTF-8 bytes, cached per worklog and checked against everything they were
 * rendered from (worklogs are edited in place, users renamed, the base URL changes on
 * `listen()`). A large `/worklog/list` answer is then one `Buffer.concat` instead of a 1.8 MB
 * string built, flattened and encoded per request: the simulator stands in for Atlassian's
 * servers, and on a 2-core machine its rendering competed with the very sync being measured.
 */
export function createWorklogBodyCache(site: JiraSite) {
  const worklogJson = createWorklogJsonWriter(site);
  const caches = { '2': new WeakMap<SimWorklog, CachedBody>(), '3': new WeakMap<SimWorklog, CachedBody>() };
  // The writer's user fragments are cached strings: an unchanged user gives the same string.
  const userSignature = worklogJson.userJson;

  function isCurrent(entry: CachedBody, worklog: SimWorklog, authorJson: string, updateAuthorJson: string): boolean {
    return (
      entry.baseUrl === site.baseUrl &&
      entry.timeZone === site.timeZone &&
      entry.hoursPerDay === site.behaviour.hoursPerDay &&
      entry.daysPerWeek === site.behaviour.daysPerWeek &&
      entry.issueId === worklog.issueId &&
      entry.authorJson === authorJson &&
      entry.updateAuthorJson === updateAuthorJson &&
      entry.comment === worklog.comment &&
      entry.visibility === worklog.visibility &&
      entry.createdMs === worklog.createdMs &&
      entry.updatedMs === worklog.updatedMs &&
      entry.startedMs === worklog.startedMs &&
      entry.timeSpentSeconds === worklog.timeSpentSeconds
    );
  }

  /** The worklog's body (`expand` not supported: those answers are rendered each time). */
  function bodyBytes(worklog: SimWorklog, version: ApiVersion): Buffer {
    const cache = caches[version];
    const authorJson = userSignature(worklog.authorId, version);
    const updateAuthorJson = worklog.updateAuthorId === worklog.authorId ? authorJson : userSignature(worklog.updateAuthorId, version);
    const cached = cache.get(worklog);
    if (cached && isCurrent(cached, worklog, authorJson, updateAuthorJson)) return cached.bytes;
    const entry: CachedBody = {
      baseUrl: site.baseUrl,
      timeZone: site.timeZone,
      hoursPerDay: site.behaviour.hoursPerDay,
      daysPerWeek: site.behaviour.daysPerWeek,
      issueId: worklog.issueId,
      authorJson,
      updateAuthorJson,
      comment: worklog.comment,
      visibility: worklog.visibility,
      createdMs: worklog.createdMs,
      updatedMs: worklog.updatedMs,
      startedMs: worklog.startedMs,
      timeSpentSeconds: worklog.timeSpentSeconds,
      bytes: Buffer.from(worklogJson(worklog, version)),
    };
    cache.set(worklog, entry);
    return entry.bytes;
  }

  return { worklogJson, bodyBytes };
}

/** The body cache of a site. */
export type WorklogBodyCache = ReturnType<typeof createWorklogBodyCache>;

const bodyCaches = new WeakMap<JiraSite, WorklogBodyCache>();

/** The one body cache of `site`, shared by its routes (and warmed by benchmarks). */
export function worklogBodiesOf(site: JiraSite): WorklogBodyCache {
  let cache = bodyCaches.get(site);
  if (!cache) {
    cache = createWorklogBodyCache(site);
    bodyCaches.set(site, cache);
  }
  return cache;
}
