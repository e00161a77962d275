import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { TenantId } from '../../tenants/tenant.js';
import {
  MAX_IDS_PER_PERMISSION_CHECK,
  MAX_ISSUES_PER_FETCH,
  MAX_PROJECTS_PER_FETCH,
  MAX_USERS_PER_FETCH,
  type CallOptions,
  type JiraClient,
  type JiraIssue,
  type JiraIssuesResult,
  type JiraUser,
} from '../../jira/jira-client.js';
import { createBatchLoader, type BatchLoader } from './batch-loader.js';
import { normalizeIssueRef, normalizeIssueRefs, normalizeProjectRefs } from './issue-refs.js';
import { checkUserJql, searchAllIssueIds } from './search-issue-ids.js';
import { createTtlLruCache } from './ttl-lru-cache.js';

/** An issue as Jira describes it now; memory only (the data statement stores issue ids alone). */
export interface LiveIssue {
  id: number;
  key: string;
  summary: string;
  projectId: string;
  projectKey: string;
  projectName: string;
  /** The parent (epic, or the parent of a sub-task), null when there is none. */
  parentId: number | null;
  parentKey: string | null;
  parentSummary: string | null;
}

/** A person as Jira describes them now; memory only. */
export interface LiveUser {
  accountId: string;
  displayName: string;
  /** 48×48 avatar URL. */
  avatarUrl: string | null;
  active: boolean;
  /** When the user's profile lets the app see it. */
  timeZone?: string | undefined;
}

/** What a viewer may see: a site admin everything; anyone else only the issues they may browse. */
export type ViewerScope = { kind: 'all' } | { kind: 'restricted'; browsable(issueIds: readonly number[]): Promise<Set<number>> };

/** Time to live of each kind of entry, in ms. */
export interface LiveJiraTtls {
  /** Issue details, and ids Jira did not return (deleted or hidden); default 10 minutes. */
  issuesMs?: number;
  /** User details, and unknown account ids; default 15 minutes. */
  usersMs?: number;
  /** JQL, key and project filters resolved to issue ids; default 5 minutes. */
  resolutionsMs?: number;
  /** Whether an account is a site admin, and which issues it may browse; default 90 seconds. */
  viewerMs?: number;
}

/** Bounds of the caches, shared by all tenants (least recently used entries go first). */
export interface LiveJiraBounds {
  /** Issues held; default 50,000 (a few hundred bytes each). */
  issues?: number;
  /** Users held; default 20,000. */
  users?: number;
  /** Issue ids held across all resolved filters; default 1,000,000 (8 bytes each). */
  resolvedIssueIds?: number;
  /** (account, issue) browse decisions held; default 500,000. */
  browseDecisions?: number;
}

/** Dependencies and limits of {@link createLiveJiraData}. */
/** A viewer's own access to Jira for one request (never stored or cached beyond it). */
export interface ViewerJiraAccess {
  accountId: string;
  access: TenantJiraAccess;
}

export interface LiveJiraDataOptions {
  /** The tenant's Jira client (shared coordinator and credentials); called once per fetch. */
  clientFor: (tenantId: TenantId) => Promise<JiraClient>;
  /** A Jira client acting with a viewer's own access (user-initiated reads); optional. */
  clientForViewer?: (tenantId: TenantId, access: TenantJiraAccess) => JiraClient;
  clock: Clock;
  ttlMs?: LiveJiraTtls;
  maxEntries?: LiveJiraBounds;
  /**
   * Most issues one filter may resolve to; more fail with `REQUEST_INVALID`. Each id `/search/jql`
   * returns costs a point of the app's hourly quota, shared by every tenant (§3). Default 20,000.
   */
  maxIssuesPerFilter?: number;
  /** Batches in flight per call; default 4. */
  concurrency?: number;
}

