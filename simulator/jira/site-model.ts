import type { AdfDoc } from './adf.js';

/*
 * The records of one simulated site, as `JiraSite` holds them (split from jira-site.ts, which
 * re-exports them, to keep the class file small).
 */

/** A site user (or the app's own user). Only the simulator knows emails and API tokens. */
export interface SimUser {
  accountId: string;
  displayName: string;
  emailAddress?: string;
  active: boolean;
  timeZone: string;
  accountType: 'atlassian' | 'app' | 'customer';
  /** Group and project-role names the user belongs to; they decide worklog visibility. */
  groups: string[];
  /** Site administrators see every worklog and pass every permission check. */
  siteAdmin?: boolean;
  /**
   * Legacy API tokens for HTTP Basic (`email:token`): classic tokens that never expire. New
   * tests use `site.createApiToken`, which also models scoped, revoked and expiring tokens.
   */
  apiTokens?: string[];
  /**
   * Permission keys (global or project, e.g. `WORK_ON_ISSUES`, `EDIT_OWN_WORKLOGS`) this user is
   * denied everywhere, whatever the simulated scheme grants: how a test models a narrower
   * permission scheme. Honoured by every permission check, `/mypermissions` and
   * `/permissions/check`; `BROWSE_PROJECTS` here hides every issue from the user.
   */
  withheldPermissions?: string[];
}

export interface SimProject {
  id: string;
  key: string;
  name: string;
  /** Account ids allowed to browse the project; undefined means every active user. */
  browsers?: string[];
}

export interface SimIssue {
  id: number;
  key: string;
  projectId: string;
  summary: string;
  issueType: 'Epic' | 'Story' | 'Task' | 'Bug' | 'Subtask';
  parentId?: number;
  timeTrackingEnabled: boolean;
}

export interface SimVisibility {
  type: 'group' | 'role';
  value: string;
  identifier?: string;
}

/** A worklog as the simulated Jira holds it; rendering to v2/v3 JSON happens at the edge. */
export interface SimWorklog {
  id: number;
  issueId: number;
  authorId: string;
  updateAuthorId: string;
  comment: AdfDoc | undefined;
  startedMs: number;
  timeSpentSeconds: number;
  createdMs: number;
  updatedMs: number;
  visibility?: SimVisibility;
  properties: { key: string; value: unknown }[];
}

/** An app installed on the site through the Connect lifecycle. */
export interface SimInstalledApp {
  key: string;
  clientKey: string;
  sharedSecret: string;
  /** The app's base URL, from its descriptor. */
  baseUrl: string;
  /** The account the app acts as (accountType `app`). */
  appUserAccountId: string;
  enabled: boolean;
  /** The parsed descriptor the site fetched, for lifecycle and webhook URLs. */
  descriptor: Record<string, unknown>;
  /**
   * The Connect app's OAuth client id, sent as `oauthClientId` in lifecycle payloads: the `iss`
   * (`urn:atlassian:connect:clientid:{oauthClientId}`) of its user-impersonation assertions
   * (bitbucket-cloud.md §5.2). Stable per app key for the site's lifetime, re-installs included.
   * Absent on the Forge app's stand-in (`sim.forge`), which has no Connect credentials.
   */
  oauthClientId?: string;
}

/** What happened to a worklog, for the webhook dispatcher. */
export interface WorklogEvent {
  event: 'worklog_created' | 'worklog_updated' | 'worklog_deleted';
  worklog: SimWorklog;
  timestamp: number;
}
