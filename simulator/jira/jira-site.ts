import { randomBytes } from 'node:crypto';
import { ChangeFeed, type FeedEntry } from './change-feed.js';
import type { SimClock } from '../sim-clock.js';
import { defaultSiteBehaviour, type SiteBehaviour } from './site-behaviour.js';
import { ApiTokenStore, type CreateApiTokenInput, type SimApiToken } from './api-tokens.js';
import { UserPropertyStore } from './user-properties.js';
import type { SimInstalledApp, SimIssue, SimProject, SimUser, SimWorklog, WorklogEvent } from './site-model.js';

export { defaultSiteBehaviour, type SiteBehaviour } from './site-behaviour.js';
export type { ApiTokenKind, CreateApiTokenInput, SimApiToken } from './api-tokens.js';
export type { SimInstalledApp, SimIssue, SimProject, SimUser, SimVisibility, SimWorklog, WorklogEvent } from './site-model.js';

/**
 * The whole state of one simulated Jira Cloud site: users, projects, issues, worklogs, change
 * feeds, installed apps. Mutations go through methods so feeds and events stay consistent.
 */
export class JiraSite {
  readonly users = new Map<string, SimUser>();
  readonly projects = new Map<string, SimProject>();
  readonly issues = new Map<number, SimIssue>();
  /** Keys issues had before a move, to the issue's id: Jira still finds a moved issue by its old key. */
  private readonly formerKeys = new Map<string, number>();
  readonly worklogs = new Map<number, SimWorklog>();
  /** Worklog ids per issue, for the per-issue endpoint and limits. */
  readonly worklogsByIssue = new Map<number, Set<number>>();
  readonly updatedFeed = new ChangeFeed();
  readonly deletedFeed = new ChangeFeed();
  /** Deletion time per deleted worklog id (the current entry of the deleted feed). */
  readonly deletedAt = new Map<number, number>();
  readonly apps = new Map<string, SimInstalledApp>();
  /** User entity properties (`/rest/api/3/user/properties`), per account id. */
  readonly userProperties = new UserPropertyStore();
  readonly behaviour: SiteBehaviour;
  /** API tokens made with {@link createApiToken} (legacy `user.apiTokens` stay on the user). */
  readonly apiTokenStore: ApiTokenStore;
  private readonly listeners: ((event: WorklogEvent) => void)[] = [];
  private readonly oauthClientIds = new Map<string, string>();
  private nextWorklogId: number;
  private nextIssueId: number;

  constructor(
    readonly clock: SimClock,
    /** Absolute base URL of the site, e.g. `https://acme.atlassian.net`; set again by `listen()`. */
    public baseUrl: string,
    /** Time zone used to render dates (the viewing user's, simplified to one per site). */
    public timeZone: string,
    behaviour: Partial<SiteBehaviour> = {},
  ) {
    this.behaviour = { ...defaultSiteBehaviour, ...behaviour };
    this.apiTokenStore = new ApiTokenStore(() => this.clock.now());
    this.nextWorklogId = 10_000;
    this.nextIssueId = 10_000;
  }