/** Live Jira reads for reports; see {@link createLiveJiraData}. */
export interface LiveJiraData {
  /** Details of issues by id; ids Jira does not return (deleted, or hidden from the app) are absent. */
  issues(tenantId: TenantId, ids: readonly number[]): Promise<Map<number, LiveIssue>>;
  /** Details of people by account id; ids Jira does not know are absent. */
  users(tenantId: TenantId, accountIds: readonly string[]): Promise<Map<string, LiveUser>>;
  /** The issues of {@link LiveJiraData.issues} held in memory now; asks Jira nothing (and spends no points). */
  cachedIssues(tenantId: TenantId, ids: readonly number[]): Map<number, LiveIssue>;
  /** The people of {@link LiveJiraData.users} held in memory now; asks Jira nothing. */
  cachedUsers(tenantId: TenantId, accountIds: readonly string[]): Map<string, LiveUser>;
  /** Ids of the issues a user's JQL matches (as the app sees them), sorted; `REPORT_JQL_INVALID` when Jira refuses it. */
  /**
   * Ids of the issues the JQL matches, sorted. With `asViewer` (the viewer's own access to Jira,
   * when the platform hands one over) the search runs as the viewer — `currentUser()` means them —
   * and is cached per viewer; otherwise it runs as the app.
   */
  issueIdsForJql(tenantId: TenantId, jql: string, asViewer?: ViewerJiraAccess): Promise<number[]>;
  /** Ids of the named issues that exist (keys case-insensitive, a moved issue's old key finds it), sorted. */
  issueIdsForKeys(tenantId: TenantId, keysOrIds: readonly string[]): Promise<number[]>;
  /**
   * The issues the keys name, by key as asked (upper-cased; values that are not keys are
   * dropped): a moved issue's old key finds it, the value carrying the current key; keys Jira
   * does not know (or hides from the app) are absent. Several keys may map to one issue.
   */
  issuesForKeys(tenantId: TenantId, keys: readonly string[]): Promise<Map<string, LiveIssue>>;
  /** Ids of every issue in the named projects (ids or keys; unknown ones match nothing), sorted. */
  issueIdsForProjects(tenantId: TenantId, projectKeysOrIds: readonly string[]): Promise<number[]>;
  /** What `accountId` may see of the tenant's worklogs. Ask per request: the answer ages with `viewerMs`. */
  viewerScope(tenantId: TenantId, accountId: string): Promise<ViewerScope>;
  /** Forgets everything held for the tenant (uninstall); idempotent. */
  evictTenant(tenantId: TenantId): void;
}

const MINUTE_MS = 60_000;
/** Reads a person waits for: they never wait for the backfill reserve (jira-client.ts CallPriority). */
const INTERACTIVE: CallOptions = { priority: 'interactive' };
const ALL: ViewerScope = Object.freeze({ kind: 'all' });

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) throw new RangeError(`createLiveJiraData: ${name} must be a positive integer, got ${chosen}`);
  return chosen;
}

const isAccountId = (value: string) => value.length > 0 && value.length <= 128 && !value.includes('\u0000');
const isIssueId = (value: number) => Number.isSafeInteger(value) && value >= 0;
const sortedIds = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b);

function liveIssue(issue: JiraIssue): LiveIssue {
  return Object.freeze({
    id: issue.id,
    key: issue.key,
    summary: issue.summary,
    projectId: issue.project.id,
    projectKey: issue.project.key,
    projectName: issue.project.name,
    parentId: issue.parent?.id ?? null,
    parentKey: issue.parent?.key ?? null,
    parentSummary: issue.parent?.summary ?? null,
  });
}

function liveUser(user: JiraUser): LiveUser {
  const { accountId, displayName, avatarUrl, active, timeZone } = user;
  return Object.freeze(timeZone === undefined ? { accountId, displayName, avatarUrl, active } : { accountId, displayName, avatarUrl, active, timeZone });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The live Jira data reports need — issue and user details, filters resolved to issue ids, the
 * viewer's permissions — fetched in batches with `interactive` priority and held in memory only,
 * per tenant, with a TTL per kind and one LRU bound per kind across tenants. Nothing is written
 * to disk and nothing is logged. Concurrent requests for the same key share one fetch; a failed
 * fetch rejects its callers and caches nothing. Filters run as the app (the app's credentials
 * cannot act as the user), so a caller must always narrow their result with {@link LiveJiraData.viewerScope}.
 */
export function createLiveJiraData(options: LiveJiraDataOptions): LiveJiraData {
  const { clientFor, clock } = options;
  const ttl = options.ttlMs ?? {};
  const bounds = options.maxEntries ?? {};
  const issuesMs = positiveInteger('ttlMs.issuesMs', ttl.issuesMs, 10 * MINUTE_MS);
  const usersMs = positiveInteger('ttlMs.usersMs', ttl.usersMs, 15 * MINUTE_MS);
  const resolutionsMs = positiveInteger('ttlMs.resolutionsMs', ttl.resolutionsMs, 5 * MINUTE_MS);
  const viewerMs = positiveInteger('ttlMs.viewerMs', ttl.viewerMs, 90_000);
  const maxIssues = positiveInteger('maxIssuesPerFilter', options.maxIssuesPerFilter, 20_000);
  const concurrency = positiveInteger('concurrency', options.concurrency, 4);

  const loader = <V>(ttlMs: number, maxWeight: number, batchSize: number, weigh?: (value: V | null) => number): BatchLoader<V> =>
    createBatchLoader<V>({ cache: createTtlLruCache<V | null>({ clock, maxWeight, ...(weigh ? { weigh } : {}) }), ttlMs, batchSize, concurrency });
  const issues = loader<LiveIssue>(issuesMs, positiveInteger('maxEntries.issues', bounds.issues, 50_000), MAX_ISSUES_PER_FETCH);
  const users = loader<LiveUser>(usersMs, positiveInteger('maxEntries.users', bounds.users, 20_000), MAX_USERS_PER_FETCH);
  const resolved = loader<readonly number[]>(resolutionsMs, positiveInteger('maxEntries.resolvedIssueIds', bounds.resolvedIssueIds, 1_000_000), 1, (ids) => ids?.length ?? 1);
  const keyIds = loader<number>(resolutionsMs, positiveInteger('maxEntries.issues', bounds.issues, 50_000), MAX_ISSUES_PER_FETCH);
  const admins = loader<boolean>(viewerMs, 10_000, 1);
  const browse = loader<boolean>(viewerMs, positiveInteger('maxEntries.browseDecisions', bounds.browseDecisions, 500_000), MAX_IDS_PER_PERMISSION_CHECK);
  const tenantPrefix = (tenantId: TenantId) => `${tenantId}\u0000`;

  /** A filter resolved once per `resolutionsMs`; the cached list is frozen, callers get a copy. */
  async function resolve(tenantId: TenantId, cacheKey: string, compute: (client: JiraClient) => Promise<number[]>, client: () => Promise<JiraClient> = () => clientFor(tenantId)): Promise<number[]> {
    const found = await resolved.load(tenantPrefix(tenantId), [cacheKey], async () => {
      const ids = Object.freeze(await compute(await client()));
      return { found: new Map([[cacheKey, ids]]) };
    });
    return [...(found.get(cacheKey) ?? [])];
  }

  function browsableFor(tenantId: TenantId, accountId: string) {
    const prefix = `${tenantPrefix(tenantId)}${accountId}\u0000`;
    return async (issueIds: readonly number[]): Promise<Set<number>> => {
      const decisions = await browse.load(prefix, issueIds.filter(isIssueId).map(String), async (batch) => {
        const client = await clientFor(tenantId);
        const grants = await client.checkPermissions(
          { accountId, projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issueIds: batch.map(Number) }] },
          INTERACTIVE,
        );
        const granted = grants.projectPermissions.get('BROWSE_PROJECTS')?.issueIds ?? new Set<number>();
        return { found: new Map(batch.map((id) => [id, granted.has(Number(id))])) };
      });
      return new Set([...decisions].filter(([, allowed]) => allowed).map(([id]) => Number(id)));
    };
  }

  const data: LiveJiraData = {
    async issues(tenantId, ids) {
      if (!ids.every(isIssueId)) throw new AppError('INTERNAL', 'issues() takes non-negative integer issue ids only');
      const found = await issues.load(tenantPrefix(tenantId), ids.map(String), async (batch) => {
        const result = await (await clientFor(tenantId)).getIssues(batch.map(Number), INTERACTIVE);
        return { found: new Map(result.issues.map((issue) => [String(issue.id), liveIssue(issue)])), transient: new Set(result.failedIdsOrKeys) };
      });
      return new Map([...found].map(([id, issue]) => [Number(id), issue]));
    },

    async users(tenantId, accountIds) {
      // An id that cannot be an account id cannot be in Jira either: absent, like an unknown one.
      return users.load(tenantPrefix(tenantId), accountIds.filter(isAccountId), async (batch) => {
        const found = await (await clientFor(tenantId)).getUsers(batch, INTERACTIVE);
        return { found: new Map(found.map((user) => [user.accountId, liveUser(user)])) };
      });
    },

    cachedIssues(tenantId, ids) {
      const found = issues.peek(tenantPrefix(tenantId), ids.filter(isIssueId).map(String));
      return new Map([...found].map(([id, issue]) => [Number(id), issue]));
    },

    cachedUsers(tenantId, accountIds) {
      return users.peek(tenantPrefix(tenantId), accountIds.filter(isAccountId));
    },

    async issueIdsForJql(tenantId, jql, asViewer) {
      const text = checkUserJql(jql);
      const search = (client: JiraClient) => searchAllIssueIds(client, text, { origin: 'user', maxIssues, filterName: 'JQL', callOptions: INTERACTIVE });
      const clientForViewer = options.clientForViewer;
      if (asViewer && clientForViewer) {
        return resolve(tenantId, `jql-as\u0000${asViewer.accountId}\u0000${text}`, search, async () => clientForViewer(tenantId, asViewer.access));
      }
      return resolve(tenantId, `jql\u0000${text}`, search);
    },

    async issueIdsForKeys(tenantId, keysOrIds) {
      const refs = normalizeIssueRefs(keysOrIds);
      if (refs.length === 0) return [];
      // Bulk fetch, not `key in (…)`: JQL fails the whole query when one key does not exist.
      return resolve(tenantId, `keys\u0000${refs.join(',')}`, async (client) => {
        const version = issues.version;
        const ids: number[] = [];
        for (const batch of chunks(refs, MAX_ISSUES_PER_FETCH)) {
          for (const issue of (await client.getIssues(batch, INTERACTIVE)).issues) {
            ids.push(issue.id);
            issues.prime(tenantPrefix(tenantId), String(issue.id), liveIssue(issue), version);
          }
        }
        return sortedIds(ids);
      });
    },

    async issuesForKeys(tenantId, keys) {
      const refs = [...new Set(keys.map((key) => normalizeIssueRef(key)).filter((ref): ref is string => ref !== undefined && !/^\d+$/.test(ref)))];
      const prefix = tenantPrefix(tenantId);
      const ids = await keyIds.load(prefix, refs, async (batch) => {
        const client = await clientFor(tenantId);
        const version = issues.version;
        const found = new Map<string, number>();
        const transient = new Set<string>();
        const take = (result: JiraIssuesResult) => {
          for (const issue of result.issues) issues.prime(prefix, String(issue.id), liveIssue(issue), version);
          for (const failed of result.failedIdsOrKeys) transient.add(failed.toUpperCase());
        };
        const bulk = await client.getIssues(batch, INTERACTIVE);
        take(bulk);
        const asked = new Set(batch);
        for (const issue of bulk.issues) if (asked.has(issue.key)) found.set(issue.key, issue.id);
        // The bulk answer names issues by their current key only: an old key (a moved issue)
        // cannot be told from the others there, so each leftover key is asked alone.
        const leftovers = batch.filter((key) => !found.has(key) && !transient.has(key));
        for (const group of chunks(leftovers, concurrency)) {
          await Promise.all(
            group.map(async (key) => {
              const single = await client.getIssues([key], INTERACTIVE);
              take(single);
              const issue = single.issues[0];
              if (issue) found.set(key, issue.id);
            }),
          );
        }
        return { found, transient };
      });
      const details = await data.issues(tenantId, [...new Set(ids.values())]);
      const byKey = new Map<string, LiveIssue>();
      for (const [key, id] of ids) {
        const issue = details.get(id);
        if (issue) byKey.set(key, issue);
      }
      return byKey;
    },

    async issueIdsForProjects(tenantId, projectKeysOrIds) {
      const refs = normalizeProjectRefs(projectKeysOrIds);
      if (refs.ids.length === 0 && refs.keys.length === 0) return [];
      return resolve(tenantId, `projects\u0000${refs.ids.join(',')}\u0000${refs.keys.join(',')}`, async (client) => {
        // Known projects first: JQL fails the whole query when one project does not exist.
        const projectIds = new Set<number>();
        const idBatches = chunks(refs.ids, MAX_PROJECTS_PER_FETCH);
        const keyBatches = chunks(refs.keys, MAX_PROJECTS_PER_FETCH);
        for (let i = 0; i < Math.max(idBatches.length, keyBatches.length); i++) {
          const projects = await client.getProjects({ ids: idBatches[i] ?? [], keys: keyBatches[i] ?? [] }, INTERACTIVE);
          for (const project of projects) projectIds.add(Number(project.id));
        }
        if (projectIds.size === 0) return [];
        const jql = `project in (${sortedIds(projectIds).join(', ')})`;
        return searchAllIssueIds(client, jql, { origin: 'tally', maxIssues, filterName: 'project', callOptions: INTERACTIVE });
      });
    },

    async viewerScope(tenantId, accountId) {
      if (!isAccountId(accountId)) throw new AppError('INTERNAL', 'viewerScope() takes an account id');
      const admin = await admins.load(tenantPrefix(tenantId), [accountId], async () => {
        const grants = await (await clientFor(tenantId)).checkPermissions({ accountId, globalPermissions: ['ADMINISTER'] }, INTERACTIVE);
        return { found: new Map([[accountId, grants.globalPermissions.has('ADMINISTER')]]) };
      });
      if (admin.get(accountId) === true) return ALL;
      return { kind: 'restricted', browsable: browsableFor(tenantId, accountId) };
    },

    evictTenant(tenantId) {
      const prefix = tenantPrefix(tenantId);
      for (const each of [issues, users, resolved, keyIds, admins, browse] as const) each.evict(prefix);
    },
  };
  return data;
}