  /** Subscribes to worklog changes; returns the unsubscribe function. */
  onWorklogEvent(listener: (event: WorklogEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  private emit(event: WorklogEvent['event'], worklog: SimWorklog): void {
    const snapshot = structuredClone(worklog);
    // One event, one time: every listener (Connect webhooks, Forge events, admin webhooks) sees the same stamp.
    const timestamp = this.clock.now();
    for (const listener of this.listeners) listener({ event, worklog: snapshot, timestamp });
  }

  addUser(user: SimUser): SimUser {
    this.users.set(user.accountId, user);
    return user;
  }

  /**
   * Creates an API token for a site user, as the user would at id.atlassian.com; returns the
   * token string for `Authorization: Basic base64(email:token)`. Throws for an unknown account
   * or a bad kind/scopes/expiry (RangeError).
   */
  createApiToken(input: CreateApiTokenInput): string {
    if (!this.users.has(input.accountId)) throw new RangeError(`no user ${input.accountId} on the simulated site`);
    return this.apiTokenStore.create(input).token;
  }

  /** Revokes a token (it answers 401 from now on); false when unknown. Idempotent. */
  revokeApiToken(token: string): boolean {
    return this.apiTokenStore.revoke(token);
  }

  /** The stored token record (revoked and expired ones included), if `token` was made here. */
  findApiToken(token: string): SimApiToken | undefined {
    return this.apiTokenStore.find(token);
  }

  addProject(project: SimProject): SimProject {
    this.projects.set(project.id, project);
    return project;
  }

  /** Adds an issue; `id` defaults to the next free id. */
  addIssue(issue: Omit<SimIssue, 'id'> & { id?: number }): SimIssue {
    const id = issue.id ?? this.nextIssueId++;
    this.nextIssueId = Math.max(this.nextIssueId, id + 1);
    const created: SimIssue = { ...issue, id };
    this.issues.set(id, created);
    return created;
  }

  /**
   * Inserts a worklog with explicit timestamps, without events: for the data generator, which
   * builds history that "already happened". Feeds record it at its `updatedMs`.
   */
  importWorklog(worklog: Omit<SimWorklog, 'id'> & { id?: number }): SimWorklog {
    const id = worklog.id ?? this.nextWorklogId++;
    this.nextWorklogId = Math.max(this.nextWorklogId, id + 1);
    const stored: SimWorklog = { ...worklog, id };
    this.worklogs.set(id, stored);
    this.indexByIssue(id, stored.issueId);
    this.updatedFeed.record(id, stored.updatedMs);
    return stored;
  }

  /** Marks an imported worklog as deleted at `deletedMs` (generator history). */
  importDeletion(id: number, deletedMs: number): void {
    const worklog = this.worklogs.get(id);
    if (worklog) {
      this.worklogs.delete(id);
      this.worklogsByIssue.get(worklog.issueId)?.delete(id);
    }
    this.deletedAt.set(id, deletedMs);
    this.deletedFeed.record(id, deletedMs);
  }

  private indexByIssue(id: number, issueId: number): void {
    let set = this.worklogsByIssue.get(issueId);
    if (!set) {
      set = new Set();
      this.worklogsByIssue.set(issueId, set);
    }
    set.add(id);
  }

  /** Creates a worklog now, as Jira does on POST; emits `worklog_created`. */
  createWorklog(input: Omit<SimWorklog, 'id' | 'createdMs' | 'updatedMs' | 'updateAuthorId' | 'properties'> & {
    properties?: SimWorklog['properties'];
  }): SimWorklog {
    const now = this.clock.now();
    const worklog: SimWorklog = {
      ...input,
      id: this.nextWorklogId++,
      updateAuthorId: input.authorId,
      createdMs: now,
      updatedMs: now,
      properties: input.properties ?? [],
    };
    this.worklogs.set(worklog.id, worklog);
    this.indexByIssue(worklog.id, worklog.issueId);
    this.updatedFeed.record(worklog.id, now);
    this.emit('worklog_created', worklog);
    return worklog;
  }

  /** Applies a change now; emits `worklog_updated`. Returns undefined for an unknown id. */
  updateWorklog(
    id: number,
    changes: Partial<Pick<SimWorklog, 'comment' | 'startedMs' | 'timeSpentSeconds' | 'visibility' | 'properties'>>,
    updateAuthorId: string,
  ): SimWorklog | undefined {
    const worklog = this.worklogs.get(id);
    if (!worklog) return undefined;
    Object.assign(worklog, changes, { updateAuthorId, updatedMs: this.bumpTime(worklog.updatedMs) });
    if ('visibility' in changes && changes.visibility === undefined) delete worklog.visibility;
    this.updatedFeed.record(id, worklog.updatedMs);
    this.emit('worklog_updated', worklog);
    return worklog;
  }

  /** Deletes a worklog now; emits `worklog_deleted`. Returns false for an unknown id. */
  deleteWorklog(id: number): boolean {
    const worklog = this.worklogs.get(id);
    if (!worklog) return false;
    const now = this.clock.now();
    this.worklogs.delete(id);
    this.worklogsByIssue.get(worklog.issueId)?.delete(id);
    this.deletedAt.set(id, now);
    this.deletedFeed.record(id, now);
    this.emit('worklog_deleted', worklog);
    return true;
  }

  /** Moves worklogs to another issue (Jira's bulk move); ids unchanged, `issueId` changes. */
  moveWorklogs(ids: number[], targetIssueId: number, actorId: string): SimWorklog[] {
    const moved: SimWorklog[] = [];
    for (const id of ids) {
      const worklog = this.worklogs.get(id);
      if (!worklog) continue;
      this.worklogsByIssue.get(worklog.issueId)?.delete(id);
      worklog.issueId = targetIssueId;
      this.indexByIssue(id, targetIssueId);
      if (this.behaviour.worklogMoveBumpsUpdated) {
        worklog.updatedMs = this.bumpTime(worklog.updatedMs);
        worklog.updateAuthorId = actorId;
        this.updatedFeed.record(id, worklog.updatedMs);
      }
      this.emit('worklog_updated', worklog);
      moved.push(worklog);
    }
    return moved;
  }

  /** Deletes an issue and its worklogs (listed as deleted when the behaviour says so). */
  deleteIssue(issueId: number): boolean {
    if (!this.issues.delete(issueId)) return false;
    const ids = [...(this.worklogsByIssue.get(issueId) ?? [])];
    this.worklogsByIssue.delete(issueId);
    const now = this.clock.now();
    for (const id of ids) {
      const worklog = this.worklogs.get(id);
      this.worklogs.delete(id);
      if (this.behaviour.issueDeletionFeedsDeletedWorklogs) {
        this.deletedAt.set(id, now);
        this.deletedFeed.record(id, now);
      }
      if (worklog) this.emit('worklog_deleted', worklog);
    }
    for (const issue of this.issues.values()) {
      if (issue.parentId === issueId) delete issue.parentId;
    }
    return true;
  }

  /** Moves an issue to another project: a new key, the same id; worklogs are untouched. */
  moveIssue(issueId: number, targetProjectId: string): SimIssue | undefined {
    const issue = this.issues.get(issueId);
    const project = this.projects.get(targetProjectId);
    if (!issue || !project) return undefined;
    const used = new Set([...this.issues.values()].filter((i) => i.projectId === project.id).map((i) => i.key));
    let n = used.size + 1;
    while (used.has(`${project.key}-${n}`)) n++;
    // Jira keeps answering the old key with the moved issue (bulk fetch, GET issue, JQL).
    this.formerKeys.set(issue.key, issue.id);
    issue.projectId = project.id;
    issue.key = `${project.key}-${n}`;
    return issue;
  }

  /** A change time strictly after `previousMs`, so an edit always moves a worklog forward. */
  private bumpTime(previousMs: number): number {
    return Math.max(this.clock.now(), previousMs + 1);
  }

  /** Whether `viewer` may see `worklog` (no restriction, membership, or site admin). */
  canSeeWorklog(worklog: SimWorklog, viewer: SimUser): boolean {
    if (!worklog.visibility || viewer.siteAdmin) return true;
    return viewer.groups.includes(worklog.visibility.value);
  }

  /** Whether `viewer` may browse the issue's project. */
  canBrowseIssue(issue: SimIssue, viewer: SimUser): boolean {
    if (viewer.withheldPermissions?.includes('BROWSE_PROJECTS')) return false;
    if (viewer.siteAdmin || viewer.accountType === 'app') return true;
    const project = this.projects.get(issue.projectId);
    return !project?.browsers || project.browsers.includes(viewer.accountId);
  }

  /** Whether a feed entry is the latest change of its worklog. */
  isCurrentUpdate = (entry: FeedEntry): boolean => {
    const worklog = this.worklogs.get(entry.id);
    return worklog !== undefined && worklog.updatedMs === entry.time;
  };

  /** Whether a deleted-feed entry is still current (the id was not re-used). */
  isCurrentDeletion = (entry: FeedEntry): boolean => this.deletedAt.get(entry.id) === entry.time;

  findIssue(idOrKey: string): SimIssue | undefined {
    if (/^\d+$/.test(idOrKey)) return this.issues.get(Number(idOrKey));
    const upper = idOrKey.toUpperCase();
    for (const issue of this.issues.values()) if (issue.key === upper) return issue;
    const formerOwner = this.formerKeys.get(upper);
    return formerOwner === undefined ? undefined : this.issues.get(formerOwner);
  }

  /**
   * Records an app installation (or re-installation, which replaces the secret) and creates its
   * app user, a member of the groups add-ons get by default. Used by the Connect host's lifecycle
   * and by tests that need an installed app without the lifecycle.
   */
  registerApp(input: Omit<SimInstalledApp, 'appUserAccountId' | 'enabled'> & { enabled?: boolean; appUserGroups?: string[] }): SimInstalledApp {
    const existing = this.apps.get(input.key);
    const appUserAccountId = existing?.appUserAccountId ?? `app-${Buffer.from(input.key).toString('hex').slice(0, 20)}`;
    if (!this.users.has(appUserAccountId)) {
      this.addUser({
        accountId: appUserAccountId,
        displayName: String(input.descriptor.name ?? input.key),
        active: true,
        timeZone: 'UTC',
        accountType: 'app',
        groups: input.appUserGroups ?? ['jira-software-users', 'atlassian-addons-project-access'],
      });
    }
    const app: SimInstalledApp = {
      key: input.key,
      clientKey: input.clientKey,
      sharedSecret: input.sharedSecret,
      baseUrl: input.baseUrl,
      descriptor: input.descriptor,
      appUserAccountId,
      enabled: input.enabled ?? true,
      oauthClientId: this.oauthClientIdFor(input.key),
    };
    this.apps.set(input.key, app);
    return app;
  }

  /** The OAuth client id of Connect app `appKey` on this site: made once, then the same. */
  oauthClientIdFor(appKey: string): string {
    let id = this.oauthClientIds.get(appKey);
    if (id === undefined) {
      id = randomBytes(24).toString('base64url');
      this.oauthClientIds.set(appKey, id);
    }
    return id;
  }

  /** The app installed under `appKey`, if any. */
  findApp(appKey: string): SimInstalledApp | undefined {
    return this.apps.get(appKey);
  }
}
